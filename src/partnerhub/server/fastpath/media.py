"""``POST /media`` below the framework: the multipart body streamed to storage as it arrives.

Litestar's form parsing reads the whole body into memory first (and the app's
``max_body_bytes`` caps it at 1 MB), which is no way to take a 100 MB document. Here the body is
read a chunk at a time from ``receive`` and pushed through ``multipart``'s incremental parser
(:class:`multipart.PushMultipartParser`, the one Litestar itself depends on); the ``file`` part's
bytes go straight to :meth:`MediaService.stage`, which hashes them, counts them against the
type's limit and writes them to storage, and fails the moment they pass it (storage keeps
nothing). Memory stays at a chunk or two whatever the file's size (docs/benchmarks.md, "Media").

After a refusal the rest of the body is read and dropped (up to :data:`_DRAIN_LIMIT`) before
the answer, so the client, which sends the whole body before it reads an answer, gets the
Graph error rather than a reset connection. It is a hot route (:mod:`.dispatch`): errors are the
Graph renderer's, as on every Messaging API path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import structlog
from litestar.types import Receive
from multipart import MultipartError, MultipartSegment, PushMultipartParser, parse_options_header

from partnerhub.adapters import metrics
from partnerhub.domain.media import model
from partnerhub.domain.media.services import TooLarge, check_mime
from partnerhub.domain.messaging import errors
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.server.fastpath.dispatch import GRAPH, ClientGone, HotRoute
from partnerhub.server.routes.media import MEDIA_PATH
from partnerhub.server.routes.messaging import channel_key
from partnerhub.server.state import AppState

log = structlog.get_logger("partnerhub.media")

_MAX_FIELD = 1024  # a form field other than the file (messaging_product, type)
_DRAIN_LIMIT = 2 * model.MAX_UPLOAD  # past this a refused body is not read to its end
# The form around the file: boundaries and part headers (the file's limit is checked apart).
_FORM_SLACK = 64 * 1024


class _Gone(Exception):
    """The client went away mid-upload."""


async def upload_media(
    state: AppState, scope: dict[str, Any], receive: Receive, _params: tuple[str, ...]
) -> tuple[int, dict[str, Any]]:
    upload = _Upload(scope, receive)
    try:
        media_id = await upload.run(state)
    except _Gone:
        metrics.media_uploaded("refused")
        raise ClientGone from None
    except Exception:
        metrics.media_uploaded("refused")
        # The client sends its whole body before it reads an answer: read (and drop) the
        # rest, so it gets the Graph error rather than a reset connection.
        await upload.drain()
        raise
    return 200, {"id": media_id}


# Not an optimisation but the only way to take a large upload: on even without hot paths.
ROUTES = (HotRoute("POST", MEDIA_PATH, GRAPH, upload_media),)


class _Upload:
    def __init__(self, scope: dict[str, Any], receive: Receive) -> None:
        self._scope = scope
        self._receive = receive
        self._done = False
        self._read = 0

    async def _body(self) -> AsyncIterator[bytes]:
        while not self._done:
            message: Any = await self._receive()
            if message["type"] == "http.disconnect":
                self._done = True
                raise _Gone
            chunk: bytes = message.get("body", b"")
            self._done = not message.get("more_body", False)
            self._read += len(chunk)
            if chunk:
                yield chunk

    async def drain(self) -> None:
        """Read and drop what is left of a refused body, so the client sees the answer."""
        try:
            async for _ in self._body():
                if self._read > _DRAIN_LIMIT:
                    return
        except _Gone:
            return

    async def run(self, state: AppState) -> str:
        principal = await state.channel_keys.authenticate(channel_key(self._scope["headers"]))
        boundary = _boundary(self._scope["headers"])
        announced = _content_length(self._scope["headers"])
        if announced is not None and announced > model.MAX_UPLOAD + _FORM_SLACK:
            raise errors.media_too_large("file", model.MAX_UPLOAD)
        try:
            parser = PushMultipartParser(boundary, max_header_count=8, max_segment_count=16)
        except MultipartError as exc:
            raise errors.invalid_parameter("body", f"not a valid multipart form: {exc}") from None
        fields: dict[str, str] = {}
        staged: model.Staged | None = None
        file_type: str | None = None
        events = _events(parser, self._body())
        try:
            async for event in events:
                if not isinstance(event, MultipartSegment):
                    continue
                if event.name == "file":
                    if staged is not None:
                        raise errors.form_parameter_invalid("file", "must be given once")
                    file_type = event.content_type
                    hint = fields.get("type") or file_type
                    limit = model.MAX_UPLOAD
                    if hint and hint != "application/octet-stream":
                        mime = check_mime(hint)
                        limit = model.LIMITS[mime][1]
                    try:
                        staged = await state.media.stage(_segment(events), limit)
                    except TooLarge as exc:
                        raise errors.media_too_large(
                            model.normalize_mime(hint or "file"), exc.limit
                        ) from None
                else:
                    fields[event.name or ""] = await _field(events)
        except MultipartError as exc:
            if staged is not None:
                await state.media.storage.delete(staged.storage_key)
            raise errors.invalid_parameter("body", f"not a valid multipart form: {exc}") from None
        except BaseException:
            if staged is not None:
                await state.media.storage.delete(staged.storage_key)
            raise
        try:
            _check_product(fields.get("messaging_product"))
            if staged is None:
                raise errors.form_parameter_missing("file")
        except GraphError:
            if staged is not None:
                await state.media.storage.delete(staged.storage_key)
            raise
        media = await state.media.register(principal, staged, fields.get("type") or file_type or "")
        metrics.media_uploaded("stored", media.file_size)
        return media.id


def _check_product(value: str | None) -> None:
    if value is None:
        raise errors.form_parameter_missing("messaging_product")
    if value.strip().strip('"').lower() != "whatsapp":
        raise errors.form_parameter_invalid(
            "messaging_product", f'must be one of {{WHATSAPP}} - got "{value[:40]}".'
        )


async def _events(parser: PushMultipartParser, body: AsyncIterator[bytes]) -> AsyncIterator[Any]:
    """The parser's events (a part's headers, its bytes, None at its end) as the body arrives."""
    async for chunk in body:
        for event in parser.parse(chunk):
            yield event
    for event in parser.parse(b""):
        yield event
    parser.close()


async def _segment(events: AsyncIterator[Any]) -> AsyncIterator[bytes]:
    """The current part's bytes, up to its end."""
    async for event in events:
        if event is None:
            return
        yield bytes(event)


async def _field(events: AsyncIterator[Any]) -> str:
    value = bytearray()
    async for event in events:
        if event is None:
            break
        value += event
        if len(value) > _MAX_FIELD:
            raise errors.invalid_parameter("body", "a form field is too long")
    return value.decode("utf-8", "replace")


def _header(headers: Any, wanted: bytes) -> str | None:
    found = None
    for name, value in headers:
        if name == wanted:
            found = value.decode("latin-1")
    return found


def _boundary(headers: Any) -> str:
    content_type = _header(headers, b"content-type") or ""
    kind, options = parse_options_header(content_type)
    boundary = options.get("boundary")
    if kind != "multipart/form-data" or not boundary:
        raise errors.form_parameter_missing("file")
    return str(boundary)


def _content_length(headers: Any) -> int | None:
    value = _header(headers, b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise errors.invalid_parameter("content-length", f"is not a number: {value!r}") from None
