"""What the sync and async clients share: request descriptions, retries, decoding, paging.

A resource method builds a :class:`Call` (method, path, query, body, how to decode the answer)
and hands it to a core. There are two cores, :class:`SyncCore` and :class:`AsyncCore`; each is
a thin loop around ``httpx.Client.send`` / ``httpx.AsyncClient.send`` that asks the shared
:class:`RetryPolicy` what to do after every attempt. Everything that decides something lives
here once; the twins differ only in ``await``.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import anyio
import httpx
import msgspec

from partnerhub import __version__
from partnerhub.client._errors import (
    APIConnectionError,
    PartnerHubError,
    error_from_response,
    retry_after_seconds,
)

T = TypeVar("T")
W = TypeVar("W")

USER_AGENT = f"partnerhub-python/{__version__}"
DEFAULT_TIMEOUT = 30.0

_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: the Partner API envelope with its items under one name.

    The server names the items after the resource (``clients``, ``partner_channels``, …);
    ``items`` is that list, so paging code works the same for every resource. ``raw`` is the
    decoded wire object, for anything else it carries.
    """

    items: list[T]
    limit: int
    offset: int
    total: int
    count: int
    sort: list[str] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)
    raw: Any = None

    def next_offset(self) -> int | None:
        """Where the next page starts, or ``None`` after the last one."""
        if not self.items or self.offset + len(self.items) >= self.total:
            return None
        return self.offset + len(self.items)


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """A request description, built once by a resource and sent by either core.

    ``path`` is relative to the client's base URL; ``json`` is anything msgspec encodes (wire
    Structs with ``UNSET`` fields drop them, so a PATCH sends only what changes).
    """

    method: str
    path: str
    decode: Callable[[bytes], T]
    params: Mapping[str, str | int] | None = None
    json: Any = None
    has_body: bool = False
    # A raw body (sent as application/octet-stream) and extra headers, e.g. an upload's chunk
    # and its ``file_offset``.
    content: bytes | None = None
    headers: Mapping[str, str] | None = None


def expect(type_: type[T]) -> Callable[[bytes], T]:
    """Decode the answer into ``type_`` (a wire Struct, or ``dict[str, Any]``…)."""
    decoder = msgspec.json.Decoder(type_)
    return decoder.decode


def expect_nothing(_: bytes) -> None:
    """For 204 answers (and any body we deliberately ignore)."""
    return None


def expect_page(wire_type: type[W], items: str) -> Callable[[bytes], Page[Any]]:
    """Decode a list envelope and lift its ``items`` list (named per resource) into a Page."""
    decoder = msgspec.json.Decoder(wire_type)

    def decode(content: bytes) -> Page[Any]:
        body = decoder.decode(content)
        values = list(getattr(body, items))
        return Page(
            items=values,
            limit=_int_or(getattr(body, "limit", None), len(values)),
            offset=_int_or(getattr(body, "offset", None), 0),
            total=_int_or(getattr(body, "total", None), len(values)),
            count=_int_or(getattr(body, "count", None), len(values)),
            sort=list(getattr(body, "sort", None) or []),
            filters=dict(getattr(body, "filters", None) or {}),
            raw=body,
        )

    return decode


def _int_or(value: object, default: int) -> int:
    return value if isinstance(value, int) else default


