"""Error bodies: the Partner API's ``meta`` envelope (spec §3.4), the OAuth shape of /token and
the Graph shape of the Messaging API (``{"error": {...}}``, built by
:meth:`partnerhub.domain.messaging.errors.GraphError.to_body`)."""

from __future__ import annotations

from typing import Any

import msgspec


class Meta(msgspec.Struct, omit_defaults=True):
    success: bool
    http_code: int
    developer_message: str
    details: list[str]
    error_data: dict[str, Any] | None = None
    # 360dialog's schema names its trace id so; we put the request id (also in X-Request-Id) here.
    trace_id: str | None = msgspec.field(default=None, name="360dialog_trace_id")


class ErrorBody(msgspec.Struct):
    meta: Meta


class OAuthError(msgspec.Struct):
    error: str
    error_description: str


class GraphErrorData(msgspec.Struct):
    messaging_product: str
    details: str


class GraphErrorDetail(msgspec.Struct, omit_defaults=True):
    message: str
    type: str
    code: int
    fbtrace_id: str
    error_data: GraphErrorData | None = None
    error_subcode: int | None = None


class GraphErrorBody(msgspec.Struct):
    error: GraphErrorDetail
