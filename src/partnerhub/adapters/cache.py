"""The auth hot path's read cache, invalidated per key by the writes that touch what it holds.

Entries are keyed by what they are (``apikey:<digest>``, ``partner:<id>``, ``family:<id>``...)
and carry *tags*: the rows they were read from. A commit that changes one of those rows names
its tags (:mod:`adapters.cache_tags`), and only the entries carrying them are dropped:

- in the committing process, right after the commit returns (a revocation is refused at once);
- in every other process, within the bound documented in docs/operations.md: on SQLite each
  request's :meth:`CoherentCache.refresh` reads the ``cache_versions`` rows bumped since its last
  look, only when ``PRAGMA data_version`` moved; on PostgreSQL the writing transaction sends
  ``NOTIFY partnerhub_cache`` with the tags and each process's listener
  (:mod:`adapters.cache_listener`) drops them. While that listener is not connected the cache is
  bypassed, and a short TTL backstops a lost notification.

Loads race with commits, so a value is stored only if none of its tags (and no whole drop) was
invalidated since the load began: a load that raced an *unrelated* commit is kept. Concurrent
misses of one key share one load (single flight).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Collection, Hashable, Iterable
from pathlib import Path
from typing import Any, Protocol

_MAX_ENTRIES = 50_000
# The tag of a write nobody could name more precisely: everything goes (adapters/cache_tags.py).
EVERYTHING = "*"

# Subscribers hear every invalidation: a collection of tags, or None for "everything".
Subscriber = Callable[[Collection[str] | None], None]


class ChangeDetector(Protocol):
    def changed(self) -> Collection[str] | None:
        """The tags committed by others since the previous call; empty when nothing was, None
        when the detector cannot tell (everything must go)."""
        ...

    def close(self) -> None: ...


class SqliteChangeDetector:
    """``PRAGMA data_version`` on a private connection, then the bumped ``cache_versions`` rows.

    data_version changes for this connection on every commit made through any other connection
    (the app's pool, the CLI, other processes), so an unchanged value costs a few microseconds
    and no read of the table. Only when it moved are the rows bumped since the last look read.
    """

    def __init__(self, path: Path, look_interval_seconds: float = 0.005) -> None:
        # At most one look per interval: a busy server asks once a request, and the pragma (a
        # few microseconds idle) cost 7 % of a saturated core; other processes' changes still
        # land within this much of the bound in docs/operations.md.
        self._interval = look_interval_seconds
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._last = self._data_version()
        self._seq = self._max_seq()
        self._looked = time.monotonic()

    def _data_version(self) -> int:
        row = self._conn.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def _max_seq(self) -> int:
        try:
            row = self._conn.execute("SELECT coalesce(max(seq), 0) FROM cache_versions").fetchone()
        except sqlite3.OperationalError:  # not migrated yet: nothing was ever bumped
            return 0
        return int(row[0])

    def changed(self) -> Collection[str] | None:
        now = time.monotonic()
        if now - self._looked < self._interval:
            return ()
        self._looked = now
        current = self._data_version()
        if current == self._last:
            return ()
        self._last = current
        try:
            rows = self._conn.execute(
                "SELECT tag, seq FROM cache_versions WHERE seq > ?", (self._seq,)
            ).fetchall()
        except sqlite3.OperationalError:
            return None
        if not rows:
            if self._max_seq() < self._seq:  # the table was emptied: what changed is unknown
                self._seq = self._max_seq()
                return None
            return ()
        self._seq = max(int(seq) for _, seq in rows)
        return [str(tag) for tag, _ in rows]

    def close(self) -> None:
        self._conn.close()


class CoherentCache:
    def __init__(
        self,
        detector: ChangeDetector | None,
        ttl_seconds: float = 5.0,
        *,
        enabled: bool = True,
    ) -> None:
        self._detector = detector
        self._ttl = ttl_seconds
        self._enabled = enabled
        self._data: dict[Hashable, tuple[object, float, tuple[str, ...]]] = {}
        self._by_tag: dict[str, set[Hashable]] = {}
        self._epoch = 0  # bumped by every invalidation
        self._tag_epoch: dict[str, int] = {}  # the epoch at which each tag was last invalidated
        self._cleared = 0  # the epoch of the last whole drop
        self._loading: dict[Hashable, asyncio.Future[Any]] = {}
        self._subscribers: list[Subscriber] = []

    @property
    def enabled(self) -> bool:
        return self._enabled

    def subscribe(self, subscriber: Subscriber) -> None:
        """Hear every invalidation too (the channel-key cache keeps entries of its own)."""
        self._subscribers.append(subscriber)

    def set_enabled(self, enabled: bool) -> None:
        """Bypass the cache (the PostgreSQL listener is down) or use it again (it is back, and
        may have missed notifications: everything held goes)."""
        self.invalidate()
        self._enabled = enabled

    def refresh(self) -> None:
        """Apply what other processes committed. Call once at the start of each request."""
        if self._detector is None:
            return
        tags = self._detector.changed()
        if tags is None:
            self.invalidate()
        elif tags:
            self.invalidate(tags)

    def epoch(self) -> int:
        """Take before reading the database; pass to :meth:`put`."""
        return self._epoch

    def get(self, key: Hashable) -> object | None:
        if not self._enabled:
            return None
        entry = self._data.get(key)
        if entry is None:
            return None
        value, expires, _ = entry
        if expires < time.monotonic():
            self._drop(key)
            return None
        return value

    def put(self, key: Hashable, value: object, epoch: int, tags: Iterable[str] = ()) -> None:
        """Store ``value`` unless something it was read from changed since ``epoch``."""
        if not self._enabled or epoch < self._cleared:
            return
        tags = tuple(tags)
        if any(self._tag_epoch.get(tag, 0) > epoch for tag in tags):
            return
        if len(self._data) >= _MAX_ENTRIES:
            self._data.clear()
            self._by_tag.clear()
        self._drop(key)
        self._data[key] = (value, time.monotonic() + self._ttl, tags)
        for tag in tags:
            self._by_tag.setdefault(tag, set()).add(key)

    async def fetch(
        self, key: Hashable, load: Callable[[], Awaitable[tuple[Any, Collection[str]]]]
    ) -> Any:
        """The cached value, or the one ``load`` returns (with its tags), loaded once for all
        the callers that miss ``key`` at the same time. ``load`` raising caches nothing."""
        hit = self.get(key)
        if hit is not None:
            return hit
        pending = self._loading.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._load(key, load))
            self._loading[key] = pending

            def forget(done: asyncio.Future[Any]) -> None:
                if self._loading.get(key) is done:
                    del self._loading[key]
                if not done.cancelled():
                    done.exception()  # retrieved here, so no waiter left behind warns

            pending.add_done_callback(forget)
        # Shielded: a caller that gives up does not cancel the load the others wait for.
        return await asyncio.shield(pending)

    async def _load(
        self, key: Hashable, load: Callable[[], Awaitable[tuple[Any, Collection[str]]]]
    ) -> Any:
        epoch = self._epoch
        value, tags = await load()
        self.put(key, value, epoch, tags)
        return value

    def invalidate(self, tags: Iterable[str] | None = None) -> None:
        """Drop the entries carrying any of ``tags``; everything when ``tags`` is None."""
        if tags is not None:
            tags = tuple(tags)
            if EVERYTHING in tags:
                tags = None
        self._epoch += 1
        # A request from now on reads afresh rather than wait for a load begun before this.
        self._loading.clear()
        if tags is None:
            self._data.clear()
            self._by_tag.clear()
            self._tag_epoch.clear()
            self._cleared = self._epoch
            touched: Collection[str] | None = None
        else:
            touched = tuple(tags)
            if len(self._tag_epoch) >= _MAX_ENTRIES:
                # Forgetting when tags changed would let a racing load in: drop instead.
                self._tag_epoch.clear()
                self._cleared = self._epoch
            for tag in touched:
                self._tag_epoch[tag] = self._epoch
                for key in self._by_tag.pop(tag, ()):
                    self._drop(key)
        for subscriber in self._subscribers:
            subscriber(touched)

    def _drop(self, key: Hashable) -> None:
        entry = self._data.pop(key, None)
        if entry is None:
            return
        for tag in entry[2]:
            keys = self._by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_tag[tag]

    def close(self) -> None:
        if self._detector is not None:
            self._detector.close()
