"""The business profile and resumable uploads of the Messaging API (issue 17).

``business_profile.get(fields=...)`` / ``business_profile.update(...)`` read and change
``/whatsapp_business_profile``; ``uploads.start(...)`` opens a resumable upload session,
``uploads.upload(session, data, offset=...)`` sends a chunk, ``uploads.status(session)`` says
where to resume, and ``uploads.upload_file(data, ...)`` does all of it and returns the handle
(``profile_picture_handle``)::

    handle = await client.uploads.upload_file(png_bytes, file_type="image/png")
    await client.business_profile.update(about="Fresh pizza", profile_picture_handle=handle)
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from partnerhub.client import models
from partnerhub.client._base import AsyncCore, Call, SyncCore, call, expect
from partnerhub.client._errors import PartnerHubError
from partnerhub.wire import business_profile as wire

PROFILE_PATH = "/whatsapp_business_profile"
DEFAULT_CHUNK = 4 * 1024 * 1024


def _given(value: object) -> object:
    return msgspec.UNSET if value is None else value


class _BusinessProfileCalls:
    def _get(self, fields: Sequence[str] | None) -> Call[models.BusinessProfileList]:
        params = {"fields": ",".join(fields)} if fields else None
        return call("GET", PROFILE_PATH, expect(models.BusinessProfileList), params=params)

    def _update(
        self,
        about: str | None,
        address: str | None,
        description: str | None,
        email: str | None,
        websites: Sequence[str] | None,
        vertical: str | None,
        profile_picture_handle: str | None,
    ) -> Call[models.Success]:
        body = wire.BusinessProfileIn(
            messaging_product="whatsapp",
            about=_given(about),  # type: ignore[arg-type]
            address=_given(address),  # type: ignore[arg-type]
            description=_given(description),  # type: ignore[arg-type]
            email=_given(email),  # type: ignore[arg-type]
            websites=_given(None if websites is None else list(websites)),  # type: ignore[arg-type]
            vertical=_given(vertical),  # type: ignore[arg-type]
            profile_picture_handle=_given(profile_picture_handle),  # type: ignore[arg-type]
        )
        return call("POST", PROFILE_PATH, expect(models.Success), json=body)


def _profile(answer: models.BusinessProfileList) -> models.BusinessProfile:
    if not answer.data:
        raise PartnerHubError("GET /whatsapp_business_profile: the answer has no profile")
    return answer.data[0]


class _UploadCalls:
    def _start(
        self, file_name: str, file_length: int, file_type: str
    ) -> Call[models.UploadProgress]:
        params: dict[str, str | int | None] = {
            "file_name": file_name,
            "file_length": str(file_length),
            "file_type": file_type,
        }
        return call("POST", "/uploads", expect(models.UploadProgress), params=params)

    def _status(self, session: str) -> Call[models.UploadProgress]:
        return call("GET", f"/{session}", expect(models.UploadProgress))

    def _upload(self, session: str, data: bytes, offset: int) -> Call[models.UploadProgress]:
        return call(
            "POST",
            f"/{session}",
            expect(models.UploadProgress),
            content=data,
            headers={"file_offset": str(offset)},
        )


def _session_id(answer: models.UploadProgress) -> str:
    if not answer.id:
        raise PartnerHubError("POST /uploads: the answer has no session id")
    return answer.id


def _handle(answer: models.UploadProgress, session: str) -> str:
    if not answer.h:
        raise PartnerHubError(f"POST /{session}: the upload ended without a handle")
    return answer.h


class AsyncBusinessProfile(_BusinessProfileCalls):
    """``/whatsapp_business_profile``: the number's business profile."""

    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def get(self, fields: Sequence[str] | None = None) -> models.BusinessProfile:
        """The profile; ``fields`` (e.g. ``["about", "websites"]``) picks what is returned."""
        answer = await self._core.send(self._get(fields))
        return _profile(answer)

    async def update(
        self,
        *,
        about: str | None = None,
        address: str | None = None,
        description: str | None = None,
        email: str | None = None,
        websites: Sequence[str] | None = None,
        vertical: str | None = None,
        profile_picture_handle: str | None = None,
    ) -> bool:
        """Change the fields given (the others stay); True on success."""
        spec = self._update(
            about, address, description, email, websites, vertical, profile_picture_handle
        )
        return (await self._core.send(spec)).success


