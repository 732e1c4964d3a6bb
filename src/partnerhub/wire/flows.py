"""WhatsApp Flows on the wire: 360dialog's Partner API ``…/waba_accounts/{id}/flows`` bodies
(FlowOut, AllFlowsOut, FlowAssetUpdateError as its OpenAPI names them) and Meta's shapes the
Flow endpoints pass through (``validation_errors``, ``preview``, ``migrated_flows``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

FlowCategory = Literal[
    "SIGN_UP",
    "SIGN_IN",
    "APPOINTMENT_BOOKING",
    "LEAD_GENERATION",
    "CONTACT_US",
    "CUSTOMER_SUPPORT",
    "SURVEY",
    "OTHER",
]

FlowName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Uri = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]


class ErrorPointer(msgspec.Struct):
    """Where in the uploaded file an error is (1-based lines and columns, as Meta counts)."""

    line_start: int
    line_end: int
    column_start: int
    column_end: int
    path: str


class ValidationError(msgspec.Struct):
    """One entry of Meta's ``validation_errors`` (360dialog: FlowAssetUpdateError)."""

    error: str
    error_type: str
    message: str
    line_start: int
    line_end: int
    column_start: int
    column_end: int
    pointers: list[ErrorPointer]


class FlowCreateIn(msgspec.Struct, forbid_unknown_fields=True):
    name: FlowName
    categories: Annotated[list[FlowCategory], msgspec.Meta(min_length=1)] | None = None
    clone_flow_id: str | None = None
    endpoint_uri: Uri | None = None


class FlowUpdateIn(msgspec.Struct, forbid_unknown_fields=True):
    """Flow metadata (Meta: name, categories, endpoint_uri, application_id)."""

    name: FlowName | None = None
    categories: Annotated[list[FlowCategory], msgspec.Meta(min_length=1)] | None = None
    endpoint_uri: Uri | None = None


class FlowMigrateIn(msgspec.Struct, forbid_unknown_fields=True):
    source_waba_id: Annotated[str, msgspec.Meta(min_length=1)]
    source_flow_names: list[str] | None = None


class FlowCreated(msgspec.Struct):
    id: str


class FlowSuccess(msgspec.Struct):
    success: bool


class AssetUploaded(msgspec.Struct):
    success: bool
    validation_errors: list[ValidationError]


class FlowAsset(msgspec.Struct):
    name: str
    asset_type: str
    download_url: str


class FlowAssets(msgspec.Struct):
    data: list[FlowAsset]
    paging: dict[str, Any]


class MigratedFlow(msgspec.Struct):
    source_name: str
    source_id: str
    migrated_id: str


class FailedFlow(msgspec.Struct):
    source_name: str
    error_code: str
    error_message: str


class FlowMigrated(msgspec.Struct):
    migrated_flows: list[MigratedFlow]
    failed_flows: list[FailedFlow]


class Preview(msgspec.Struct):
    preview_url: str
    expires_at: str


# A flow as answered: only the fields asked for with ``fields`` (360dialog's default: id, name,
# categories, validation_errors, status), so a plain mapping rather than a Struct.
FlowOut = dict[str, Any]


class FlowList(msgspec.Struct):
    flows: list[FlowOut]
    count: int
    total: int


class Cursors(msgspec.Struct, omit_defaults=True):
    """Meta's cursor pair: the first and the last item of the page."""

    before: str | None = None
    after: str | None = None


class Paging(msgspec.Struct):
    cursors: Cursors


class MessagingFlowList(msgspec.Struct, omit_defaults=True):
    """``GET /flows`` on the Messaging API: 360dialog's ``flows.ListResponse`` (the Flows of
    the key's WABA under ``data``, Meta's cursor ``paging``; none when there is no Flow)."""

    data: list[FlowOut]
    paging: Paging | None = None


class FlowAssetForm(msgspec.Struct):
    """``POST …/flows/{flow_id}/assets``' multipart form, for the schema: the Flow JSON file,
    ``name=flow.json`` and ``asset_type=FLOW_JSON`` (Meta's)."""

    file: bytes
    name: Literal["flow.json"]
    asset_type: Literal["FLOW_JSON"]
