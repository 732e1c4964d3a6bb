"""The webhook outbox: events, deliveries and the attempt log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.adapters.repositories.paging import fetch_page
from partnerhub.domain import ids
from partnerhub.domain.clients.model import Channel
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.webhooks.model import (
    ABANDONED,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    EmulatorState,
    Event,
)


class WebhookRepository:
    """The outbox: events, their deliveries and the attempt log; and the emulator's knobs."""

    COLUMNS: Mapping[str, ColumnElement[Any]] = {
        "id": tables.webhook_deliveries.c.id,
        "event": tables.webhook_deliveries.c.event_type,
        "event_id": tables.webhook_deliveries.c.event_id,
        "status": tables.webhook_deliveries.c.status,
        "created_at": tables.webhook_deliveries.c.created_at,
        "next_attempt_at": tables.webhook_deliveries.c.next_attempt_at,
        "attempt_count": tables.webhook_deliveries.c.attempt_count,
        "destination": tables.webhook_deliveries.c.destination,
    }

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_events(self, rows: list[dict[str, Any]]) -> None:
        await self._session.execute(insert(tables.webhook_events), rows)

    async def insert_deliveries(self, rows: list[dict[str, Any]]) -> None:
        await self._session.execute(insert(tables.webhook_deliveries), rows)

    async def get_delivery(self, partner_id: str, delivery_id: str) -> Delivery | None:
        delivery = await self._session.get(Delivery, delivery_id)
        if delivery is None or delivery.partner_id != partner_id:
            return None
        return delivery

    async def list_deliveries(
        self,
        partner_id: str,
        query: ListQuery,
        created_after: datetime | None,
        created_before: datetime | None,
    ) -> tuple[list[Delivery], int]:
        c = tables.webhook_deliveries.c
        statement = select(Delivery).where(c.partner_id == partner_id)
        if created_after is not None:
            statement = statement.where(c.created_at >= created_after)
        if created_before is not None:
            statement = statement.where(c.created_at < created_before)
        return await fetch_page(self._session, statement, query, self.COLUMNS)

    async def attempts_for(self, delivery_ids: Sequence[str]) -> dict[str, list[DeliveryAttempt]]:
        if not delivery_ids:
            return {}
        c = tables.webhook_attempts.c
        statement = (
            select(DeliveryAttempt)
            .where(c.delivery_id.in_(delivery_ids))
            .order_by(c.attempted_at, c.id)
        )
        grouped: dict[str, list[DeliveryAttempt]] = {d: [] for d in delivery_ids}
        for attempt in (await self._session.scalars(statement)).all():
            grouped[attempt.delivery_id].append(attempt)
        return grouped

    async def claim_due(
        self, now: datetime, lease_until: datetime, limit: int, *, main_only: bool = False
    ) -> list[tuple[str, str]]:
        """Lease up to ``limit`` due deliveries and open an attempt for each.

        Returns ``(delivery_id, attempt_id)`` pairs. On PostgreSQL ``SKIP LOCKED`` lets any
        number of workers claim side by side without waiting on each other; SQLite serialises
        writers, which has the same effect. A worker that dies keeps its lease only until
        ``lease_until``; whoever claims the delivery next closes the attempt it left open as
        abandoned, so the log accounts for every request that may have reached the receiver.
        ``main_only``: leave ``/multi_webhook`` copies for later (too many are in flight).
        """
        d, a = tables.webhook_deliveries, tables.webhook_attempts
        due = (
            select(d.c.id)
            .where(
                d.c.status == DeliveryStatus.PENDING,
                d.c.next_attempt_at <= now,
                or_(d.c.lease_until.is_(None), d.c.lease_until < now),
                *([d.c.destination.is_(None)] if main_only else []),
            )
            .order_by(d.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        result = await self._session.execute(
            update(d)
            .where(d.c.id.in_(due.scalar_subquery()))
            .values(
                lease_until=lease_until,
                attempt_count=d.c.attempt_count + 1,
                last_attempt_at=now,
            )
            .returning(d.c.id)
        )
        claimed = [row[0] for row in result.all()]
        if not claimed:
            return []
        abandoned = await self._session.execute(
            update(a)
            .where(a.c.delivery_id.in_(claimed), a.c.finished_at.is_(None))
            .values(finished_at=now, error=ABANDONED)
            .returning(a.c.delivery_id)
        )
        retaken = [row[0] for row in abandoned.all()]
        if retaken:
            # A worker's death is not the receiver's failure: it does not use up the schedule.
            await self._session.execute(
                update(d).where(d.c.id.in_(retaken)).values(attempt_count=d.c.attempt_count - 1)
            )
        pairs = [(delivery_id, ids.new_id("AT", 14)) for delivery_id in claimed]
        await self._session.execute(
            insert(a),
            [
                {
                    "id": attempt_id,
                    "delivery_id": delivery_id,
                    "attempted_at": now,
                    "latency_ms": 0.0,
                    "request_headers": {},
                }
                for delivery_id, attempt_id in pairs
            ],
        )
        return pairs

    async def load_claimed(
        self, delivery_ids: Sequence[str]
    ) -> list[tuple[Delivery, Event, Partner, Channel | None]]:
        """Each claimed delivery with its event, partner and, for a Messaging API webhook, the
        channel whose messaging webhook URL it goes to."""
        d, e, p = tables.webhook_deliveries.c, tables.webhook_events.c, tables.partners.c
        statement = (
            select(Delivery, Event, Partner)
            .join(Event, e.id == d.event_id)
            .join(Partner, p.id == d.partner_id)
            .where(d.id.in_(delivery_ids))
        )
        rows = [(r[0], r[1], r[2]) for r in (await self._session.execute(statement)).all()]
        channel_ids = {event.channel_id for _, event, _ in rows if event.channel_id}
        channels: dict[str, Channel] = {}
        if channel_ids:
            found = await self._session.scalars(
                select(Channel).where(tables.channels.c.id.in_(channel_ids))
            )
            channels = {c.id: c for c in found.all()}
        return [
            (delivery, event, partner, channels.get(event.channel_id or ""))
            for delivery, event, partner in rows
        ]

    async def emulator_state(self) -> EmulatorState:
        state = await self._session.get(EmulatorState, 1)
        if state is None:
            # Processes starting together (``serve --workers N``) all find no row: insert it
            # only if it is still missing, then read whichever insert won.
            bind = self._session.bind
            make_insert = (
                postgresql.insert
                if bind is not None and bind.dialect.name == "postgresql"
                else sqlite.insert
            )
            defaults = EmulatorState(id=1)
            await self._session.execute(
                make_insert(tables.emulator_state)
                .values(
                    id=1,
                    clock_offset_seconds=defaults.clock_offset_seconds,
                    clock_epoch=defaults.clock_epoch,
                    fail_next=defaults.fail_next,
                    fail_status=defaults.fail_status,
                    delay_ms=defaults.delay_ms,
                )
                .on_conflict_do_nothing(index_elements=["id"])
            )
            state = await self._session.get(EmulatorState, 1)
            assert state is not None  # inserted above, or by the process that won
        return state

    async def delete_all_events(self) -> None:
        await self._session.execute(delete(tables.webhook_attempts))
        await self._session.execute(delete(tables.webhook_deliveries))
        await self._session.execute(delete(tables.webhook_events))
