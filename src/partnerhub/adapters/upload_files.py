"""Where the bytes of resumable uploads live: files under ``<data dir>/uploads``, never rows.

All file I/O for uploaded bytes is here, so that pointing uploads at another store (the shared
media storage) changes this module only. A chunk is streamed to a temporary file as it arrives
(:meth:`UploadFiles.receive`, never held whole in memory); once the session row is locked and
the offset checked, it is appended to the session's partial file at exactly that offset
(:meth:`UploadFiles.append`: the partial file is cut back to the offset first, so a chunk whose
transaction failed leaves nothing behind); the last chunk renames the partial file into place
(:meth:`UploadFiles.complete`, atomic). :meth:`UploadFiles.read` streams a finished file back.

Layout: ``uploads/incoming/<random>`` (chunks in flight), ``uploads/partial/<session>``,
``uploads/<session>`` (complete).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from partnerhub.domain.messaging.errors import invalid_parameter

BLOCK = 256 * 1024


@dataclass(frozen=True)
class Received:
    """A chunk on disk, not yet part of its upload."""

    path: Path
    size: int


class UploadFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

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
        """The upload's last byte arrived: move the partial file into place (atomic rename)."""
        await asyncio.to_thread(os.replace, self._partial(session_id), self._final(session_id))

    async def head(self, session_id: str, size: int = 8) -> bytes:
        """The first ``size`` bytes of a finished file (b"" when it is missing)."""

        def read() -> bytes:
            try:
                with (self.root / session_id).open("rb") as source:
                    return source.read(size)
            except FileNotFoundError:
                return b""

        return await asyncio.to_thread(read)

    def exists(self, session_id: str) -> bool:
        return (self.root / session_id).is_file()

    async def read(self, session_id: str) -> AsyncIterator[bytes]:
        """The finished file's bytes, block by block."""
        with (self.root / session_id).open("rb") as source:
            while block := await asyncio.to_thread(source.read, BLOCK):
                yield block

    def delete(self, session_id: str) -> None:
        (self.root / session_id).unlink(missing_ok=True)
        (self.root / "partial" / session_id).unlink(missing_ok=True)
