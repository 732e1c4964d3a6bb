"""Where the bytes of resumable uploads live: never rows.

A chunk is streamed to a temporary file as it arrives (:meth:`UploadFiles.receive`, never held
whole in memory); once the session row is locked and the offset checked, it is appended to the
session's partial file at exactly that offset (:meth:`UploadFiles.append`: the partial file is
cut back to the offset first, so a chunk whose transaction failed leaves nothing behind). The
last chunk moves the finished file into the **media storage** (:meth:`UploadFiles.complete`:
the local directory or the S3-compatible bucket of ``POST /media``, written atomically), so
that every API process, on any machine sharing that storage, serves the profile picture it
became. :meth:`UploadFiles.read` streams it back from there.

Local layout (chunks of unfinished sessions): ``uploads/incoming/<random>`` (in flight),
``uploads/partial/<session>``. The chunks of one session must reach processes sharing that
directory (docs/operations.md, "Media storage"); in the media storage: ``upload<session>``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from partnerhub.domain.messaging.errors import invalid_parameter
from partnerhub.domain.ports import MediaStorage

BLOCK = 256 * 1024


@dataclass(frozen=True)
class Received:
    """A chunk on disk, not yet part of its upload."""

    path: Path
    size: int


class UploadFiles:
    def __init__(self, root: Path, storage: MediaStorage) -> None:
        self.root = root
        self.storage = storage

    def _dir(self, *parts: str) -> Path:
        path = self.root.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path

    def _partial(self, session_id: str) -> Path:
        return self._dir("partial") / session_id

    def _final(self, session_id: str) -> Path:
        return self._dir() / session_id

    async def receive(self, chunks: AsyncIterable[bytes], limit: int) -> Received:
        """Stream a request body to a temporary file; refused (and removed) once it passes
        ``limit`` bytes, without reading further."""
        path = self._dir("incoming") / secrets.token_hex(16)
        size = 0
        try:
            with path.open("wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise invalid_parameter(
                            "body", f"the chunk is longer than the {limit} bytes the file lacks"
                        )
                    out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Received(path, size)

    def discard(self, received: Received) -> None:
        received.path.unlink(missing_ok=True)

    async def append(self, session_id: str, offset: int, received: Received) -> None:
        """Put the chunk at ``offset`` of the session's partial file (cut back to ``offset``
        first), then drop the temporary file."""
        await asyncio.to_thread(self._append, self._partial(session_id), offset, received)

    @staticmethod
    def _append(target: Path, offset: int, received: Received) -> None:
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT, 0o600)
            with os.fdopen(fd, "r+b") as out, received.path.open("rb") as source:
                out.truncate(offset)
                out.seek(offset)
                while block := source.read(BLOCK):
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
        finally:
            received.path.unlink(missing_ok=True)

    async def complete(self, session_id: str) -> None:
        """The upload's last byte arrived: the partial file goes into the media storage (which
        makes it visible only once whole), then is removed here."""
        partial = self._partial(session_id)
        await self.storage.put(_key(session_id), _blocks(partial))
        partial.unlink(missing_ok=True)

    async def head(self, session_id: str, size: int = 8) -> bytes:
        """The first ``size`` bytes of a finished file (b"" when it is missing)."""
        try:
            async for block in self.storage.get(_key(session_id)):
                return block[:size]
        except FileNotFoundError:
            return b""
        return b""

    async def read(self, session_id: str) -> AsyncIterator[bytes]:
        """The finished file's bytes, block by block (FileNotFoundError when it is gone)."""
        async for block in self.storage.get(_key(session_id)):
            yield block

    async def delete(self, session_id: str) -> None:
        await self.storage.delete(_key(session_id))
        (self.root / "partial" / session_id).unlink(missing_ok=True)


def _key(session_id: str) -> str:
    """The finished upload's key in the media storage (keys are alphanumeric)."""
    return f"upload{session_id}"


async def _blocks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as source:
        while block := await asyncio.to_thread(source.read, BLOCK):
            yield block
