"""Media of the Messaging API (issue 17): ``GET`` and ``DELETE /{media_id}``, the download link
``/whatsapp_business/attachments/``, and ``POST /media``'s documentation.

``POST /media`` itself is answered below the framework by :mod:`partnerhub.server.fastpath.media`,
which streams the multipart body to storage instead of reading it whole; the handler here only
documents the operation in ``/openapi.json``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request, Response, delete, post, route
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Stream

from partnerhub.adapters import metrics
from partnerhub.domain.media.model import MediaFile
from partnerhub.domain.media.services import ATTACHMENTS_PATH
from partnerhub.domain.messaging import errors
from partnerhub.server.auth import app_state
from partnerhub.server.errors import graph
from partnerhub.server.openapi import documents_body
from partnerhub.server.routes.messaging import channel_principal
from partnerhub.wire import media as wire

MEDIA_PATH = "/media"


class _NotMediaId(Exception):
    """A root path that is no media id: answered as the unrouted path it is."""


def _numeric(media_id: str) -> str:
    if not is_media_id(media_id):
        raise _NotMediaId
    return media_id


def _not_routed(request: Request[Any, Any, Any], exc: _NotMediaId) -> Response[Any]:
    return graph.not_routed(request, 404)


_UNROUTED: Any = {_NotMediaId: _not_routed}


@post(
    MEDIA_PATH,
    summary=(
        "Upload media (multipart: file, messaging_product=whatsapp, type); kept 30 days. "
        "Meta's types and size limits: image jpeg/png 5 MB, audio 16 MB, video 16 MB, "
        "document 100 MB, sticker webp 100 KB static / 500 KB animated"
    ),
    tags=["Messaging API"],
    status_code=200,
)
@documents_body(wire.MediaUploadForm, media_type="multipart/form-data")
async def upload_media(request: Request[Any, Any, Any]) -> wire.MediaUploaded:
    # Never reached: server/fastpath/media.py answers POST /media before the router.
    raise NotFoundException()


def is_media_id(node: str) -> bool:
    """Media ids are numeric (360dialog checks it): any other root path is not one."""
    return node.isdigit() and len(node) <= 20


async def media_info(request: Request[Any, Any, Any], media_id: str) -> wire.MediaInfo:
    """``GET /{media_id}``: routed by :func:`partnerhub.server.routes.business_profile.node_get`,
    the one ``GET /{node}`` of the Messaging API (media ids and ``upload:<session>`` nodes)."""
    principal = await channel_principal(request)
    state = app_state(request)
    media = await state.media.resolve(principal, media_id)
    base = state.settings.public_base_url or str(request.base_url)
    return wire.MediaInfo(
        url=state.media.download_url(media, base),
        mime_type=media.mime_type,
        sha256=media.sha256,
        file_size=media.file_size,
        id=media.id,
    )


@delete(
    "/{node:str}",
    summary="Delete a media file (`{node}`: the media id)",
    tags=["Messaging API"],
    status_code=200,
    exception_handlers=_UNROUTED,
)
async def delete_media(request: Request[Any, Any, Any], node: FromPath[str]) -> wire.MediaDeleted:
    if node.startswith("upload:"):
        # An upload session is a node too, one Graph cannot delete: the caller first, then
        # Graph's "unsupported delete request".
        await channel_principal(request)
        raise errors.media_not_found(node, "delete")
    _numeric(node)
    principal = await channel_principal(request)
    await app_state(request).media.delete(principal, node)
    return wire.MediaDeleted(success=True)


@route(
    ATTACHMENTS_PATH,
    http_method=["GET", "POST"],
    summary=(
        "Download a media file from the URL GET /{media_id} gave (same D360-API-KEY); "
        "the bytes, with the file's Content-Type"
    ),
    tags=["Messaging API"],
    status_code=200,
)
async def download_media(request: Request[Any, Any, Any]) -> Response[Any]:
    principal = await channel_principal(request)
    state = app_state(request)
    query = request.query_params
    media = await state.media.open_link(
        principal, query.get("mid"), query.get("ext"), query.get("hash")
    )
    chunks = state.media.read(media)
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = b""
    except FileNotFoundError:  # the row outlived its bytes (removed by hand): gone
        raise NotFoundException() from None
    return Stream(
        _counted(first, chunks),
        media_type=media.mime_type,
        headers={
            "content-length": str(media.file_size),
            "content-disposition": _disposition(media),
        },
    )


def _disposition(media: MediaFile) -> str:
    return f'attachment; filename="{media.id}"'


async def _counted(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    sent = len(first)
    try:
        if first:
            yield first
        async for chunk in rest:
            sent += len(chunk)
            yield chunk
    finally:
        metrics.media_downloaded(sent)


HANDLERS = [upload_media, delete_media, download_media]
