"""What the delivery engine sent, newest first, for ``GET /_emulator/webhooks/sent`` [ours]:
the emulator's own read of the core's delivery tables (attempts joined to their events)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from partnerhub.adapters import tables
from partnerhub.adapters.unit_of_work import UnitOfWork


async def latest(uow: UnitOfWork, limit: int, partner_id: str | None) -> Sequence[Any]:
    """The last ``limit`` attempts (of one partner's deliveries, when given)."""
    a, d, e = tables.webhook_attempts.c, tables.webhook_deliveries.c, tables.webhook_events.c
    statement = (
        select(
            a.attempted_at,
            a.url,
            a.request_headers,
            a.status_code,
            a.error,
            e.body,
            e.id,
            e.type,
            d.partner_id,
            d.id.label("delivery_id"),
        )
        .join(tables.webhook_deliveries, d.id == a.delivery_id)
        .join(tables.webhook_events, e.id == d.event_id)
        .order_by(a.attempted_at.desc(), a.id.desc())
        .limit(limit)
    )
    if partner_id:
        statement = statement.where(d.partner_id == partner_id)
    return (await uow.session.execute(statement)).all()
