"""Business profiles and resumable upload sessions: plain rows, read into the domain's
dataclasses (:mod:`partnerhub.domain.messaging.profile_model`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain.messaging.profile_model import (
    BusinessEncryptionKey,
    BusinessProfile,
    UploadSession,
)

_U = tables.upload_sessions
_P = tables.business_profiles
_K = tables.business_encryption_keys

_UPLOAD_FIELDS = (
    "id",
    "channel_id",
    "file_name",
    "file_length",
    "file_type",
    "file_offset",
    "created_at",
    "expires_at",
    "handle",
    "completed_at",
)
_PROFILE_FIELDS = (
    "about",
    "address",
    "description",
    "email",
    "websites",
    "vertical",
    "picture_id",
    "updated_at",
)


def _upload(row: Any) -> UploadSession:
    return UploadSession(**{name: row._mapping[name] for name in _UPLOAD_FIELDS})


class BusinessProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_profile(self, channel_id: str, *, lock: bool = False) -> BusinessProfile | None:
        if lock:
            # The channel's row, not the profile's: there is none before the first update, and
            # two first updates must not both insert one (PostgreSQL; SQLite's write lock is
            # taken by lock_for_write already).
            channels = tables.channels
            await self._session.execute(
                select(channels.c.id).where(channels.c.id == channel_id).with_for_update()
            )
        row = (await self._session.execute(select(_P).where(_P.c.channel_id == channel_id))).first()
        if row is None:
            return None
        values = {name: row._mapping[name] for name in _PROFILE_FIELDS}
        values["websites"] = list(values["websites"] or [])
        return BusinessProfile(channel_id=channel_id, **values)

    async def save_profile(self, profile: BusinessProfile) -> None:
        values = {name: getattr(profile, name) for name in _PROFILE_FIELDS}
        await self._session.execute(delete(_P).where(_P.c.channel_id == profile.channel_id))
        await self._session.execute(insert(_P).values(channel_id=profile.channel_id, **values))

    async def add_upload(self, session: UploadSession) -> None:
        values = {name: getattr(session, name) for name in _UPLOAD_FIELDS}
        await self._session.execute(insert(_U).values(**values))

    async def get_upload(
        self, channel_id: str, session_id: str, *, lock: bool = False
    ) -> UploadSession | None:
        query = select(_U).where(_U.c.id == session_id, _U.c.channel_id == channel_id)
        if lock:
            query = query.with_for_update()
        row = (await self._session.execute(query)).first()
        return None if row is None else _upload(row)

    async def save_upload(self, session: UploadSession) -> None:
        await self._session.execute(
            update(_U)
            .where(_U.c.id == session.id)
            .values(
                file_offset=session.file_offset,
                handle=session.handle,
                completed_at=session.completed_at,
            )
        )

    async def upload_by_handle(self, channel_id: str, handle: str) -> UploadSession | None:
        query = select(_U).where(_U.c.handle == handle, _U.c.channel_id == channel_id)
        row = (await self._session.execute(query)).first()
        return None if row is None else _upload(row)

    async def profile_picture(self, picture_id: str) -> UploadSession | None:
        query = (
            select(_U)
            .join(_P, _P.c.picture_id == _U.c.id)
            .where(_U.c.id == picture_id, _U.c.completed_at.is_not(None))
        )
        row = (await self._session.execute(query)).first()
        return None if row is None else _upload(row)

    async def get_encryption_key(self, channel_id: str) -> BusinessEncryptionKey | None:
        query = select(_K).where(_K.c.channel_id == channel_id)
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        return BusinessEncryptionKey(
            channel_id=channel_id,
            public_key=row._mapping["public_key"],
            updated_at=row._mapping["updated_at"],
        )

    async def save_encryption_key(self, key: BusinessEncryptionKey) -> None:
        await self._session.execute(delete(_K).where(_K.c.channel_id == key.channel_id))
        await self._session.execute(
            insert(_K).values(
                channel_id=key.channel_id, public_key=key.public_key, updated_at=key.updated_at
            )
        )
