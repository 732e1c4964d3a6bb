"""The requests of Meta's Flows management, written once for the two APIs that expose it.

The Partner API (``partner.flows``, under ``…/waba_accounts/{id}/flows``) and the Messaging API
(``client.flows``, under ``/flows``: the key's WABA) send the same operations with the same
bodies, queries and answers. They differ only in where the Flows collection is and in the core
(and so the auth) that sends the request. :class:`FlowRequests` builds each operation from the
collection's path; the two resources keep their own signatures and only say which collection
they mean, so an operation cannot drift between the APIs.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec

from partnerhub.client._base import Call, call, expect
from partnerhub.client.resources._common import _seg
from partnerhub.wire import flows as wire_flows

T = TypeVar("T")

Fields = str | Sequence[str] | None

_FORM = {"name": "flow.json", "asset_type": "FLOW_JSON"}


@dataclass(frozen=True, slots=True)
class FormCall(Generic[T]):
    """A multipart upload, as a core's ``send_form`` takes it (uploads are not :class:`Call`s:
    they are sent once, never retried)."""

    path: str
    decode: Callable[[bytes], T]
    data: dict[str, str]
    files: dict[str, tuple[str, bytes, str]]


def _fields(fields: Fields) -> str | None:
    return fields if fields is None or isinstance(fields, str) else ",".join(fields)


def _names(values: Sequence[str] | None) -> builtins.list[str] | None:
    return None if values is None else builtins.list(values)


def _body(**values: Any) -> dict[str, Any]:
    """The JSON body: arguments left out (``None``) are not sent."""
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


class FlowRequests:
    """Each Flows operation on one collection (its path relative to the client's base URL)."""

    def __init__(self, collection: str) -> None:
        self._collection = collection

    def _flow(self, flow_id: str) -> str:
        return f"{self._collection}/{_seg(flow_id)}"

    def list(self, fields: Fields, answer: type[T]) -> Call[T]:
        """The collection's Flows (each API answers in its own envelope: ``answer``)."""
        return call("GET", self._collection, expect(answer), params={"fields": _fields(fields)})

    def create(
        self,
        name: str,
        categories: Sequence[str] | None,
        clone_flow_id: str | None,
        endpoint_uri: str | None,
    ) -> Call[wire_flows.FlowCreated]:
        body = _body(
            name=name,
            categories=_names(categories),
            clone_flow_id=clone_flow_id,
            endpoint_uri=endpoint_uri,
        )
        return call("POST", self._collection, expect(wire_flows.FlowCreated), json=body)

    def get(self, flow_id: str, fields: Fields) -> Call[dict[str, Any]]:
        return call("GET", self._flow(flow_id), expect(dict), params={"fields": _fields(fields)})

    def update(
        self,
        flow_id: str,
        name: str | None,
        categories: Sequence[str] | None,
        endpoint_uri: str | None,
    ) -> Call[wire_flows.FlowSuccess]:
        body = _body(name=name, categories=_names(categories), endpoint_uri=endpoint_uri)
        return call("POST", self._flow(flow_id), expect(wire_flows.FlowSuccess), json=body)

    def upload_json(
        self, flow_id: str, flow_json: bytes | str | dict[str, Any]
    ) -> FormCall[wire_flows.AssetUploaded]:
        files = {"file": ("flow.json", _json_bytes(flow_json), "application/json")}
        path = self._flow(flow_id) + "/assets"
        return FormCall(path, expect(wire_flows.AssetUploaded), _FORM, files)

    def assets(self, flow_id: str) -> Call[wire_flows.FlowAssets]:
        return call("GET", self._flow(flow_id) + "/assets", expect(wire_flows.FlowAssets))

    def publish(self, flow_id: str) -> Call[wire_flows.FlowSuccess]:
        return self._action("POST", flow_id, "/publish")

    def deprecate(self, flow_id: str) -> Call[wire_flows.FlowSuccess]:
        return self._action("POST", flow_id, "/deprecate")

    def delete(self, flow_id: str) -> Call[wire_flows.FlowSuccess]:
        return self._action("DELETE", flow_id, "")

    def _action(self, method: str, flow_id: str, suffix: str) -> Call[wire_flows.FlowSuccess]:
        return call(method, self._flow(flow_id) + suffix, expect(wire_flows.FlowSuccess))

    def migrate(
        self, source_waba_id: str, source_flow_names: Sequence[str] | None
    ) -> Call[wire_flows.FlowMigrated]:
        """Copy Flows of another WABA into this collection's (the Partner API only)."""
        body = _body(source_waba_id=source_waba_id, source_flow_names=_names(source_flow_names))
        return call(
            "POST", self._collection + "/migrate", expect(wire_flows.FlowMigrated), json=body
        )


__all__ = ["Fields", "FlowRequests", "FormCall"]
