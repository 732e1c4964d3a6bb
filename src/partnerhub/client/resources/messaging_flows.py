"""The WhatsApp Flows of the number's WABA on the Messaging API (issue 18)::

    answer = await client.flows.list()  # 360dialog's flows.ListResponse
    names = [flow["name"] for flow in answer.data]
    answer = await client.flows.list(fields=["name", "status", "preview.invalidate(false)"])
    flow_id = (await client.flows.create("Sign up", ["SIGN_UP"])).id
    uploaded = await client.flows.upload_json(flow_id, flow_json)  # .validation_errors
    await client.flows.publish(flow_id)

``GET /flows`` is 360dialog's "List Flows"; the rest is Meta's Flows management on the Cloud API
paths under the key's base URL, the WABA being the key's. The Partner API's ``partner.flows``
manages the same Flows (and migrates them between WABAs).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import msgspec

from partnerhub.client._base import AsyncCore, Call, SyncCore, call, expect
from partnerhub.client.resources._common import _seg
from partnerhub.wire import flows as wire_flows

FLOWS_PATH = "/flows"

Fields = str | Sequence[str] | None

_FORM = {"name": "flow.json", "asset_type": "FLOW_JSON"}


def _fields(fields: Fields) -> str | None:
    return fields if fields is None or isinstance(fields, str) else ",".join(fields)


def _body(**values: Any) -> dict[str, Any]:
    return {
        k: (builtins.list(v) if isinstance(v, tuple) else v)
        for k, v in values.items()
        if v is not None
    }


def _json_bytes(flow_json: bytes | str | dict[str, Any]) -> bytes:
    if isinstance(flow_json, bytes):
        return flow_json
    if isinstance(flow_json, str):
        return flow_json.encode()
    return msgspec.json.encode(flow_json)


class _MessagingFlowCalls:
    @staticmethod
    def _flow(flow_id: str) -> str:
        return f"{FLOWS_PATH}/{_seg(flow_id)}"

    def _list(self, fields: Fields) -> Call[wire_flows.MessagingFlowList]:
        return call(
            "GET",
            FLOWS_PATH,
            expect(wire_flows.MessagingFlowList),
            params={"fields": _fields(fields)},
        )

    def _create(self, body: dict[str, Any]) -> Call[wire_flows.FlowCreated]:
        return call("POST", FLOWS_PATH, expect(wire_flows.FlowCreated), json=body)

    def _get(self, flow_id: str, fields: Fields) -> Call[dict[str, Any]]:
        return call("GET", self._flow(flow_id), expect(dict), params={"fields": _fields(fields)})

    def _update(self, flow_id: str, body: dict[str, Any]) -> Call[wire_flows.FlowSuccess]:
        return call("POST", self._flow(flow_id), expect(wire_flows.FlowSuccess), json=body)

    def _action(self, method: str, flow_id: str, action: str) -> Call[wire_flows.FlowSuccess]:
        path = self._flow(flow_id) + (f"/{action}" if action else "")
        return call(method, path, expect(wire_flows.FlowSuccess))

    def _assets(self, flow_id: str) -> Call[wire_flows.FlowAssets]:
        return call("GET", self._flow(flow_id) + "/assets", expect(wire_flows.FlowAssets))


class AsyncMessagingFlows(_MessagingFlowCalls):
    """The Flows of the number's WABA: list (``GET /flows``), create, get, update, upload the
    Flow JSON, publish, deprecate, delete (``fields`` as on the Partner API)."""

    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def list(self, *, fields: Fields = None) -> wire_flows.MessagingFlowList:
        """The WABA's Flows under ``data`` (default fields: id, name, categories,
        validation_errors, status), with Meta's cursor ``paging`` when there is one."""
        return await self._core.send(self._list(fields))

    async def create(
        self,
        name: str,
        categories: Sequence[str] | None = None,
        *,
        clone_flow_id: str | None = None,
        endpoint_uri: str | None = None,
    ) -> wire_flows.FlowCreated:
        """A new DRAFT Flow in the WABA (or a clone of another of the WABA's Flows)."""
        body = _body(
            name=name,
            categories=None if categories is None else builtins.list(categories),
            clone_flow_id=clone_flow_id,
            endpoint_uri=endpoint_uri,
        )
        return await self._core.send(self._create(body))

    async def get(self, flow_id: str, *, fields: Fields = None) -> dict[str, Any]:
        """The Flow's fields asked for (e.g. ``"preview.invalidate(false)"``)."""
        return await self._core.send(self._get(flow_id, fields))

    async def update(
        self,
        flow_id: str,
        *,
        name: str | None = None,
        categories: Sequence[str] | None = None,
        endpoint_uri: str | None = None,
    ) -> wire_flows.FlowSuccess:
        """A DRAFT Flow's metadata."""
        body = _body(
            name=name,
            categories=None if categories is None else builtins.list(categories),
            endpoint_uri=endpoint_uri,
        )
        return await self._core.send(self._update(flow_id, body))

    async def upload_json(
        self, flow_id: str, flow_json: bytes | str | dict[str, Any]
    ) -> wire_flows.AssetUploaded:
        """Upload the Flow JSON; the answer lists Meta's ``validation_errors`` (none: valid)."""
        files = {"file": ("flow.json", _json_bytes(flow_json), "application/json")}
        path = self._flow(flow_id) + "/assets"
        return await self._core.send_form(path, expect(wire_flows.AssetUploaded), _FORM, files)

    async def assets(self, flow_id: str) -> wire_flows.FlowAssets:
        """The Flow's Flow JSON asset, with a download link (the same key downloads it)."""
        return await self._core.send(self._assets(flow_id))

    async def publish(self, flow_id: str) -> wire_flows.FlowSuccess:
        return await self._core.send(self._action("POST", flow_id, "publish"))

    async def deprecate(self, flow_id: str) -> wire_flows.FlowSuccess:
        return await self._core.send(self._action("POST", flow_id, "deprecate"))

    async def delete(self, flow_id: str) -> wire_flows.FlowSuccess:
        """Delete a DRAFT Flow."""
        return await self._core.send(self._action("DELETE", flow_id, ""))


