"""Retention: what a hub may forget, deleted in small batches, and the size of what it keeps.

Without it nothing is ever deleted: webhook events, their deliveries and attempts, and messages
grow without bound, so every hub slows down and fills its disk over weeks. The worker loop (the
embedded one in ``serve``, and every ``partnerhub worker``) calls :meth:`Retention.run_due`
after its rounds; at most every ``interval_seconds`` (on the injected clock, so the emulator's
virtual clock makes it due at once) it deletes, older than ``days``:

- **webhook events whose every delivery is ``delivered``** (or that had no URL to go to: logged
  only), with their deliveries and attempts. An event with a pending or failed delivery is kept
  whatever its age: it is not delivered, and a partner may still retry it.
- **messages whose statuses are finished** (``next_status_at`` is null: no simulated status is
  still to come, so no charge is still to be made). Their status webhooks are events above.
- **Flow endpoint requests** (``flow_endpoint_requests``, what a Flow's metrics count): the
  metrics then reach back as far as the window.

Kept whatever their age: usage records (``usage_records``, what the usage reports and billing
read; a message's cost is recorded there when it is charged, never read back from the message),
balances, contacts (the 24-hour windows), and everything that is not a log.

Each batch (``batch_size`` rows, chosen by primary key from an index on the age column, read
before any write lock) is its own short transaction, and a run stops after ``max_batches``
batches and comes back at the next round, so neither the writers of the API nor the delivery
rounds wait behind a long delete. On SQLite a batch queues on the process's write gate like
every other writer.

:meth:`Retention.table_figures` gives ``/metrics`` the row count (PostgreSQL: the planner's
estimate, ``pg_class.reltuples``; SQLite: ``count(*)``) and the oldest row's age of each retained
table, computed at most every ``stats_seconds`` whatever the scrape rate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Column, Select, Table, and_, delete, exists, func, not_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from partnerhub.adapters import tables
from partnerhub.adapters.unit_of_work import sqlite_write_gate
from partnerhub.domain.clock import Clock
from partnerhub.domain.media.services import MediaService
from partnerhub.domain.webhooks.model import DeliveryStatus

log = structlog.get_logger("partnerhub.retention")

_E, _D, _A, _M = (
    tables.webhook_events,
    tables.webhook_deliveries,
    tables.webhook_attempts,
    tables.messages,
)
_FR = tables.flow_endpoint_requests
# The retained tables and the column that says how old a row is.
RETAINED: tuple[tuple[Table, Column[datetime]], ...] = (
    (_E, _E.c.created_at),
    (_D, _D.c.created_at),
    (_A, _A.c.attempted_at),
    (_M, _M.c.created_at),
)


@dataclass(frozen=True)
class RetentionConfig:
    days: float = 30.0  # 0: keep everything
    batch_size: int = 500
    interval_seconds: float = 60.0
    max_batches: int = 20  # per table per run; the rest waits for the next round
    stats_seconds: float = 60.0


@dataclass
class Swept:
    """Rows deleted by one run, per table; ``more``: a batch limit stopped it early."""

    rows: dict[str, int] = field(default_factory=dict)
    more: bool = False

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def add(self, table: Table, count: int) -> None:
        self.rows[table.name] = self.rows.get(table.name, 0) + max(count, 0)


@dataclass(frozen=True)
class TableFigure:
    table: str
    rows: int
    oldest_age_seconds: float


class Retention:
    def __init__(self, engine: AsyncEngine, clock: Clock, config: RetentionConfig) -> None:
        self._engine = engine
        self._clock = clock
        self._config = config
        self._sqlite = engine.dialect.name == "sqlite"
        self._next_run: datetime | None = None
        self._figures: list[TableFigure] = []
        self._figures_at: float | None = None
        # Expired media files (30 days after upload) are deleted here too, rows and bytes.
        self.media: MediaService | None = None

    @property
    def enabled(self) -> bool:
        return self._config.days > 0

    async def run_due(self) -> int:
        """Sweep if the interval has passed (or the last run stopped at its batch limit)."""
        now = self._clock.now()
        if not self.enabled or self._waiting(now):
            return 0
        swept = await self.sweep(now)
        pause = 0.0 if swept.more else self._config.interval_seconds
        self._next_run = now + timedelta(seconds=pause)
        if swept.total:
            log.info("retention_swept", deleted=swept.rows, more=swept.more)
        return swept.total

    def _waiting(self, now: datetime) -> bool:
        """Before the next run; a clock set back (the emulator's reset to real time) does not
        postpone it by the distance it jumped."""
        if self._next_run is None or now >= self._next_run:
            return False
        return (self._next_run - now).total_seconds() <= self._config.interval_seconds

    async def sweep(self, now: datetime | None = None) -> Swept:
        """Delete what is older than the window, batch after batch (see the module)."""
        swept = Swept()
        if not self.enabled:
            return swept
        cutoff = (now or self._clock.now()) - timedelta(days=self._config.days)
        for batch in (self._events_batch, self._messages_batch, self._flow_requests_batch):
            for _ in range(self._config.max_batches):
                if await batch(cutoff, swept) < self._config.batch_size:
                    break
                await asyncio.sleep(0)  # let the requests and rounds waiting for the gate in
            else:
                swept.more = True
        if self.media is not None:
            for _ in range(self._config.max_batches):
                count = await self.media.sweep_expired(
                    now or self._clock.now(), self._config.batch_size
                )
                swept.rows["media_files"] = swept.rows.get("media_files", 0) + count
                if count < self._config.batch_size:
                    break
            else:
                swept.more = True
        return swept

    async def _choose(self, chosen: Select[Any]) -> list[str]:
        """A batch's ids, read before any write lock is taken: a round with nothing old to
        delete (most rounds) costs one indexed read and blocks no writer, even on SQLite. The
        deletes check their conditions again."""
        async with self._engine.connect() as conn:
            return [str(found) for found in (await conn.execute(chosen)).scalars()]

    async def _write(self) -> asyncio.Lock | None:
        if not self._sqlite:
            return None
        gate = sqlite_write_gate(self._engine)
        await gate.acquire()
        return gate

    async def _batch(
        self, chosen: Select[Any], remove: Callable[[AsyncConnection, list[str]], Awaitable[None]]
    ) -> int:
        """Delete one batch: the ids ``chosen`` (at most ``batch_size``, oldest first), then
        ``remove`` them in one transaction; the count chosen (less than a batch: the last).

        Batches are small so that each is a short transaction: a long delete would hold its
        locks (on SQLite, the process's one write gate) while the API's writers and the
        delivery rounds wait behind it. A run takes several and yields between them.
        """
        ids = await self._choose(chosen.limit(self._config.batch_size))
        if not ids:
            return 0
        gate = await self._write()
        try:
            async with self._engine.begin() as conn:
                await remove(conn, ids)
                return len(ids)
        finally:
            if gate is not None:
                gate.release()

    async def _events_batch(self, cutoff: datetime, swept: Swept) -> int:
        undelivered = exists().where(
            _D.c.event_id == _E.c.id, _D.c.status != DeliveryStatus.DELIVERED
        )
        chosen = (
            select(_E.c.id)
            .where(_E.c.created_at < cutoff, not_(undelivered))
            .order_by(_E.c.created_at)
        )

        async def remove(conn: AsyncConnection, ids: list[str]) -> None:
            # Only delivered deliveries go, checked again here: a delivery retried (made
            # pending again) since the choice keeps its event.
            delivered = select(_D.c.id).where(
                _D.c.event_id.in_(ids), _D.c.status == DeliveryStatus.DELIVERED
            )
            swept.add(_A, await _count(conn, delete(_A).where(_A.c.delivery_id.in_(delivered))))
            swept.add(
                _D,
                await _count(
                    conn,
                    delete(_D).where(
                        _D.c.event_id.in_(ids), _D.c.status == DeliveryStatus.DELIVERED
                    ),
                ),
            )
            left = exists().where(_D.c.event_id == _E.c.id)
            swept.add(_E, await _count(conn, delete(_E).where(_E.c.id.in_(ids), not_(left))))

        return await self._batch(chosen, remove)

    async def _messages_batch(self, cutoff: datetime, swept: Swept) -> int:
        chosen = (
            select(_M.c.id)
            .where(and_(_M.c.created_at < cutoff, _M.c.next_status_at.is_(None)))
            .order_by(_M.c.created_at)
        )

        async def remove(conn: AsyncConnection, ids: list[str]) -> None:
            # Checked again: nothing gives a finished message a next status today, but a
            # row that has one must not go.
            count = await _count(
                conn, delete(_M).where(_M.c.id.in_(ids), _M.c.next_status_at.is_(None))
            )
            swept.add(_M, count)

        return await self._batch(chosen, remove)

    async def _flow_requests_batch(self, cutoff: datetime, swept: Swept) -> int:
        chosen = select(_FR.c.id).where(_FR.c.at < cutoff).order_by(_FR.c.at)

        async def remove(conn: AsyncConnection, ids: list[str]) -> None:
            swept.add(_FR, await _count(conn, delete(_FR).where(_FR.c.id.in_(ids))))

        return await self._batch(chosen, remove)

    async def table_figures(self) -> list[TableFigure]:
        """Rows and oldest row age per retained table, recomputed at most every
        ``stats_seconds`` (real time) however often ``/metrics`` is scraped."""
        fresh_for = self._config.stats_seconds
        if self._figures_at is not None and time.monotonic() - self._figures_at < fresh_for:
            return self._figures
        now = self._clock.now()
        figures = []
        async with self._engine.connect() as conn:
            for table, age in RETAINED:
                rows = await self._rows(conn, table)
                oldest = await _oldest(conn, table, age)
                age_seconds = 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())
                figures.append(TableFigure(table.name, rows, age_seconds))
        self._figures, self._figures_at = figures, time.monotonic()
        return figures

    async def _rows(self, conn: AsyncConnection, table: Table) -> int:
        if not self._sqlite:
            estimate = (
                await conn.execute(
                    text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)"),
                    {"name": table.name},
                )
            ).scalar()
            if estimate is not None and estimate >= 0:  # -1: never analyzed yet
                return int(estimate)
        return int((await conn.execute(select(func.count()).select_from(table))).scalar() or 0)


# The messages in flight that /metrics reads for the oldest: the soonest due, a bounded read
# however big a backlog of statuses grows.
_IN_FLIGHT_SAMPLE = 1000


async def _oldest(conn: AsyncConnection, table: Table, age: Column[datetime]) -> datetime | None:
    """The table's oldest row by ``age``. Messages have no index on every age (migration 0032):
    the older of the oldest finished one (the partial index retention reads) and the oldest of
    the :data:`_IN_FLIGHT_SAMPLE` due soonest. Each status is due a step after the last, so the
    oldest message in flight is among the soonest due, or its age is off by a few status steps,
    where the figure watches for days."""
    if table is not _M:
        return (await conn.execute(select(func.min(age)))).scalar()
    finished = select(func.min(age)).where(_M.c.next_status_at.is_(None))
    soonest = (
        select(age.label("age"))
        .where(_M.c.next_status_at.is_not(None))
        .order_by(_M.c.next_status_at)
        .limit(_IN_FLIGHT_SAMPLE)
        .subquery()
    )
    in_flight = select(func.min(soonest.c.age))
    found = [(await conn.execute(query)).scalar() for query in (finished, in_flight)]
    return min((at for at in found if at is not None), default=None)


async def _count(conn: AsyncConnection, statement: object) -> int:
    result = await conn.execute(statement)  # type: ignore[call-overload]
    return int(result.rowcount)
