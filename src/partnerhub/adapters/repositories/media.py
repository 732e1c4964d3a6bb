"""Media files' rows (the :class:`~partnerhub.domain.ports.MediaCatalog` port).

Each call is its own short transaction outside any unit of work (an upload's row is written once
its bytes are stored; nothing else changes in that transaction). On SQLite a write queues on the
process's write gate, as every writer does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from partnerhub.adapters.tables import media_files
from partnerhub.adapters.unit_of_work import sqlite_write_gate
from partnerhub.domain.media.model import MediaFile

_T = media_files
_COLUMNS = [c.name for c in _T.columns]


def _media(row: Any) -> MediaFile:
    return MediaFile(**{name: row[name] for name in _COLUMNS})


class MediaRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"

    async def _gate(self) -> asyncio.Lock | None:
        if not self._sqlite:
            return None
        gate = sqlite_write_gate(self._engine)
        await gate.acquire()
        return gate

    async def add(self, media: MediaFile) -> None:
        values = {name: getattr(media, name) for name in _COLUMNS}
        gate = await self._gate()
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(_T).values(**values))
        finally:
            if gate is not None:
                gate.release()

    async def get(self, media_id: str) -> MediaFile | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(_T).where(_T.c.id == media_id))).mappings().first()
        return None if row is None else _media(row)

    async def remove(self, media_id: str) -> bool:
        gate = await self._gate()
        try:
            async with self._engine.begin() as conn:
                result = await conn.execute(delete(_T).where(_T.c.id == media_id))
        finally:
            if gate is not None:
                gate.release()
        return bool(getattr(result, "rowcount", 0))

    async def existing(self, channel_id: str, ids: Collection[str], now: datetime) -> set[str]:
        statement = select(_T.c.id).where(
            _T.c.id.in_(list(ids)), _T.c.channel_id == channel_id, _T.c.expires_at > now
        )
        async with self._engine.connect() as conn:
            return {str(found) for found in (await conn.execute(statement)).scalars()}

    async def expired(self, now: datetime, limit: int) -> list[MediaFile]:
        statement = select(_T).where(_T.c.expires_at <= now).order_by(_T.c.expires_at).limit(limit)
        async with self._engine.connect() as conn:
            return [_media(row) for row in (await conn.execute(statement)).mappings()]
