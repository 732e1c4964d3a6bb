"""The SDK's exceptions, one class per way a call can fail.

::

    PartnerHubError
    ├── APIConnectionError        no HTTP answer at all (DNS, refused, reset, timeout)
    └── APIStatusError            an answer with a non-2xx status
        ├── ValidationError       400, 422
        ├── AuthenticationError   401 (also a failed token grant)
        ├── PermissionDeniedError 403
        ├── NotFoundError         404
        ├── ConflictError         409
        ├── RateLimitError        429 (``retry_after`` in seconds)
        └── ServerError           5xx

Every :class:`APIStatusError` carries what a bug report needs: the status, the request id the
server answered in ``X-Request-Id`` (also echoed in ``meta.360dialog_trace_id``), the parsed body
(the Partner API's ``meta`` envelope, the Messaging API's Graph ``error`` object, or the token
endpoint's OAuth ``error``), and the raw text; ``str()`` prints them on one line.
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from partnerhub.wire.errors import ErrorBody, Meta

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "AuthenticationError",
    "ConflictError",
    "NotFoundError",
    "PartnerHubError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "ValidationError",
]


class PartnerHubError(Exception):
    """Base of everything the SDK raises, so callers can catch one class."""


class APIConnectionError(PartnerHubError):
    """The request got no HTTP answer (after any retries): the server may never have seen it."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class APIStatusError(PartnerHubError):
    """The server answered with a non-2xx status.

    ``meta`` is the Partner API's error envelope; ``error`` the Graph-style (Messaging API) or
    OAuth (``/api/v2/token``) error object. At most one of them is set; both are ``None`` when
    the body is not JSON (a proxy's HTML page, say), and ``body`` keeps the text either way.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        request_id: str | None = None,
        meta: Meta | None = None,
        error: dict[str, Any] | None = None,
        body: str = "",
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.request_id = request_id
        self.meta = meta
        self.error = error
        self.body = body
        self.response = response

    @property
    def details(self) -> list[str]:
        """The field-level reasons of a ``meta`` error (``[]`` otherwise)."""
        return list(self.meta.details) if self.meta else []

    def __str__(self) -> str:
        parts = [f"{self.status_code}: {self.message}"]
        if self.details and self.details != [self.message]:
            parts.append(f"details={self.details}")
        if self.error is not None and self.meta is None:
            parts.append(f"error={self.error}")
        parts.append(f"request_id={self.request_id or '-'}")
        return " | ".join(parts)


class ValidationError(APIStatusError):
    """400 or 422: the request was malformed or a field was invalid (see ``details``)."""


class AuthenticationError(APIStatusError):
    """401: missing, unknown or expired credentials; or the token endpoint refused a grant."""


class PermissionDeniedError(APIStatusError):
    """403: valid credentials for something else (another partner's id, disabled bearer auth)."""


class NotFoundError(APIStatusError):
    """404: no such object under this partner (other partners' ids answer 404 too)."""


class ConflictError(APIStatusError):
    """409: the object is not in a state that allows this change."""


class RateLimitError(APIStatusError):
    """429 after the retries ran out; ``retry_after`` is the server's ``Retry-After`` seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx: the server failed; retried for 502/503/504 where safe before this is raised."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitError,
}


class _GraphError(msgspec.Struct):
    error: dict[str, Any]


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds; HTTP dates are not sent by partnerhub and are ignored."""
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


def error_from_response(response: httpx.Response) -> APIStatusError:
    """The exception for a non-2xx answer, with whichever error body the server sent."""
    status = response.status_code
    text = response.text
    meta: Meta | None = None
    error: dict[str, Any] | None = None
    message = response.reason_phrase or "HTTP error"
    try:
        meta = msgspec.json.decode(response.content, type=ErrorBody).meta
        message = meta.developer_message or message
    except (msgspec.DecodeError, msgspec.ValidationError):
        try:
            raw = msgspec.json.decode(response.content, type=_GraphError).error
            error = raw
            # Graph: {"error": {"message": ...}}; the OAuth shape is {"error": "invalid_grant", ...}
            message = str(raw.get("message") or message)
        except (msgspec.DecodeError, msgspec.ValidationError):
            try:
                oauth = msgspec.json.decode(response.content)
            except msgspec.DecodeError:
                oauth = None
            if isinstance(oauth, dict) and isinstance(oauth.get("error"), str):
                error = oauth
                message = str(oauth.get("error_description") or oauth["error"])
    request_id = response.headers.get("x-request-id") or (meta.trace_id if meta else None)
    kwargs: dict[str, Any] = {
        "status_code": status,
        "request_id": request_id,
        "meta": meta,
        "error": error,
        "body": text,
        "response": response,
    }
    if status == 429:
        return RateLimitError(message, retry_after=retry_after_seconds(response), **kwargs)
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else APIStatusError)
    return cls(message, **kwargs)
