"""The channel lifecycle (spec §6): cancellation requested and withdrawn, the simulated Meta
review stepping channels on, and the emulator forcing any possible transition.

Every move writes its partner webhook event through :mod:`webhooks.outbox` in the same unit of
work, so the change and its event commit together or not at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from partnerhub.domain.clients import events
from partnerhub.domain.clients.model import (
    LIFECYCLE,
    WABA_STATUS_FOR,
    Channel,
    ChannelStatus,
    Client,
    WabaAccount,
)
from partnerhub.domain.clients.queries import ChannelView, any_channel
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.partners.services import load_partner
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks import outbox
from partnerhub.wire import events as wire


def cancellation_takes_effect(requested_at: datetime) -> datetime:
    """When a cancellation requested at ``requested_at`` takes effect: the end of that calendar
    month (UTC), i.e. the first instant of the next one.

    360dialog's client docs: a cancelled number stays usable "until the end of the month"
    (subscriptions are monthly); the exact rule of its API is not documented (docs/fidelity.md).
    """
    month = requested_at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (
        month.replace(year=month.year + 1, month=1)
        if month.month == 12
        else month.replace(month=month.month + 1)
    )


async def channel_of(
    uow: UnitOfWork, partner_id: str, client_id: str, channel_id: str
) -> tuple[Channel, Client, WabaAccount]:
    channel = await uow.clients.get_channel(partner_id, channel_id, for_update=True)
    if channel is None or channel.client_id != client_id:
        raise NotFound("Channel not found")
    client = await uow.clients.get_client(partner_id, client_id)
    waba = await uow.clients.get_waba(partner_id, channel.waba_account_id)
    assert client is not None and waba is not None
    return channel, client, waba


async def set_cancellation(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    client_id: str,
    channel_id: str,
    enabled: bool,
) -> ChannelView:
    """Request (or withdraw) a cancellation; it takes effect at the end of the month
    (:func:`cancellation_takes_effect`), the date the channel's ``terminated_at`` shows from now
    on, until the request is withdrawn."""
    await uow.lock_for_write()
    channel, client, waba = await channel_of(uow, partner_id, client_id, channel_id)
    if channel.status in (ChannelStatus.TERMINATED, ChannelStatus.CANCELLED):
        raise Conflict("The channel is already terminated")
    now = clock.now()
    if enabled == (channel.cancellation_requested_at is not None):
        return ChannelView(channel, client, waba)  # asking twice changes and emits nothing
    if enabled:
        channel.cancellation_requested_at = now
        channel.cancellation_date = cancellation_takes_effect(now)
        kind: type[wire.CancellationEvent] = wire.CancellationRequest
    else:
        channel.cancellation_requested_at = None
        channel.cancellation_date = None
        kind = wire.CancellationRevoke
    in_review = ChannelStatus(channel.status) in LIFECYCLE
    channel.next_step_at = _next_step(channel, channel.next_step_at if in_review else None)
    channel.modified_at = now
    partner = await load_partner(uow, partner_id)
    await outbox.emit(uow, clock, partner, events.cancellation_event(kind, channel, client, waba))
    await uow.commit()
    return ChannelView(channel, client, waba)


def _next_step(channel: Channel, lifecycle_at: datetime | None) -> datetime | None:
    """When the simulator should next look at this channel: its next review step or its
    cancellation date, whichever comes first."""
    candidates = [moment for moment in (lifecycle_at, channel.cancellation_date) if moment]
    return min(candidates) if candidates else None


async def run_due_steps(
    uow: UnitOfWork, clock: Clock, step_seconds: float, limit: int = 200
) -> int:
    """One simulator round: move every due channel one step on, with its event."""
    await uow.lock_for_write()
    now = clock.now()
    due = await uow.clients.due_steps(now, limit)
    if not due:
        return 0
    for channel in due:
        client = await uow.clients.get_client(channel.partner_id, channel.client_id)
        waba = await uow.clients.get_waba(channel.partner_id, channel.waba_account_id)
        partner = await uow.partners.get(channel.partner_id)
        assert client is not None and waba is not None and partner is not None
        if channel.cancellation_date is not None and channel.cancellation_date <= now:
            channel.status = ChannelStatus.TERMINATED
            # The date it took effect, as announced, even when the simulator runs late.
            channel.terminated_at = channel.cancellation_date
            channel.next_step_at = None
            event: wire.Event = events.cancellation_processed(channel, client, waba)
        else:
            status = ChannelStatus(channel.status)
            if status not in LIFECYCLE:
                channel.next_step_at = _next_step(channel, None)
                continue
            following, _ = LIFECYCLE[status]
            channel.status = following
            if following == ChannelStatus.RUNNING and channel.billing_started_at is None:
                channel.billing_started_at = now
            waba.status = WABA_STATUS_FOR[following]
            waba.modified_at = now
            # From when this step was due, not from now: a clock jump of ten steps' length
            # runs all ten steps, as that much real time would have.
            due_at = channel.next_step_at or now
            in_review = following in LIFECYCLE
            channel.next_step_at = _next_step(
                channel, due_at + timedelta(seconds=step_seconds) if in_review else None
            )
            event = events.channel_event(_STEP_EVENT[following], channel, client, waba)
        channel.modified_at = now
        await outbox.emit(uow, clock, partner, event)
    await uow.commit()
    return len(due)


_ORDER = [
    ChannelStatus.CREATED,
    ChannelStatus.SUBMITTED,
    ChannelStatus.READY,
    ChannelStatus.RUNNING,
    ChannelStatus.LIVE,
]
_RESTRICTED = {ChannelStatus.ACCOUNT_VIOLATION, ChannelStatus.ACCOUNT_RESTRICTION}
# The event a channel reaching each status announces itself with (spec §7).
_STEP_EVENT: dict[ChannelStatus, type[wire.ChannelEvent]] = {
    ChannelStatus.SUBMITTED: wire.ChannelSubmitted,
    ChannelStatus.READY: wire.ChannelReady,
    ChannelStatus.RUNNING: wire.ChannelRunning,
    ChannelStatus.LIVE: wire.ChannelLive,
}
_RESTRICTION_EVENT: dict[ChannelStatus, type[wire.RestrictionEvent]] = {
    ChannelStatus.ACCOUNT_VIOLATION: wire.AccountViolation,
    ChannelStatus.ACCOUNT_RESTRICTION: wire.AccountRestriction,
}
_EVENT_FOR = {**_STEP_EVENT, **_RESTRICTION_EVENT}


def _allowed(current: ChannelStatus, target: ChannelStatus) -> bool:
    """Forward through review; a running or live number can be restricted by Meta; a restricted
    one can be restored to running or live. Nothing goes back, nothing leaves termination."""
    if current in _ORDER and target in _ORDER:
        return _ORDER.index(target) > _ORDER.index(current)
    if target in _RESTRICTED:
        return current in (ChannelStatus.RUNNING, ChannelStatus.LIVE) or (
            current in _RESTRICTED and current != target
        )
    if current in _RESTRICTED:
        return target in (ChannelStatus.RUNNING, ChannelStatus.LIVE)
    return False


async def force_status(
    uow: UnitOfWork,
    clock: Clock,
    channel_id: str,
    target_raw: str,
    violation_type: str | None,
) -> ChannelView:
    """The emulator's hand on the Meta side: any possible transition, with its event."""
    try:
        target = ChannelStatus(target_raw)
    except ValueError:
        allowed = ", ".join(sorted(_EVENT_FOR))
        raise InvalidInput("status", f"must be one of: {allowed}") from None
    if target not in _EVENT_FOR:
        raise InvalidInput("status", f"must be one of: {', '.join(sorted(_EVENT_FOR))}")
    await uow.lock_for_write()
    found = await any_channel(uow, channel_id)
    channel, client, waba = await channel_of(uow, found.partner_id, found.client_id, channel_id)
    current = ChannelStatus(channel.status)
    if not _allowed(current, target):
        raise Conflict(f"A channel cannot go from {current} to {target}")
    now = clock.now()
    channel.status = target
    if target in (ChannelStatus.RUNNING, ChannelStatus.LIVE) and channel.billing_started_at is None:
        channel.billing_started_at = now
    waba.status = WABA_STATUS_FOR[target]
    waba.modified_at = channel.modified_at = now
    # The automatic review goes on from here, unless the emulator has taken the number out of it.
    in_review = target in LIFECYCLE
    channel.next_step_at = _next_step(channel, channel.next_step_at if in_review else None)
    event: wire.Event
    if target in _RESTRICTION_EVENT:
        violation = violation_type or (
            "SPAM" if target == ChannelStatus.ACCOUNT_VIOLATION else "MESSAGING_LIMIT"
        )
        event = events.restriction_event(
            _RESTRICTION_EVENT[target], channel, client, waba, violation
        )
    else:
        event = events.channel_event(_STEP_EVENT[target], channel, client, waba)
    partner = await load_partner(uow, channel.partner_id)
    await outbox.emit(uow, clock, partner, event)
    await uow.commit()
    return ChannelView(channel, client, waba)
