"""Writing events inside the caller's unit of work: they commit with the change, or not at all."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from partnerhub.domain import ids
from partnerhub.domain.clients.model import Channel
from partnerhub.domain.clock import Clock
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks.model import Delivery, DeliveryStatus, Event
from partnerhub.wire import events as wire

EVENT_ID_SUFFIX = "EV"
DELIVERY_ID_SUFFIX = "WD"


@dataclass(frozen=True)
class Emitted:
    event: Event
    delivery: Delivery | None  # None when the partner has no live webhook URL


def new_event_id() -> str:
    """The id of a new partner event: stable across its retries, what receivers dedupe on."""
    return ids.new_id(EVENT_ID_SUFFIX, 16)


async def emit(uow: UnitOfWork, clock: Clock, partner: Partner, event: wire.Event) -> Emitted:
    """Record ``event`` for ``partner`` and, if it has a live webhook URL, a delivery.

    Nothing is sent here: the delivery engine picks the row up after the commit. The caller's
    ``commit()`` makes the event real; a rollback leaves no trace of it.
    """
    return (await emit_many(uow, clock, partner, [event]))[0]


async def emit_many(
    uow: UnitOfWork, clock: Clock, partner: Partner, events: Sequence[wire.Event]
) -> list[Emitted]:
    """:func:`emit` for several events at once: two flushes in all, not two per event.

    The stored body is :func:`wire.events.encode_event`'s: what is signed and sent, on every
    retry."""
    live = bool(partner.webhook_url) and partner.webhook_disabled_at is None
    specs = [
        _Spec(event.id, partner.id, None, event.event, wire.encode_event(event).decode(), live)
        for event in events
    ]
    return await _write(uow, clock, specs)


async def emit_to_channels(
    uow: UnitOfWork, clock: Clock, events: Sequence[tuple[Channel, str, Any]]
) -> list[Emitted]:
    """Messaging API webhooks: each payload goes, exactly as given (Cloud API shape, no
    envelope), to its channel's messaging webhook URL, through the same outbox and engine as
    partner events. A channel without a messaging webhook URL gets the event logged only."""
    specs = [
        _Spec(
            new_event_id(),
            channel.partner_id,
            channel.id,
            event_type,
            msgspec.json.encode(payload).decode(),
            bool(channel.messaging_webhook_url),
        )
        for channel, event_type, payload in events
    ]
    return await _write(uow, clock, specs)


@dataclass(frozen=True)
class _Spec:
    event_id: str
    partner_id: str
    channel_id: str | None
    type: str
    body: str
    live: bool  # there is a URL to deliver to


async def _write(uow: UnitOfWork, clock: Clock, specs: Sequence[_Spec]) -> list[Emitted]:
    """Insert the events, then their deliveries: two statements whatever their number (Core
    inserts, not ORM objects: a simulator round may write hundreds at once)."""
    now = clock.now()
    emitted: list[Emitted] = []
    for spec in specs:
        event = Event(
            id=spec.event_id,
            partner_id=spec.partner_id,
            type=spec.type,
            body=spec.body,
            created_at=now,
            channel_id=spec.channel_id,
        )
        delivery = None
        if spec.live:
            delivery = Delivery(
                id=ids.new_id(DELIVERY_ID_SUFFIX, 12),
                event_id=spec.event_id,
                partner_id=spec.partner_id,
                event_type=spec.type,
                status=DeliveryStatus.PENDING,
                created_at=now,
                next_attempt_at=now,
            )
        emitted.append(Emitted(event, delivery))
    if not emitted:
        return emitted
    await uow.webhooks.insert_events([_row(item.event) for item in emitted])
    live = [_row(item.delivery) for item in emitted if item.delivery is not None]
    if live:
        await uow.webhooks.insert_deliveries(live)
        uow.outbox_written = True
    return emitted


def _row(item: Event | Delivery) -> dict[str, Any]:
    """A flat dataclass as an INSERT row; ``dataclasses.asdict`` would deep-copy every value."""
    return {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
