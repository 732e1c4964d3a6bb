"""In-memory media storage and catalog: the media ports without a disk, bucket or database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from datetime import datetime

from partnerhub.domain.media.model import MediaFile


class MemoryMediaStorage:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    async def put(self, key: str, chunks: AsyncIterator[bytes]) -> None:
        data = bytearray()
        async for chunk in chunks:  # raises through: nothing is kept
            data += chunk
        self.objects[key] = bytes(data)

    async def get(self, key: str) -> AsyncIterator[bytes]:
        if key not in self.objects:
            raise FileNotFoundError(key)
        yield self.objects[key]

    async def delete(self, key: str) -> None:
        self.objects.pop(key, None)


class MemoryMediaCatalog:
    def __init__(self) -> None:
        self.rows: dict[str, MediaFile] = {}

    async def add(self, media: MediaFile) -> None:
        self.rows[media.id] = media

    async def get(self, media_id: str) -> MediaFile | None:
        return self.rows.get(media_id)

    async def remove(self, media_id: str) -> bool:
        return self.rows.pop(media_id, None) is not None

    async def existing(self, channel_id: str, ids: Collection[str], now: datetime) -> set[str]:
        return {
            i
            for i in ids
            if i in self.rows
            and self.rows[i].channel_id == channel_id
            and self.rows[i].expires_at > now
        }

    async def expired(self, now: datetime, limit: int) -> list[MediaFile]:
        found = sorted(
            (m for m in self.rows.values() if m.expires_at <= now), key=lambda m: m.expires_at
        )
        return found[:limit]
