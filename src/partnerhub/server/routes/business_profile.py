"""The business profile and resumable uploads of the Messaging API (issue 17), by channel key.

- ``GET /whatsapp_business_profile?fields=...`` and ``POST /whatsapp_business_profile``;
- ``POST /uploads?file_name&file_length&file_type`` opens an upload session;
- ``POST /upload:<session>`` (header ``file_offset``, the raw bytes as body) sends a chunk;
- ``GET /upload:<session>`` says where to resume;
- ``GET /whatsapp_business_profile/picture/{picture_id}`` serves the profile picture: the
  ``profile_picture_url`` given out (an unguessable id, no key needed: Meta's is a public CDN
  URL too).

``upload:<session>`` is one path segment, so it is routed as ``/{node}``: :func:`node_get` is
where another single-segment Graph node (a media id) joins the dispatch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, HeaderParameter
from litestar.response import Stream

from partnerhub.adapters.upload_files import UploadFiles
from partnerhub.domain.errors import NotFound
from partnerhub.domain.messaging import profile as services
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.errors import invalid_parameter
from partnerhub.server import presenters
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.errors import graph
from partnerhub.server.openapi import documents_body
from partnerhub.server.presenters.business_profile import PICTURE_PATH
from partnerhub.server.routes import media
from partnerhub.server.routes.messaging import channel_principal
from partnerhub.server.state import AppState
from partnerhub.wire import business_profile as wire

PROFILE_PATH = "/whatsapp_business_profile"


def upload_files(state: AppState) -> UploadFiles:
    return UploadFiles(state.settings.data_dir / "uploads", state.media.storage)


def picture_base(state: AppState, request: Request[Any, Any, Any]) -> str:
    """Where profile pictures are served: this server as the caller reached it, unless
    ``PARTNERHUB_PUBLIC_BASE_URL`` says otherwise."""
    base = state.settings.public_base_url or str(request.base_url)
    return base.rstrip("/") + PICTURE_PATH


def _fields(raw: str | None) -> tuple[str, ...]:
    if raw is None or not raw.strip():
        return wire.PROFILE_FIELDS
    asked = [name.strip() for name in raw.split(",") if name.strip()]
    for name in asked:
        if name not in wire.PROFILE_FIELDS:
            raise invalid_parameter("fields", f"{name!r} is not a field of the business profile")
    return tuple(asked)


@get(
    PROFILE_PATH,
    summary="The number's business profile ({data: [{...}]}); `fields` picks the fields",
    tags=["Messaging API"],
)
async def get_profile(
    request: Request[Any, Any, Any], fields: FromQuery[str | None] = None
) -> wire.BusinessProfileList:
    principal = await channel_principal(request)
    wanted = _fields(fields)
    state = app_state(request)
    async with state.uow() as uow:
        found = await services.get_profile(uow, principal)
    shown = presenters.business_profile(found, picture_base(state, request), wanted)
    return wire.BusinessProfileList(data=[shown])


@post(
    PROFILE_PATH,
    summary="Update the business profile: only the fields sent change",
    tags=["Messaging API"],
    status_code=200,
)
@documents_body(wire.BusinessProfileIn)
async def update_profile(request: Request[Any, Any, Any]) -> wire.Success:
    principal = await channel_principal(request)
    body = await read_body(request, wire.BusinessProfileIn)
    state = app_state(request)
    files = upload_files(state)
    async with state.uow() as uow:
        await services.update_profile(
            uow, state.clock, principal, presenters.profile_change(body), files.head
        )
    return wire.Success(success=True)


@get(f"{PICTURE_PATH}/{{picture_id:str}}", include_in_schema=False, security=[])
async def profile_picture(request: Request[Any, Any, Any], picture_id: FromPath[str]) -> Stream:
    """The bytes of a profile picture in use (``profile_picture_url``), with their type."""
    state = app_state(request)
    async with state.uow() as uow:
        found = await uow.profiles.profile_picture(picture_id)
    if found is None:
        raise NotFound("No such profile picture")
    chunks = upload_files(state).read(found.id)
    try:
        first = await anext(chunks)
    except (FileNotFoundError, StopAsyncIteration):  # the row outlived its bytes
        raise NotFound("No such profile picture") from None
    return Stream(
        _then(first, chunks),
        media_type=found.content_type,
        headers={"content-length": str(found.file_length), "cache-control": "private, max-age=300"},
    )


async def _then(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for block in rest:
        yield block


@post(
    "/uploads",
    summary=(
        "Open a resumable upload session (Meta's Resumable Upload API): "
        "file_name, file_length, file_type -> {id: upload:<session>}"
    ),
    tags=["Messaging API"],
    status_code=200,
)
async def start_upload(
    request: Request[Any, Any, Any],
    file_name: FromQuery[str | None] = None,
    file_length: FromQuery[str | None] = None,
    file_type: FromQuery[str | None] = None,
) -> wire.UploadSession:
    principal = await channel_principal(request)
    state = app_state(request)
    async with state.uow() as uow:
        session = await services.start_upload(
            uow, state.clock, principal, file_name, file_length, file_type
        )
    return wire.UploadSession(id=session.wire_id)


async def upload_status(
    state: AppState, principal: ChannelPrincipal, node: str
) -> wire.UploadStatus:
    async with state.uow() as uow:
        session = await services.find_upload(uow, state.clock, principal, node)
    return wire.UploadStatus(id=session.wire_id, file_offset=session.file_offset)


@get(
    "/{node:str}",
    summary=(
        "A media id: the media file's download URL (valid 5 minutes) and metadata; "
        "`upload:<session>`: an upload session's `file_offset`, where to resume"
    ),
    tags=["Messaging API"],
)
async def node_get(request: Request[Any, Any, Any], node: FromPath[str]) -> Response[Any]:
    if services.session_id_of(node) is None:
        if media.is_media_id(node):
            return Response(await media.media_info(request, node), status_code=200)
        return graph.not_routed(request, 404)  # as any path no route serves
    principal = await channel_principal(request)
    return Response(await upload_status(app_state(request), principal, node), status_code=200)


@post(
    "/{node:str}",
    summary=(
        "`upload:<session>`: send the file's bytes (raw body) from header `file_offset`; "
        "the last chunk answers {h: <handle>}"
    ),
    tags=["Messaging API"],
    status_code=200,
    request_max_body_size=services.MAX_UPLOAD_BYTES,
)
async def node_post(
    request: Request[Any, Any, Any],
    node: FromPath[str],
    file_offset: Annotated[
        str | None,
        HeaderParameter(name="file_offset", description="The byte the chunk starts at (absent: 0)"),
    ] = None,
) -> Response[Any]:
    if services.session_id_of(node) is None:
        return graph.not_routed(request, 404)  # as any path no route serves
    principal = await channel_principal(request)
    state = app_state(request)
    offset = services.parse_offset(file_offset)
    async with state.uow() as uow:
        session = await services.find_upload(uow, state.clock, principal, node)
    lacking = services.check_offset(session, offset)
    files = upload_files(state)
    received = await files.receive(request.stream(), lacking)
    if session.handle is not None:  # complete, asked again with an empty chunk at its end
        files.discard(received)
        return Response(wire.UploadHandle(h=session.handle))
    try:

        async def place() -> None:
            await files.append(session.id, offset, received)

        async with state.uow() as uow:
            session = await services.accept_chunk(
                uow, state.clock, principal, node, offset, received.size, place
            )
    finally:
        files.discard(received)
    if session.handle is None:
        return Response(wire.UploadStatus(id=session.wire_id, file_offset=session.file_offset))
    await files.complete(session.id)
    return Response(wire.UploadHandle(h=session.handle))


HANDLERS = [get_profile, update_profile, profile_picture, start_upload, node_get, node_post]
