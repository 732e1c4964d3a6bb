"""Per-partner, per-status channel counts, kept in step with the ``channels`` table.

Why: every channel list answers with ``total`` (spec §3.3). ``COUNT(*)`` over a partner's
channels grows with their number — at a million channels it dominates the request — while the
page itself is read off an index in constant time. So each change to a channel's status also
moves a counter, in the same transaction, and a list filtered by nothing but ``status`` reads
its total from one row.

How: a ``before_flush`` hook notes +1/-1 per (partner, status) for every channel the session
inserts, deletes or moves to another status; :func:`apply` writes the net deltas just before the
commit, in sorted key order, so two transactions moving channels of one partner take the
counter rows' locks in the same order and cannot deadlock on PostgreSQL. Every write of the
application goes through the ORM (the emulator's seed too: its wipe empties the counters, its
inserts count themselves); a bulk load that bypasses it (``bench/lists.py``) calls
:func:`recount`. Deleting channels through a database ``ON DELETE CASCADE`` would bypass the
hook: nothing does today, and whatever starts to must call :func:`recount` too.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Select, delete, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from partnerhub.adapters import tables
from partnerhub.domain.clients.model import Channel

_DELTAS = "partnerhub.channel_count_deltas"
_COUNTS = tables.channel_counts
_CHANNELS = tables.channels.c


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    deltas: Counter[tuple[str, str]] = session.info.setdefault(_DELTAS, Counter())
    for item in session.new:
        if isinstance(item, Channel):
            deltas[(item.partner_id, str(item.status))] += 1
    for item in session.deleted:
        if isinstance(item, Channel):
            history = inspect(item).attrs.status.history
            old = history.deleted[0] if history.deleted else item.status
            deltas[(item.partner_id, str(old))] -= 1
    for item in session.dirty:
        if isinstance(item, Channel):
            state = inspect(item).attrs
            history = state.status.history
            owners = state.partner_id.history  # a partner change moves the channel (issue 18)
            if (history.added and history.deleted) or (owners.added and owners.deleted):
                old_status = history.deleted[0] if history.deleted else item.status
                old_owner = owners.deleted[0] if owners.deleted else item.partner_id
                deltas[(str(old_owner), str(old_status))] -= 1
                deltas[(item.partner_id, str(item.status))] += 1


async def apply(session: AsyncSession) -> None:
    """Write the deltas noted since the last call; call after the final flush, before commit."""
    deltas: Counter[tuple[str, str]] | None = session.info.pop(_DELTAS, None)
    if not deltas:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for (partner_id, status), change in sorted(deltas.items()):
        if change == 0:
            continue
        statement = insert(_COUNTS).values(partner_id=partner_id, status=status, n=change)
        statement = statement.on_conflict_do_update(
            index_elements=[_COUNTS.c.partner_id, _COUNTS.c.status],
            set_={"n": _COUNTS.c.n + change},
        )
        await session.execute(statement)


async def recount(executor: AsyncSession | AsyncConnection) -> None:
    """Rebuild every counter from the channels table (after a bulk load that bypassed the ORM)."""
    if isinstance(executor, AsyncSession):
        await executor.flush()
        executor.info.pop(_DELTAS, None)
    await executor.execute(delete(_COUNTS))
    counted = select(_CHANNELS.partner_id, _CHANNELS.status, func.count()).group_by(
        _CHANNELS.partner_id, _CHANNELS.status
    )
    await executor.execute(_COUNTS.insert().from_select(["partner_id", "status", "n"], counted))


def total_query(partner_id: str, status: str | None) -> Select[tuple[int]]:
    """How many channels the partner has (in ``status``, when given), from the counters: a
    statement of its own, or a scalar subquery a list page carries (one round trip)."""
    statement = select(func.coalesce(func.sum(_COUNTS.c.n), 0)).where(
        _COUNTS.c.partner_id == partner_id
    )
    if status is not None:
        statement = statement.where(_COUNTS.c.status == status)
    return statement


async def total(session: AsyncSession, partner_id: str, status: str | None) -> int:
    """How many channels the partner has (in ``status``, when given)."""
    return int(await session.scalar(total_query(partner_id, status)) or 0)
