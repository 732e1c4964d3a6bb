"""The business profile of a number and the resumable uploads its picture comes from.

Resumable uploads (Meta's Resumable Upload API as 360dialog proxies it, docs/fidelity.md):

1. :func:`start_upload` opens a session for ``file_length`` bytes of ``file_type``;
2. the bytes arrive in one or more chunks, each at the ``file_offset`` the session has reached
   (:func:`check_offset` refuses any other offset before the body is read; :func:`record_chunk`
   moves the offset on, and gives the session its handle when the last byte arrived);
3. ``GET upload:<session>`` (:func:`find_upload`) says where to resume.

Sessions and handles belong to the channel whose key opened them: another channel's session or
handle is unknown, exactly as one that never existed. Both expire after
:data:`UPLOAD_LIFETIME` on the domain clock. The bytes never pass through here: the routes
stream them to files (``adapters/upload_files.py``); this module keeps the rules and the rows.

The profile (:func:`get_profile`, :func:`update_profile`) keeps what was set; an update changes
only the fields it names. ``profile_picture_handle`` must be the handle of a completed upload of
the same channel, of a picture type, at most :data:`MAX_PICTURE_BYTES`.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from partnerhub.domain.clock import Clock
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.errors import INVALID_PARAMETER, GraphError, invalid_parameter
from partnerhub.domain.messaging.profile_model import UPLOAD_PREFIX, BusinessProfile, UploadSession
from partnerhub.domain.ports import UnitOfWork

# Meta's Resumable Upload API takes these file types (developers.facebook.com, "Upload a file").
UPLOAD_TYPES = frozenset({"application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4"})
# A profile picture is a JPEG or PNG of at most 5 MB (Meta's profile photo rules).
PICTURE_TYPES = frozenset({"image/jpeg", "image/jpg", "image/png"})
MAX_PICTURE_BYTES = 5 * 1024 * 1024
# Meta documents no ceiling for a session; ours is the Cloud API's largest media (100 MB).
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
MAX_FILE_NAME = 255
# Meta documents no lifetime for sessions or handles; a week is what integrators report for
# uploaded files (docs/fidelity.md), on the domain clock.
UPLOAD_LIFETIME = timedelta(days=7)

# Graph's answer to an object id it does not know (or may not show this caller).
UNKNOWN_OBJECT_SUBCODE = 33


@dataclass(frozen=True)
class ProfileChange:
    """The fields an update names (``None``: left as it is)."""

    about: str | None = None
    address: str | None = None
    description: str | None = None
    email: str | None = None
    websites: list[str] | None = None
    vertical: str | None = None
    profile_picture_handle: str | None = None


def unknown_object(object_id: str, method: str = "get") -> GraphError:
    """Graph's answer to an id that does not exist, has expired, or is another channel's."""
    error = GraphError(
        INVALID_PARAMETER,
        f"Object with ID '{object_id}' does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation",
        message=f"Unsupported {method} request. Object with ID '{object_id}' does not exist, "
        "cannot be loaded due to missing permissions, or does not support this operation.",
        error_subcode=UNKNOWN_OBJECT_SUBCODE,
    )
    error.type = "GraphMethodException"
    return error


def _file_length(raw: str | None) -> int:
    if raw is None or raw == "":
        raise GraphError(INVALID_PARAMETER, "file_length: is required", field="file_length")
    try:
        length = int(raw)
    except ValueError:
        raise invalid_parameter("file_length", "must be a whole number of bytes") from None
    if length < 1:
        raise invalid_parameter("file_length", "must be at least 1 byte")
    if length > MAX_UPLOAD_BYTES:
        raise invalid_parameter("file_length", f"must be at most {MAX_UPLOAD_BYTES} bytes")
    return length


async def start_upload(
    uow: UnitOfWork,
    clock: Clock,
    principal: ChannelPrincipal,
    file_name: str | None,
    file_length: str | None,
    file_type: str | None,
) -> UploadSession:
    """``POST /uploads``: a session for one file of this channel."""
    if not file_name:
        raise invalid_parameter("file_name", "is required")
    if len(file_name) > MAX_FILE_NAME or any(ord(c) < 32 for c in file_name):
        raise invalid_parameter(
            "file_name", f"must be at most {MAX_FILE_NAME} printable characters"
        )
    length = _file_length(file_length)
    if not file_type:
        raise invalid_parameter("file_type", "is required")
    kind = file_type.strip().lower()
    if kind not in UPLOAD_TYPES:
        raise invalid_parameter(
            "file_type", f"must be one of {', '.join(sorted(UPLOAD_TYPES))}, not {file_type!r}"
        )
    now = clock.now()
    session = UploadSession(
        id=secrets.token_hex(16),
        channel_id=principal.channel_id,
        file_name=file_name,
        file_length=length,
        file_type=kind,
        file_offset=0,
        created_at=now,
        expires_at=now + UPLOAD_LIFETIME,
    )
    await uow.profiles.add_upload(session)
    await uow.commit()
    return session


def session_id_of(node: str) -> str | None:
    """The session id of an ``upload:<session>`` path segment, or None for another node."""
    if not node.startswith(UPLOAD_PREFIX):
        return None
    return node[len(UPLOAD_PREFIX) :]


async def find_upload(
    uow: UnitOfWork, clock: Clock, principal: ChannelPrincipal, node: str, *, lock: bool = False
) -> UploadSession:
    """The live session ``upload:<id>`` of this channel; unknown otherwise."""
    session_id = session_id_of(node)
    found = None
    if session_id:
        found = await uow.profiles.get_upload(principal.channel_id, session_id, lock=lock)
    if found is None or found.expires_at <= clock.now():
        raise unknown_object(node, "post" if lock else "get")
    return found


def parse_offset(raw: str | None) -> int:
    """The ``file_offset`` header: a whole number of bytes, 0 when absent."""
    if raw is None or raw.strip() == "":
        return 0
    try:
        offset = int(raw.strip())
    except ValueError:
        raise invalid_parameter("file_offset", "must be a whole number of bytes") from None
    if offset < 0:
        raise invalid_parameter("file_offset", "must not be negative")
    return offset


def check_offset(session: UploadSession, offset: int) -> int:
    """Refuse a chunk that does not start where the session stands; the bytes the chunk may
    carry at most. A finished session takes only an empty chunk at its end (0): a client that
    lost the last answer asks for the handle again that way."""
    if session.complete and offset != session.file_length:
        raise invalid_parameter(
            "file_offset",
            f"the upload is complete ({session.file_length} bytes): only an empty request at "
            f"file_offset {session.file_length} answers its handle again",
        )
    if offset != session.file_offset:
        raise GraphError(
            INVALID_PARAMETER,
            f"file_offset: {offset} does not match the session's offset {session.file_offset}; "
            f"resume from {session.file_offset}",
            field="file_offset",
        )
    return session.file_length - offset


def check_chunk(session: UploadSession, offset: int, size: int) -> None:
    if size == 0:
        raise invalid_parameter("body", "the chunk is empty: send the file's bytes")
    if offset + size > session.file_length:
        raise invalid_parameter(
            "body",
            f"the chunk ends at byte {offset + size}, past file_length {session.file_length}",
        )


def _new_handle(session: UploadSession) -> str:
    """An opaque handle in the shape Meta's have (``<digit>:<base64>``)."""
    token = f"{session.id}:{secrets.token_hex(8)}".encode()
    return "4:" + base64.b64encode(token).decode("ascii")


