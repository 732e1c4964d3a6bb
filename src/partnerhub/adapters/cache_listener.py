"""Hear, on PostgreSQL, which cached things other processes changed (``LISTEN partnerhub_cache``).

Every commit that changes something the auth cache holds sends ``NOTIFY partnerhub_cache`` with
the tags it touched (:mod:`adapters.cache_tags`); this listener, on an asyncpg connection of its
own, drops just those entries. The cache is used only while the listener is connected: it starts
bypassed, is emptied and switched on once ``LISTEN`` is in place, and is bypassed again the moment
the connection is lost (a notification sent meanwhile would be missed). A ping every few seconds
notices a connection that died silently; the cache's TTL backstops the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
import structlog
from sqlalchemy.engine import URL

from partnerhub.adapters.cache import CoherentCache
from partnerhub.adapters.cache_tags import CACHE_CHANNEL

log = structlog.get_logger("partnerhub.cache")

# How the listener's connection shows in pg_stat_activity.
APPLICATION_NAME = "partnerhub-cache-listener"
_PING_SECONDS = 5.0
_RETRY_SECONDS = 1.0


class CacheListener:
    def __init__(self, url: URL, cache: CoherentCache) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._cache = cache
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        # Set by close(), and the current connection's wake-up with it: the loop ends on its own
        # even when Python 3.11's ``wait_for`` swallows the task's cancellation (it does when
        # the awaited event fires in the same turn, e.g. the connection dropped as the server
        # shut down), which left close() waiting for ever.
        self._closing = False
        self._wake: asyncio.Event | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._cache.invalidate(payload.split())

    async def _run(self) -> None:
        while not self._closing:
            conn: Any = None
            try:
                conn = await asyncpg.connect(
                    self._dsn, timeout=5, server_settings={"application_name": APPLICATION_NAME}
                )
                lost = self._wake = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(CACHE_CHANNEL, self._on_notify)
                self._cache.set_enabled(True)  # empties it: we may have missed notifications
                self.connected.set()
                while not lost.is_set() and not self._closing:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), _PING_SECONDS)
                    if not lost.is_set() and not self._closing:
                        await conn.execute("SELECT 1", timeout=_PING_SECONDS)
                if self._closing:
                    return
                log.warning("cache_listener_lost")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the server restarting, a network cut: retry
                log.warning("cache_listener_unavailable", error=str(exc))
            finally:
                self._cache.set_enabled(False)
                self.connected.clear()
                if conn is not None:
                    conn.terminate()
            if not self._closing:
                await asyncio.sleep(_RETRY_SECONDS)

    async def close(self) -> None:
        self._closing = True
        if self._wake is not None:
            self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