# --- Sync twins, generated by partnerhub.client.resources._twins from the async ones above:
# --- do not edit below this line; change the async twin and regenerate.


class MessagingFlows(_MessagingFlowCalls):
    """The Flows of the number's WABA: list (``GET /flows``), create, get, update, upload the
    Flow JSON, publish, deprecate, delete (``fields`` as on the Partner API)."""

    def __init__(self, core: SyncCore) -> None:
        self._core = core

    def list(self, *, fields: Fields = None) -> wire_flows.MessagingFlowList:
        """The WABA's Flows under ``data`` (default fields: id, name, categories,
        validation_errors, status), with Meta's cursor ``paging`` when there is one."""
        return self._core.send(self._list(fields))

    def create(
        self,
        name: str,
        categories: Sequence[str] | None = None,
        *,
        clone_flow_id: str | None = None,
        endpoint_uri: str | None = None,
    ) -> wire_flows.FlowCreated:
        """A new DRAFT Flow in the WABA (or a clone of another of the WABA's Flows)."""
        body = _body(
            name=name,
            categories=None if categories is None else builtins.list(categories),
            clone_flow_id=clone_flow_id,
            endpoint_uri=endpoint_uri,
        )
        return self._core.send(self._create(body))

    def get(self, flow_id: str, *, fields: Fields = None) -> dict[str, Any]:
        """The Flow's fields asked for (e.g. ``"preview.invalidate(false)"``)."""
        return self._core.send(self._get(flow_id, fields))

    def update(
        self,
        flow_id: str,
        *,
        name: str | None = None,
        categories: Sequence[str] | None = None,
        endpoint_uri: str | None = None,
    ) -> wire_flows.FlowSuccess:
        """A DRAFT Flow's metadata."""
        body = _body(
            name=name,
            categories=None if categories is None else builtins.list(categories),
            endpoint_uri=endpoint_uri,
        )
        return self._core.send(self._update(flow_id, body))

    def upload_json(
        self, flow_id: str, flow_json: bytes | str | dict[str, Any]
    ) -> wire_flows.AssetUploaded:
        """Upload the Flow JSON; the answer lists Meta's ``validation_errors`` (none: valid)."""
        files = {"file": ("flow.json", _json_bytes(flow_json), "application/json")}
        path = self._flow(flow_id) + "/assets"
        return self._core.send_form(path, expect(wire_flows.AssetUploaded), _FORM, files)

    def assets(self, flow_id: str) -> wire_flows.FlowAssets:
        """The Flow's Flow JSON asset, with a download link (the same key downloads it)."""
        return self._core.send(self._assets(flow_id))

    def publish(self, flow_id: str) -> wire_flows.FlowSuccess:
        return self._core.send(self._action("POST", flow_id, "publish"))

    def deprecate(self, flow_id: str) -> wire_flows.FlowSuccess:
        return self._core.send(self._action("POST", flow_id, "deprecate"))

    def delete(self, flow_id: str) -> wire_flows.FlowSuccess:
        """Delete a DRAFT Flow."""
        return self._core.send(self._action("DELETE", flow_id, ""))
