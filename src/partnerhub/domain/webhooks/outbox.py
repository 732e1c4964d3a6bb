"""Writing events inside the caller's unit of work: they commit with the change, or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.domain import ids
from partnerhub.domain.clock import Clock
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.webhooks.model import Delivery, DeliveryStatus, Event

EVENT_ID_SUFFIX = "EV"
DELIVERY_ID_SUFFIX = "WD"


@dataclass(frozen=True)
class Emitted:
    event: Event
    delivery: Delivery | None  # None when the partner has no live webhook URL


async def emit(
    uow: UnitOfWork, clock: Clock, partner: Partner, event_type: str, data: Any
) -> Emitted:
    """Record ``event_type`` for ``partner`` and, if it has a live webhook URL, a delivery.

    Nothing is sent here: the delivery engine picks the row up after the commit. The caller's
    ``commit()`` makes the event real; a rollback leaves no trace of it.
    """
    return (await emit_many(uow, clock, partner, [(event_type, data)]))[0]


async def emit_many(
    uow: UnitOfWork, clock: Clock, partner: Partner, events: Sequence[tuple[str, Any]]
) -> list[Emitted]:
    """:func:`emit` for several events at once: two flushes in all, not two per event."""
    now = clock.now()
    live = bool(partner.webhook_url) and partner.webhook_disabled_at is None
    emitted: list[Emitted] = []
    for event_type, data in events:
        event_id = ids.new_id(EVENT_ID_SUFFIX, 16)
        body = msgspec.json.encode({"id": event_id, "event": event_type, "data": data}).decode()
        event = Event(
            id=event_id, partner_id=partner.id, type=event_type, body=body, created_at=now
        )
        delivery = None
        if live:
            delivery = Delivery(
                id=ids.new_id(DELIVERY_ID_SUFFIX, 12),
                event_id=event_id,
                partner_id=partner.id,
                event_type=event_type,
                status=DeliveryStatus.PENDING,
                created_at=now,
                next_attempt_at=now,
            )
        uow.webhooks.add_event(event)
        emitted.append(Emitted(event, delivery))
    await uow.flush()  # no ORM relationships: the events must exist before their deliveries
    for item in emitted:
        if item.delivery is not None:
            uow.webhooks.add_delivery(item.delivery)
    if live:
        await uow.flush()
        uow.outbox_written = True
    return emitted
