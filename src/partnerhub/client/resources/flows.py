"""``…/waba_accounts/{id}/flows``: WhatsApp Flows of a WABA account (issue 18 item 1)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import msgspec

from partnerhub.client._base import AsyncCore, Call, SyncCore, call, expect
from partnerhub.client.resources._common import _Resource, _seg
from partnerhub.wire import flows as wire_flows

Fields = str | Sequence[str] | None


def _fields(fields: Fields) -> str | None:
    return fields if fields is None or isinstance(fields, str) else ",".join(fields)


def _body(**values: Any) -> dict[str, Any]:
    return {
        k: (builtins.list(v) if isinstance(v, tuple) else v)
        for k, v in values.items()
        if v is not None
    }


class _FlowCalls(_Resource):
    def _path(self, waba_account_id: str) -> str:
        return f"{self._base}/waba_accounts/{_seg(waba_account_id)}/flows"

    def _flow(self, waba_account_id: str, flow_id: str) -> str:
        return f"{self._path(waba_account_id)}/{_seg(flow_id)}"

    def _list(self, waba_account_id: str, fields: Fields) -> Call[wire_flows.FlowList]:
        return call(
            "GET",
            self._path(waba_account_id),
            expect(wire_flows.FlowList),
            params={"fields": _fields(fields)},
        )

    def _create(self, waba_account_id: str, body: dict[str, Any]) -> Call[wire_flows.FlowCreated]:
        return call("POST", self._path(waba_account_id), expect(wire_flows.FlowCreated), json=body)

    def _get(self, waba_account_id: str, flow_id: str, fields: Fields) -> Call[dict[str, Any]]:
        return call(
            "GET",
            self._flow(waba_account_id, flow_id),
            expect(dict),
            params={"fields": _fields(fields)},
        )

    def _update(
        self, waba_account_id: str, flow_id: str, body: dict[str, Any]
    ) -> Call[wire_flows.FlowSuccess]:
        return call(
            "POST", self._flow(waba_account_id, flow_id), expect(wire_flows.FlowSuccess), json=body
        )

    def _action(
        self, method: str, waba_account_id: str, flow_id: str, action: str
    ) -> Call[wire_flows.FlowSuccess]:
        path = self._flow(waba_account_id, flow_id) + (f"/{action}" if action else "")
        return call(method, path, expect(wire_flows.FlowSuccess))

    def _assets(self, waba_account_id: str, flow_id: str) -> Call[wire_flows.FlowAssets]:
        return call(
            "GET", self._flow(waba_account_id, flow_id) + "/assets", expect(wire_flows.FlowAssets)
        )

    def _migrate(self, waba_account_id: str, body: dict[str, Any]) -> Call[wire_flows.FlowMigrated]:
        return call(
            "POST",
            self._path(waba_account_id) + "/migrate",
            expect(wire_flows.FlowMigrated),
            json=body,
        )

    @staticmethod
    def _json_bytes(flow_json: bytes | str | dict[str, Any]) -> bytes:
        if isinstance(flow_json, bytes):
            return flow_json
        if isinstance(flow_json, str):
            return flow_json.encode()
        return msgspec.json.encode(flow_json)


_FORM = {"name": "flow.json", "asset_type": "FLOW_JSON"}


class AsyncFlows(_FlowCalls):
    """A WABA's WhatsApp Flows: create, upload the Flow JSON (validated), publish, deprecate,
    delete, migrate; ``fields`` picks what a read returns (Meta's field expansion)."""

    def __init__(self, core: AsyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    async def list(self, waba_account_id: str, *, fields: Fields = None) -> wire_flows.FlowList:
        return await self._core.send(self._list(waba_account_id, fields))

    async def create(
        self,
        waba_account_id: str,
        name: str,
        categories: Sequence[str] | None = None,
        *,
        clone_flow_id: str | None = None,
        endpoint_uri: str | None = None,
    ) -> wire_flows.FlowCreated:
        """A new DRAFT Flow (or a clone of another of the partner's Flows)."""
        body = _body(
            name=name,
            categories=None if categories is None else builtins.list(categories),
            clone_flow_id=clone_flow_id,
            endpoint_uri=endpoint_uri,
        )
        return await self._core.send(self._create(waba_account_id, body))

    async def get(
        self, waba_account_id: str, flow_id: str, *, fields: Fields = None
    ) -> dict[str, Any]:
        """The Flow's fields asked for (e.g. ``"preview.invalidate(false)"``)."""
        return await self._core.send(self._get(waba_account_id, flow_id, fields))

    async def update(
        self,
        waba_account_id: str,
        flow_id: str,
        *,
        name: str | None = None,
        categories: Sequence[str] | None = None,
        endpoint_uri: str | None = None,
    ) -> wire_flows.FlowSuccess:
        body = _body(
            name=name,
            categories=None if categories is None else builtins.list(categories),
            endpoint_uri=endpoint_uri,
        )
        return await self._core.send(self._update(waba_account_id, flow_id, body))

    async def upload_json(
        self, waba_account_id: str, flow_id: str, flow_json: bytes | str | dict[str, Any]
    ) -> wire_flows.AssetUploaded:
        """Upload the Flow JSON; the answer lists Meta's ``validation_errors`` (none: valid)."""
        files = {"file": ("flow.json", self._json_bytes(flow_json), "application/json")}
        path = self._flow(waba_account_id, flow_id) + "/assets"
        return await self._core.send_form(path, expect(wire_flows.AssetUploaded), _FORM, files)

    async def assets(self, waba_account_id: str, flow_id: str) -> wire_flows.FlowAssets:
        return await self._core.send(self._assets(waba_account_id, flow_id))

    async def publish(self, waba_account_id: str, flow_id: str) -> wire_flows.FlowSuccess:
        return await self._core.send(self._action("POST", waba_account_id, flow_id, "publish"))

    async def deprecate(self, waba_account_id: str, flow_id: str) -> wire_flows.FlowSuccess:
        return await self._core.send(self._action("POST", waba_account_id, flow_id, "deprecate"))

    async def delete(self, waba_account_id: str, flow_id: str) -> wire_flows.FlowSuccess:
        return await self._core.send(self._action("DELETE", waba_account_id, flow_id, ""))

    async def migrate(
        self,
        waba_account_id: str,
        source_waba_id: str,
        source_flow_names: Sequence[str] | None = None,
    ) -> wire_flows.FlowMigrated:
        """Copy Flows of another of the partner's WABAs into this one."""
        body = _body(
            source_waba_id=source_waba_id,
            source_flow_names=None
            if source_flow_names is None
            else builtins.list(source_flow_names),
        )
        return await self._core.send(self._migrate(waba_account_id, body))


# --- Sync twins, generated by partnerhub.client.resources._twins from the async ones above:
# --- do not edit below this line; change the async twin and regenerate.


class Flows(_FlowCalls):
    """A WABA's WhatsApp Flows: create, upload the Flow JSON (validated), publish, deprecate,
    delete, migrate; ``fields`` picks what a read returns (Meta's field expansion)."""

    def __init__(self, core: SyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    def list(self, waba_account_id: str, *, fields: Fields = None) -> wire_flows.FlowList:
        return self._core.send(self._list(waba_account_id, fields))

    def create(
        self,
        waba_account_id: str,
        name: str,
        categories: Sequence[str] | None = None,
        *,
        clone_flow_id: str | None = None,
        endpoint_uri: str | None = None,
    ) -> wire_flows.FlowCreated:
        """A new DRAFT Flow (or a clone of another of the partner's Flows)."""
        body = _body(
            name=name,
            categories=None if categories is None else builtins.list(categories),
            clone_flow_id=clone_flow_id,
            endpoint_uri=endpoint_uri,
        )
        return self._core.send(self._create(waba_account_id, body))

    def get(self, waba_account_id: str, flow_id: str, *, fields: Fields = None) -> dict[str, Any]:
        """The Flow's fields asked for (e.g. ``"preview.invalidate(false)"``)."""
        return self._core.send(self._get(waba_account_id, flow_id, fields))

    def update(
        self,
        waba_account_id: str,
        flow_id: str,
        *,
        name: str | None = None,
        categories: Sequence[str] | None = None,
        endpoint_uri: str | None = None,
    ) -> wire_flows.FlowSuccess:
        body = _body(
            name=name,
            categories=None if categories is None else builtins.list(categories),
            endpoint_uri=endpoint_uri,
        )
        return self._core.send(self._update(waba_account_id, flow_id, body))

    def upload_json(
        self, waba_account_id: str, flow_id: str, flow_json: bytes | str | dict[str, Any]
    ) -> wire_flows.AssetUploaded:
        """Upload the Flow JSON; the answer lists Meta's ``validation_errors`` (none: valid)."""
        files = {"file": ("flow.json", self._json_bytes(flow_json), "application/json")}
        path = self._flow(waba_account_id, flow_id) + "/assets"
        return self._core.send_form(path, expect(wire_flows.AssetUploaded), _FORM, files)

    def assets(self, waba_account_id: str, flow_id: str) -> wire_flows.FlowAssets:
        return self._core.send(self._assets(waba_account_id, flow_id))

    def publish(self, waba_account_id: str, flow_id: str) -> wire_flows.FlowSuccess:
        return self._core.send(self._action("POST", waba_account_id, flow_id, "publish"))

    def deprecate(self, waba_account_id: str, flow_id: str) -> wire_flows.FlowSuccess:
        return self._core.send(self._action("POST", waba_account_id, flow_id, "deprecate"))

    def delete(self, waba_account_id: str, flow_id: str) -> wire_flows.FlowSuccess:
        return self._core.send(self._action("DELETE", waba_account_id, flow_id, ""))

    def migrate(
        self,
        waba_account_id: str,
        source_waba_id: str,
        source_flow_names: Sequence[str] | None = None,
    ) -> wire_flows.FlowMigrated:
        """Copy Flows of another of the partner's WABAs into this one."""
        body = _body(
            source_waba_id=source_waba_id,
            source_flow_names=None
            if source_flow_names is None
            else builtins.list(source_flow_names),
        )
        return self._core.send(self._migrate(waba_account_id, body))