class AsyncUploads(_UploadCalls):
    """Resumable uploads (``/uploads``, ``/upload:<session>``): files for handles, such as
    the profile picture's."""

    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def start(self, file_name: str, file_length: int, file_type: str) -> str:
        """Open a session for ``file_length`` bytes; its id, ``upload:<session>``."""
        answer = await self._core.send(self._start(file_name, file_length, file_type))
        return _session_id(answer)

    async def status(self, session: str) -> models.UploadProgress:
        """How far the session got (``file_offset``): where to resume."""
        return await self._core.send(self._status(session))

    async def upload(self, session: str, data: bytes, offset: int = 0) -> models.UploadProgress:
        """Send ``data`` from ``offset``; ``h`` is set once the last byte arrived."""
        return await self._core.send(self._upload(session, data, offset))

    async def upload_file(
        self,
        data: bytes,
        *,
        file_type: str = "image/jpeg",
        file_name: str = "upload",
        chunk_size: int = DEFAULT_CHUNK,
    ) -> str:
        """Upload ``data`` whole (in chunks of ``chunk_size``); the handle."""
        session = await self.start(file_name, len(data), file_type)
        answer = models.UploadProgress()
        for offset in range(0, len(data), chunk_size):
            answer = await self.upload(session, data[offset : offset + chunk_size], offset)
        return _handle(answer, session)


# --- Sync twins, generated by partnerhub.client.resources._twins from the async ones above:
# --- do not edit below this line; change the async twin and regenerate.


class BusinessProfile(_BusinessProfileCalls):
    """``/whatsapp_business_profile``: the number's business profile."""

    def __init__(self, core: SyncCore) -> None:
        self._core = core

    def get(self, fields: Sequence[str] | None = None) -> models.BusinessProfile:
        """The profile; ``fields`` (e.g. ``["about", "websites"]``) picks what is returned."""
        answer = self._core.send(self._get(fields))
        return _profile(answer)

    def update(
        self,
        *,
        about: str | None = None,
        address: str | None = None,
        description: str | None = None,
        email: str | None = None,
        websites: Sequence[str] | None = None,
        vertical: str | None = None,
        profile_picture_handle: str | None = None,
    ) -> bool:
        """Change the fields given (the others stay); True on success."""
        spec = self._update(
            about, address, description, email, websites, vertical, profile_picture_handle
        )
        return self._core.send(spec).success


class Uploads(_UploadCalls):
    """Resumable uploads (``/uploads``, ``/upload:<session>``): files for handles, such as
    the profile picture's."""

    def __init__(self, core: SyncCore) -> None:
        self._core = core

    def start(self, file_name: str, file_length: int, file_type: str) -> str:
        """Open a session for ``file_length`` bytes; its id, ``upload:<session>``."""
        answer = self._core.send(self._start(file_name, file_length, file_type))
        return _session_id(answer)

    def status(self, session: str) -> models.UploadProgress:
        """How far the session got (``file_offset``): where to resume."""
        return self._core.send(self._status(session))

    def upload(self, session: str, data: bytes, offset: int = 0) -> models.UploadProgress:
        """Send ``data`` from ``offset``; ``h`` is set once the last byte arrived."""
        return self._core.send(self._upload(session, data, offset))

    def upload_file(
        self,
        data: bytes,
        *,
        file_type: str = "image/jpeg",
        file_name: str = "upload",
        chunk_size: int = DEFAULT_CHUNK,
    ) -> str:
        """Upload ``data`` whole (in chunks of ``chunk_size``); the handle."""
        session = self.start(file_name, len(data), file_type)
        answer = models.UploadProgress()
        for offset in range(0, len(data), chunk_size):
            answer = self.upload(session, data[offset : offset + chunk_size], offset)
        return _handle(answer, session)
