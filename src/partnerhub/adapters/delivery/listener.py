"""Wake workers the moment an outbox commit lands, on PostgreSQL (``LISTEN``/``NOTIFY``).

Commits that write the outbox send ``NOTIFY partnerhub_outbox`` in their transaction. Each
worker process listens on its own asyncpg connection and wakes its delivery loop. Polling stays
as the safety net: a lost connection only costs latency until it is re-established.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
import structlog
from sqlalchemy.engine import URL

from partnerhub.adapters.unit_of_work import OUTBOX_CHANNEL

log = structlog.get_logger("partnerhub.delivery")


class OutboxListener:
    def __init__(self, url: URL, on_notify: Callable[[], None]) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._on_notify = on_notify
        self._conn: Any = None

    def _callback(self, *_: Any) -> None:
        self._on_notify()

    async def ensure(self) -> None:
        """Connect (or reconnect after a loss); failures are logged, never raised."""
        if self._conn is not None and not self._conn.is_closed():
            return
        try:
            self._conn = await asyncpg.connect(self._dsn, timeout=5)
            await self._conn.add_listener(OUTBOX_CHANNEL, self._callback)
            self._on_notify()  # catch up on anything committed while we were not listening
        except Exception as exc:  # whatever it is (the server restarting...), polling goes on
            if self._conn is not None:
                self._conn.terminate()
            self._conn = None
            log.warning("outbox_listener_unavailable", error=str(exc))

    async def close(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close()
