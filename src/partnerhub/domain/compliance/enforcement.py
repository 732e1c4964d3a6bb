"""WABA policy enforcement (360dialog "WABA Policy Enforcement"; Meta's ``account_update``).

A violation is a warning: every number of the WABA gets ``account_violation`` with the
``violation_type``. A restriction blocks actions until it expires: the WABA's
``restriction_info`` and status (``account_restriction``) show it, every number gets
``account_restriction`` with the ``restriction_info``, and the send path refuses what it blocks
(131031, :func:`refusal`). When business-initiated messaging stops or starts again, every
number gets ``template_messaging_disabled`` / ``template_messaging_enabled``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from partnerhub.domain.clients.model import Channel, ChannelStatus, Client, WabaAccount
from partnerhub.domain.clock import Clock
from partnerhub.domain.compliance import events, schedule
from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.partners.services import load_partner
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks import outbox

ADD_PHONE_NUMBER = "RESTRICTED_ADD_PHONE_NUMBER_ACTION"
BIZ_INITIATED = "RESTRICTED_BIZ_INITIATED_MESSAGING"
CUSTOMER_INITIATED = "RESTRICTED_CUSTOMER_INITIATED_MESSAGING"
RESTRICTION_TYPES = (ADD_PHONE_NUMBER, BIZ_INITIATED, CUSTOMER_INITIATED)
# [360] "1 or 3-day block on sending business-initiated messages, and adding additional phone
# numbers"; "5 or 7-day block on … business-initiated messages and responding to
# customer-initiated messages, and adding additional phone numbers".
DAY = 86_400
_GONE = (ChannelStatus.TERMINATED, ChannelStatus.CANCELLED)
_MESSAGING = {BIZ_INITIATED, CUSTOMER_INITIATED}


def active(restrictions: list[dict[str, Any]], now: datetime) -> set[str]:
    """The restriction types in force at ``now``."""
    moment = now.timestamp()
    return {r["restriction_type"] for r in restrictions if r["expiration"] > moment}


def templates_blocked(restrictions: list[dict[str, Any]], now: datetime) -> bool:
    """Whether business-initiated (template) messaging is stopped: [ours] by either messaging
    restriction, as 360dialog's 5/7-day block covers business-initiated messages too."""
    return bool(active(restrictions, now) & _MESSAGING)


def refusal(restrictions: list[dict[str, Any]], now: datetime, template: bool) -> str | None:
    """The restriction that blocks a send (a template send is business-initiated, any other
    send answers a customer), or None."""
    types = active(restrictions, now)
    if template and BIZ_INITIATED in types:
        return BIZ_INITIATED
    if not template and CUSTOMER_INITIATED in types:
        return CUSTOMER_INITIATED
    return None


async def _waba(uow: UnitOfWork, waba_id: str) -> WabaAccount:
    found = await uow.clients.wabas_by_id([waba_id])
    waba = found.get(waba_id)
    if waba is None:
        raise NotFound("WABA account not found")
    return waba


async def _numbers(uow: UnitOfWork, waba: WabaAccount) -> tuple[Client, list[Channel]]:
    client = await uow.clients.get_client(waba.partner_id, waba.client_id)
    assert client is not None
    numbers = [
        c
        for c in await uow.clients.channels_of_client(waba.client_id)
        if c.waba_account_id == waba.id and c.status not in _GONE
    ]
    return client, sorted(numbers, key=lambda c: (c.created_at, c.id))


async def violate(uow: UnitOfWork, clock: Clock, waba_id: str, violation_type: str) -> int:
    """Meta warns the WABA: ``account_violation`` for each of its numbers. Returns how many."""
    if not violation_type.strip():
        raise InvalidInput("violation_type", "is required")
    await uow.lock_for_write()
    waba = await _waba(uow, waba_id)
    client, numbers = await _numbers(uow, waba)
    partner = await load_partner(uow, waba.partner_id)
    for channel in numbers:
        await outbox.emit(
            uow, clock, partner, events.violation(channel, client, waba, violation_type)
        )
    await uow.commit()
    return len(numbers)


async def restrict(
    uow: UnitOfWork,
    clock: Clock,
    waba_id: str,
    restriction_types: list[str],
    duration_seconds: float,
    violation_type: str,
) -> WabaAccount:
    """Meta restricts the WABA for ``duration_seconds``; a type already in force gets the new
    expiration."""
    if not restriction_types:
        raise InvalidInput("restriction_types", "must name at least one restriction")
    for kind in restriction_types:
        if kind not in RESTRICTION_TYPES:
            raise InvalidInput("restriction_types", f"must be among {', '.join(RESTRICTION_TYPES)}")
    if not 1 <= duration_seconds <= 365 * DAY:
        raise InvalidInput("duration_seconds", "must be between 1 second and 365 days")
    await uow.lock_for_write()
    waba = await _waba(uow, waba_id)
    client, numbers = await _numbers(uow, waba)
    now = clock.now()
    expiration = int((now + timedelta(seconds=duration_seconds)).timestamp())
    blocked_before = templates_blocked(waba.restriction_info, now)
    kept = [
        r
        for r in waba.restriction_info
        if r["restriction_type"] not in restriction_types and r["expiration"] > now.timestamp()
    ]
    added = [
        {"restriction_type": k, "expiration": expiration} for k in dict.fromkeys(restriction_types)
    ]
    waba.restriction_info = sorted(
        kept + added, key=lambda r: RESTRICTION_TYPES.index(r["restriction_type"])
    )
    waba.status = "account_restriction"
    waba.modified_at = now
    blocked_now = templates_blocked(waba.restriction_info, now)
    partner = await load_partner(uow, waba.partner_id)
    for channel in numbers:
        channel.restrictions = [dict(r) for r in waba.restriction_info]
        channel.compliance_due_at = schedule.next_due(channel)
        channel.modified_at = now
        await outbox.emit(
            uow, clock, partner, events.restriction(channel, client, waba, violation_type)
        )
        if blocked_now and not blocked_before:
            await outbox.emit(
                uow, clock, partner, events.template_messaging(False, channel, client, waba)
            )
    await uow.commit()
    return waba


async def expire_due(uow: UnitOfWork, clock: Clock, waba_id: str, now: datetime) -> bool:
    """Drop the WABA's expired restrictions; ``template_messaging_enabled`` for each number
    when business-initiated messaging is allowed again. Returns whether anything ended."""
    waba = await _waba(uow, waba_id)
    still = [r for r in waba.restriction_info if r["expiration"] > now.timestamp()]
    client, numbers = await _numbers(uow, waba)
    changed = [c for c in numbers if c.restrictions != still]
    if still == waba.restriction_info and not changed:
        return False
    # What is stored was in force until it expired: expired entries are only dropped here.
    was_blocked = any(r["restriction_type"] in _MESSAGING for r in waba.restriction_info)
    waba.restriction_info = still
    if not still and waba.status == "account_restriction":
        waba.status = "approved"
    waba.modified_at = now
    partner = await load_partner(uow, waba.partner_id)
    reopened = was_blocked and not templates_blocked(still, now)
    for channel in numbers:
        channel.restrictions = [dict(r) for r in still]
        channel.compliance_due_at = schedule.next_due(channel)
        channel.modified_at = now
        if reopened:
            await outbox.emit(
                uow, clock, partner, events.template_messaging(True, channel, client, waba)
            )
    return True