def call(
    method: str,
    path: str,
    decode: Callable[[bytes], T],
    *,
    params: Mapping[str, str | int | None] | None = None,
    json: Any = msgspec.UNSET,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> Call[T]:
    """Build a :class:`Call`, dropping ``None`` query values so optional arguments stay out."""
    clean = {k: v for k, v in (params or {}).items() if v is not None}
    has_body = json is not msgspec.UNSET
    return Call(
        method, path, decode, clean or None, json if has_body else None, has_body, content, headers
    )


def list_params(
    limit: int | None,
    offset: int | None,
    sort: str | list[str] | None,
    filters: Mapping[str, Any] | None,
    **extra: str | int | None,
) -> dict[str, str | int | None]:
    """The spec's list query (§3.3): ``sort`` as comma-separated names, ``filters`` as JSON."""
    return {
        "limit": limit,
        "offset": offset,
        "sort": ",".join(sort) if isinstance(sort, list) else sort,
        "filters": _encoder.encode(dict(filters)).decode() if filters else None,
        **extra,
    }


# --------------------------------------------------------------------------- retries

_RETRY_STATUSES = frozenset({429, 502, 503, 504})
_REPLAYABLE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# These fail before a byte of the request left: the server cannot have acted on it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def replayable(request: httpx.Request) -> bool:
    """Whether sending ``request`` twice is harmless.

    Idempotent methods are; a POST or PATCH only when it carries an ``Idempotency-Key``, since
    the server may have acted on the first copy before the answer was lost.
    """
    return request.method in _REPLAYABLE_METHODS or "idempotency-key" in request.headers


@dataclass
class RetryPolicy:
    """Jittered exponential backoff, shared by both cores.

    Retried: connection failures (any request when nothing was sent, else only replayable
    ones), 429 (always: a rate-limited request was refused before it did anything; waits the
    server's ``Retry-After``), and 502/503/504 for replayable requests. A ``Retry-After`` longer
    than ``max_retry_after`` is not waited for: the error is raised so the caller decides.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        # "Equal jitter": at least half the ceiling, so each retry really waits longer, and a
        # random rest, so clients that failed together do not come back together.
        ceiling = min(self.max_delay, self.initial_delay * (2**attempt))
        return self.rng.uniform(ceiling / 2, ceiling)

    def after_error(self, request: httpx.Request, exc: Exception, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up."""
        if attempt >= self.max_retries or not isinstance(exc, httpx.TransportError):
            return None
        if isinstance(exc, _NOT_SENT) or replayable(request):
            return self.backoff(attempt)
        return None

    def after_response(
        self, request: httpx.Request, response: httpx.Response, attempt: int
    ) -> float | None:
        status = response.status_code
        if attempt >= self.max_retries or status not in _RETRY_STATUSES:
            return None
        if status == 429:
            wait = retry_after_seconds(response)
            if wait is None:
                return self.backoff(attempt)
            return wait if wait <= self.max_retry_after else None
        return self.backoff(attempt) if replayable(request) else None


# --------------------------------------------------------------------------- cores


class _CoreBase:
    """Request building and answer handling, the same for both cores."""

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth | None,
        retry: RetryPolicy,
        headers: Mapping[str, str] | None,
        timeout: float | httpx.Timeout,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.retry = retry
        self.timeout = timeout
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}

    def build(self, http: httpx.Client | httpx.AsyncClient, spec: Call[Any]) -> httpx.Request:
        headers = dict(self.headers)
        content: bytes | None = None
        if spec.has_body:
            content = _encoder.encode(spec.json)
            headers["Content-Type"] = "application/json"
        elif spec.content is not None:
            content = spec.content
            headers["Content-Type"] = "application/octet-stream"
        headers.update(spec.headers or {})
        return http.build_request(
            spec.method,
            self.base_url + spec.path,
            params=spec.params,
            content=content,
            headers=headers,
            timeout=self.timeout,
        )

    @staticmethod
    def finish(spec: Call[T], response: httpx.Response) -> T:
        if not response.is_success:
            raise error_from_response(response)
        try:
            return spec.decode(response.content)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise PartnerHubError(
                f"{spec.method} {spec.path}: unexpected response body ({exc}); "
                f"request_id={response.headers.get('x-request-id', '-')}"
            ) from exc

    @staticmethod
    def connection_error(request: httpx.Request, exc: httpx.TransportError) -> APIConnectionError:
        reason = str(exc) or type(exc).__name__
        return APIConnectionError(f"{request.method} {request.url}: {reason}", request=request)


