"""A read cache for the auth hot path that never serves data older than the last commit.

Each request first calls :meth:`CoherentCache.refresh`, which asks a change detector whether
*anything* was committed to the database since the last look (by this process, the CLI, or another
server on the same file); if so the whole cache is dropped. Lookups within that request then see
the database as of the request's start, never older. On SQLite the detector is
``PRAGMA data_version`` on a private connection: a few microseconds, and it sees commits from
every other connection. A backend without a detector gets
no cache at all, so correctness never depends on a TTL.

Loads race with commits, so a value is stored only if no invalidation happened since the caller
took its :meth:`CoherentCache.epoch` before reading the database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Generic, Protocol, TypeVar

K = TypeVar("K")
V = TypeVar("V")

_MAX_ENTRIES = 50_000


class ChangeDetector(Protocol):
    def changed(self) -> bool:
        """True when something was committed since the previous call."""
        ...

    def close(self) -> None: ...


class SqliteChangeDetector:
    def __init__(self, path: Path) -> None:
        # A connection of its own that never writes: data_version changes for it on every commit
        # made through any other connection, including the app's pool and other processes.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._last = self._read()

    def _read(self) -> int:
        row = self._conn.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def changed(self) -> bool:
        current = self._read()
        if current != self._last:
            self._last = current
            return True
        return False

    def close(self) -> None:
        self._conn.close()


class CoherentCache(Generic[K, V]):
    def __init__(self, detector: ChangeDetector | None) -> None:
        self._detector = detector
        self._data: dict[K, V] = {}
        self._epoch = 0

    @property
    def enabled(self) -> bool:
        return self._detector is not None

    def refresh(self) -> None:
        """Drop everything if the database changed. Call once at the start of each request."""
        if self._detector is not None and self._detector.changed():
            self.invalidate()

    def epoch(self) -> int:
        """Take before reading the database; pass to :meth:`put`."""
        return self._epoch

    def get(self, key: K) -> V | None:
        return self._data.get(key)

    def put(self, key: K, value: V, epoch: int) -> None:
        if self._detector is None or epoch != self._epoch:
            return
        if len(self._data) >= _MAX_ENTRIES:
            self._data.clear()
        self._data[key] = value

    def invalidate(self) -> None:
        self._data.clear()
        self._epoch += 1

    def close(self) -> None:
        if self._detector is not None:
            self._detector.close()