def record_chunk(clock: Clock, session: UploadSession, size: int) -> bool:
    """Move the session's offset on by ``size`` bytes (the caller holds the row's lock and
    commits); True when that was the last byte, and the session now has its handle."""
    session.file_offset += size
    if session.file_offset < session.file_length:
        return False
    session.completed_at = clock.now()
    session.handle = _new_handle(session)
    return True


async def accept_chunk(
    uow: UnitOfWork,
    clock: Clock,
    principal: ChannelPrincipal,
    node: str,
    offset: int,
    size: int,
    place: Callable[[], Awaitable[None]],
) -> UploadSession:
    """A chunk of ``size`` bytes at ``offset``, already on disk: with the session's row
    locked, check the offset again (another request may have moved it since), let ``place``
    put the bytes in the file, and move the offset on. The caller moves a complete file into
    place after the commit."""
    await uow.lock_for_write()
    session = await find_upload(uow, clock, principal, node, lock=True)
    check_offset(session, offset)
    check_chunk(session, offset, size)
    await place()
    record_chunk(clock, session, size)
    await uow.profiles.save_upload(session)
    await uow.commit()
    return session


async def get_profile(uow: UnitOfWork, principal: ChannelPrincipal) -> BusinessProfile:
    found = await uow.profiles.get_profile(principal.channel_id)
    return found if found is not None else BusinessProfile(channel_id=principal.channel_id)


# The first bytes of the picture types: a PNG signature, a JPEG start-of-image marker.
PICTURE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
SIGNATURE_BYTES = 8

# Reads the first bytes of a completed upload (its id given): how the rules see the file.
ReadHead = Callable[[str], Awaitable[bytes]]


def looks_like_picture(head: bytes) -> bool:
    return head.startswith(PICTURE_SIGNATURES)


async def picture_for_handle(
    uow: UnitOfWork,
    clock: Clock,
    principal: ChannelPrincipal,
    handle: str,
    read_head: ReadHead | None = None,
) -> UploadSession:
    """The completed upload behind ``handle``: this channel's, live, a picture (its bytes
    begin as a JPEG or PNG does, when ``read_head`` can tell)."""
    found = await uow.profiles.upload_by_handle(principal.channel_id, handle)
    if found is None or not found.complete or found.expires_at <= clock.now():
        raise invalid_parameter(
            "profile_picture_handle",
            "is not the handle of a completed upload of this number, or it has expired",
        )
    if found.file_type not in PICTURE_TYPES:
        raise invalid_parameter(
            "profile_picture_handle",
            f"the upload is {found.file_type}; a profile picture is image/jpeg or image/png",
        )
    if found.file_length > MAX_PICTURE_BYTES:
        raise invalid_parameter(
            "profile_picture_handle", f"a profile picture is at most {MAX_PICTURE_BYTES} bytes"
        )
    if read_head is not None and not looks_like_picture(await read_head(found.id)):
        raise invalid_parameter(
            "profile_picture_handle", "the uploaded bytes are not a JPEG or PNG image"
        )
    return found


async def update_profile(
    uow: UnitOfWork,
    clock: Clock,
    principal: ChannelPrincipal,
    change: ProfileChange,
    read_head: ReadHead | None = None,
) -> BusinessProfile:
    """``POST /whatsapp_business_profile``: the named fields change, the others stay."""
    await uow.lock_for_write()
    picture = None
    if change.profile_picture_handle is not None:
        picture = await picture_for_handle(
            uow, clock, principal, change.profile_picture_handle, read_head
        )
    found = await uow.profiles.get_profile(principal.channel_id, lock=True)
    profile = found or BusinessProfile(channel_id=principal.channel_id)
    for name in ("about", "address", "description", "email", "vertical"):
        value = getattr(change, name)
        if value is not None:
            setattr(profile, name, value)
    if change.websites is not None:
        profile.websites = list(change.websites)
    if picture is not None:
        profile.picture_id = picture.id
    profile.updated_at = clock.now()
    await uow.profiles.save_profile(profile)
    await uow.commit()
    return profile