class SyncCore(_CoreBase):
    """Sends :class:`Call` objects with ``httpx.Client``, retrying per the policy."""

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth | None,
        *,
        retry: RetryPolicy,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(base_url, auth, retry, headers, timeout)
        self._owns_http = http_client is None
        self.http = http_client or httpx.Client()
        self._sleep = sleep

    def send(self, spec: Call[T]) -> T:
        attempt = 0
        while True:
            request = self.build(self.http, spec)
            try:
                response = self.http.send(request, auth=self.auth or httpx.USE_CLIENT_DEFAULT)
            except httpx.TransportError as exc:
                delay = self.retry.after_error(request, exc, attempt)
                if delay is None:
                    raise self.connection_error(request, exc) from exc
            else:
                delay = self.retry.after_response(request, response, attempt)
                if delay is None:
                    return self.finish(spec, response)
            self._sleep(delay)
            attempt += 1

    def send_form(
        self, path: str, decode: Callable[[bytes], T], data: Mapping[str, str], files: Any
    ) -> T:
        """A multipart POST (``files`` as httpx takes them, streamed from file objects), sent
        once: an upload is not retried."""
        request = self.http.build_request(
            "POST",
            self.base_url + path,
            data=dict(data),
            files=files,
            headers=self.headers,
            timeout=self.timeout,
        )
        try:
            response = self.http.send(request, auth=self.auth or httpx.USE_CLIENT_DEFAULT)
        except httpx.TransportError as exc:
            raise self.connection_error(request, exc) from exc
        return self.finish(Call("POST", path, decode), response)

    def stream_bytes(
        self, first: Call[W], path_of: Callable[[W], str], chunk_size: int = 64 * 1024
    ) -> Iterator[bytes]:
        """Send ``first``, then GET the path ``path_of`` its answer names and yield that body a
        chunk at a time, never read whole (a media download: its URL, then its bytes)."""
        path = path_of(self.send(first))
        request = self.http.build_request(
            "GET", self.base_url + path, headers=self.headers, timeout=self.timeout
        )
        try:
            response = self.http.send(
                request, auth=self.auth or httpx.USE_CLIENT_DEFAULT, stream=True
            )
        except httpx.TransportError as exc:
            raise self.connection_error(request, exc) from exc
        try:
            if not response.is_success:
                response.read()
                raise error_from_response(response)
            yield from response.iter_bytes(chunk_size)
        finally:
            response.close()

    def iterate(self, make: Callable[[int], Call[Page[T]]]) -> Iterator[T]:
        """Every item of a list, one page request at a time, fetched only as they are used."""
        offset: int | None = 0
        while offset is not None:
            page = self.send(make(offset))
            yield from page.items
            offset = page.next_offset()

    def close(self) -> None:
        if self._owns_http:
            self.http.close()


class AsyncCore(_CoreBase):
    """The async twin of :class:`SyncCore`: same policy and building, ``await`` instead."""

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth | None,
        *,
        retry: RetryPolicy,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        super().__init__(base_url, auth, retry, headers, timeout)
        self._owns_http = http_client is None
        self.http = http_client or httpx.AsyncClient()
        self._sleep = sleep

    async def send(self, spec: Call[T]) -> T:
        attempt = 0
        while True:
            request = self.build(self.http, spec)
            try:
                response = await self.http.send(request, auth=self.auth or httpx.USE_CLIENT_DEFAULT)
            except httpx.TransportError as exc:
                delay = self.retry.after_error(request, exc, attempt)
                if delay is None:
                    raise self.connection_error(request, exc) from exc
            else:
                delay = self.retry.after_response(request, response, attempt)
                if delay is None:
                    return self.finish(spec, response)
            await self._sleep(delay)
            attempt += 1

    async def send_form(
        self, path: str, decode: Callable[[bytes], T], data: Mapping[str, str], files: Any
    ) -> T:
        """A multipart POST (``files`` as httpx takes them, streamed from file objects), sent
        once: an upload is not retried."""
        request = self.http.build_request(
            "POST",
            self.base_url + path,
            data=dict(data),
            files=files,
            headers=self.headers,
            timeout=self.timeout,
        )
        try:
            response = await self.http.send(request, auth=self.auth or httpx.USE_CLIENT_DEFAULT)
        except httpx.TransportError as exc:
            raise self.connection_error(request, exc) from exc
        return self.finish(Call("POST", path, decode), response)

    async def stream_bytes(
        self, first: Call[W], path_of: Callable[[W], str], chunk_size: int = 64 * 1024
    ) -> AsyncIterator[bytes]:
        """Send ``first``, then GET the path ``path_of`` its answer names and yield that body a
        chunk at a time, never read whole (a media download: its URL, then its bytes)."""
        path = path_of(await self.send(first))
        request = self.http.build_request(
            "GET", self.base_url + path, headers=self.headers, timeout=self.timeout
        )
        try:
            response = await self.http.send(
                request, auth=self.auth or httpx.USE_CLIENT_DEFAULT, stream=True
            )
        except httpx.TransportError as exc:
            raise self.connection_error(request, exc) from exc
        try:
            if not response.is_success:
                await response.aread()
                raise error_from_response(response)
            async for chunk in response.aiter_bytes(chunk_size):
                yield chunk
        finally:
            await response.aclose()

    async def iterate(self, make: Callable[[int], Call[Page[T]]]) -> AsyncIterator[T]:
        offset: int | None = 0
        while offset is not None:
            page = await self.send(make(offset))
            for item in page.items:
                yield item
            offset = page.next_offset()

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()
