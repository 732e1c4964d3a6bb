"""Balances and usage: debiting the payer of delivered messages, and reporting both (spec §4).

Who pays [ours, after 360dialog's two billing models]: on a partner-paid hub
(``partner.billing_model == "partner"``) every message is debited from the partner's prepaid
balance; on a direct-paid hub (``"direct"``) from the client's own balance. The client balance
endpoint reports the balance that pays for that client's messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from partnerhub.domain import ids
from partnerhub.domain.billing.model import (
    DEFAULT_CURRENCY,
    MICROS,
    Balance,
    Funds,
    InitiatedBy,
    Payer,
    PeriodUsage,
    PricingCategory,
    PricingType,
    UsagePoint,
    UsageRecord,
    to_micros,
    validate_currency,
)
from partnerhub.domain.billing.prices import PRICE_MICROS, default_cost_micros
from partnerhub.domain.billing.queries import UsageWindow, parse_country
from partnerhub.domain.clients.model import Channel, Client
from partnerhub.domain.clients.queries import any_channel
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.partners.services import load_partner
from partnerhub.domain.ports import RateLimits, UnitOfWork
from partnerhub.domain.ratelimit import Rule

MAX_VOLUME = 1_000_000
# spec §3.5 [360]: the client balance endpoint allows 5 requests per 30 seconds, per client.
CLIENT_BALANCE_LIMIT = Rule("client_balance", 5, 30)


def payer_of(partner: Partner) -> Payer:
    return Payer.CLIENT if partner.billing_model == "direct" else Payer.PARTNER


async def _funds(uow: UnitOfWork, owner_id: str) -> Funds:
    """A balance never set or debited is zero, in the default currency."""
    balance = await uow.billing.get_balance(owner_id)
    if balance is None:
        return Funds(0, DEFAULT_CURRENCY)
    return Funds(
        balance.total_micros,
        balance.currency,
        balance.last_renewal_at,
        balance.last_renewal_micros,
    )


async def partner_balance(uow: UnitOfWork, partner_id: str) -> Funds:
    await load_partner(uow, partner_id)
    return await _funds(uow, partner_id)


async def _set(
    uow: UnitOfWork,
    clock: Clock,
    owner_id: str,
    partner_id: str,
    client_id: str | None,
    total_micros: int,
    currency: str,
) -> Funds:
    now = clock.now()
    balance = await uow.billing.get_balance(owner_id)
    previous = 0 if balance is None else balance.total_micros
    if balance is None:
        balance = Balance(owner_id, partner_id, total_micros, currency, now, client_id)
        uow.billing.add_balance(balance)
    else:
        balance.total_micros, balance.currency = total_micros, currency
        balance.modified_at = now
    # A top-up that raises the balance is a renewal (``last_renewal`` of the client balance
    # report); a correction downwards is not.
    if total_micros > previous:
        balance.last_renewal_at, balance.last_renewal_micros = now, total_micros - previous
    await uow.commit()
    return Funds(
        balance.total_micros,
        balance.currency,
        balance.last_renewal_at,
        balance.last_renewal_micros,
    )


async def set_partner_balance(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    total: float | int | Decimal,
    currency: str | None = None,
) -> Funds:
    """The emulator's top-up: the partner's balance becomes ``total`` (not ``+= total``)."""
    micros = to_micros("total", total, allow_negative=True)
    code = None if currency is None else validate_currency(currency)
    await load_partner(uow, partner_id)
    current = await _funds(uow, partner_id)
    return await _set(uow, clock, partner_id, partner_id, None, micros, code or current.currency)


async def set_client_balance(
    uow: UnitOfWork, clock: Clock, client_id: str, total: float | int | Decimal
) -> Funds:
    """A direct-paid client's own balance, in its partner's currency."""
    micros = to_micros("total", total, allow_negative=True)
    partner_id = await uow.clients.owner_of_client(client_id)
    if partner_id is None:
        raise NotFound("Client not found")
    partner = await load_partner(uow, partner_id)
    if payer_of(partner) != Payer.CLIENT:
        raise Conflict(
            "Clients of a partner-paid hub have no balance of their own; set the partner's"
        )
    currency = (await _funds(uow, partner_id)).currency
    return await _set(uow, clock, client_id, partner_id, client_id, micros, currency)


@dataclass(frozen=True)
class ClientBalanceReport:
    funds: Funds
    window: UsageWindow
    usage: list[PeriodUsage]
    # What one marketing template message costs at this hub (the price a partner budgets a
    # template send with); see :func:`template_price_micros`.
    estimated_template_cost_micros: int = 0


async def _client(uow: UnitOfWork, partner_id: str, client_id: str) -> Client:
    client = await uow.clients.get_client(partner_id, client_id)
    if client is None:
        raise NotFound("Client not found")
    return client


async def client_balance(
    uow: UnitOfWork,
    limits: RateLimits,
    partner_id: str,
    client_id: str,
    window: UsageWindow,
    prices: Mapping[str, float] | None = None,
) -> ClientBalanceReport:
    """The balance that pays for the client's messages, and its usage per day or month.

    ``prices`` are the hub's configured prices per category (``PARTNERHUB_MESSAGE_PRICES``),
    which the estimated template cost follows as sending does.

    Counted against :data:`CLIENT_BALANCE_LIMIT` once the client is known to be the caller's:
    another partner cannot spend a client's budget, and unknown ids cost no limiter memory.
    """
    client = await _client(uow, partner_id, client_id)
    await limits.hit(CLIENT_BALANCE_LIMIT, client.id)
    partner = await load_partner(uow, partner_id)
    payer_id = client.id if payer_of(partner) == Payer.CLIENT else partner.id
    funds = await _funds(uow, payer_id)
    usage = await uow.billing.usage_by_period(
        client.id, window.start, window.end_exclusive, window.granularity
    )
    return ClientBalanceReport(funds, window, usage, template_price_micros(prices or {}))


def template_price_micros(prices: Mapping[str, float]) -> int:
    """[ours] ``estimated_template_cost``: the price of one marketing template message, the
    configured one or the default table's (a business-initiated template, the kind whose cost
    a partner estimates before a send; utility and authentication ones cost less)."""
    configured = prices.get(PricingCategory.MARKETING.value)
    if configured is not None:
        return round(configured * MICROS)  # as a delivered message is charged
    return PRICE_MICROS[PricingCategory.MARKETING]


@dataclass(frozen=True)
class ChannelUsageReport:
    waba_external_id: str
    points: list[UsagePoint]


async def channel_usage(
    uow: UnitOfWork,
    partner_id: str,
    client_id: str,
    channel_id: str,
    window: UsageWindow,
    countries: frozenset[str] | None,
) -> ChannelUsageReport:
    channel = await uow.clients.get_channel(partner_id, channel_id)
    if channel is None or channel.client_id != client_id:
        raise NotFound("Channel not found")
    waba = await uow.clients.get_waba(partner_id, channel.waba_account_id)
    assert waba is not None
    points = await uow.billing.usage_points(
        channel.id, window.start, window.end_exclusive, window.granularity, countries
    )
    return ChannelUsageReport(waba.external_id, points)


@dataclass(frozen=True)
class NewUsage:
    """Delivered messages to record. ``cost`` None: the default price (see ``prices.py``)."""

    country: str
    pricing_category: str
    pricing_type: str = PricingType.REGULAR
    initiated_by: str = InitiatedBy.BUSINESS
    volume: int = 1
    cost: float | int | Decimal | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class RecordedUsage:
    record: UsageRecord
    payer: Payer
    balance: Funds


E = TypeVar("E", PricingCategory, PricingType, InitiatedBy)


def _choice(field: str, raw: str, enum: type[E]) -> E:
    try:
        return enum(raw.strip().lower() if enum is InitiatedBy else raw.strip().upper())
    except ValueError:
        raise InvalidInput(field, f"must be one of: {', '.join(enum)}") from None


async def record_usage(
    uow: UnitOfWork, clock: Clock, channel_id: str, usage: NewUsage, *, commit: bool = True
) -> RecordedUsage:
    """Record delivered messages and debit their cost from the payer, in one transaction.

    The messaging API calls this when messages are delivered (with ``commit=False`` when it
    writes more in the same unit of work); the emulator calls it to fake traffic. A balance
    may go below zero: whether to stop sending then is the caller's decision, not this one's.
    """
    country = parse_country("country", usage.country)
    category = _choice("pricing_category", usage.pricing_category, PricingCategory)
    pricing_type = _choice("pricing_type", usage.pricing_type, PricingType)
    initiated_by = _choice("initiated_by", usage.initiated_by, InitiatedBy)
    if isinstance(usage.volume, bool) or not 1 <= usage.volume <= MAX_VOLUME:
        raise InvalidInput("volume", f"must be between 1 and {MAX_VOLUME}")
    if usage.cost is None:
        cost = default_cost_micros(category, pricing_type, usage.volume)
    else:
        cost = to_micros("cost", usage.cost, allow_negative=False)
        if cost and pricing_type != PricingType.REGULAR:
            raise InvalidInput("cost", f"must be 0 for the free pricing type {pricing_type}")
    channel = await any_channel(uow, channel_id)
    partner = await load_partner(uow, channel.partner_id)
    payer = payer_of(partner)
    now = clock.now()
    record = UsageRecord(
        id=ids.new_id(ids.USAGE_RECORD, 14),
        partner_id=partner.id,
        client_id=channel.client_id,
        channel_id=channel.id,
        occurred_at=usage.at or now,
        country=country,
        pricing_category=category,
        pricing_type=pricing_type,
        initiated_by=initiated_by,
        volume=usage.volume,
        cost_micros=cost,
        paid_by=payer,
    )
    uow.billing.add_usage(record)
    await uow.flush()
    # A balance debited before it was ever set starts at zero in the partner's currency.
    currency = (await _funds(uow, partner.id)).currency
    if payer == Payer.CLIENT:
        funds = await uow.billing.debit(
            channel.client_id, partner.id, channel.client_id, cost, currency, now
        )
    else:
        funds = await uow.billing.debit(partner.id, partner.id, None, cost, currency, now)
    if commit:
        await uow.commit()
    return RecordedUsage(record, payer, funds)


@dataclass(frozen=True)
class Delivered:
    """One delivered message to charge: the simulator's input to :func:`charge_delivered`."""

    channel: Channel
    country: str
    pricing_category: PricingCategory
    cost_micros: int | None  # None: the default price
    # Free customer service: a service reply, or (Meta, July 2025) a utility template
    # delivered inside an open customer service window.
    free: bool = False
    volume: int = 1  # how many such deliveries this one stands for


async def charge_delivered(
    uow: UnitOfWork, clock: Clock, partners: dict[str, Partner], items: list[Delivered]
) -> None:
    """Record many delivered messages at once, and one debit per payer for their summed cost.
    Service replies are free customer service.

    Deliveries that differ in nothing a usage query reads (channel, country, category, price)
    share one usage row whose ``volume`` counts them: every report sums ``volume``, so a round
    of a thousand deliveries to one country writes one row, not a thousand.
    """
    if not items:
        return
    now = clock.now()
    grouped: dict[tuple[str, str, str, int | None, bool], tuple[Delivered, int]] = {}
    for item in items:
        key = (item.channel.id, item.country, item.pricing_category, item.cost_micros, item.free)
        first, volume = grouped.get(key, (item, 0))
        grouped[key] = (first, volume + item.volume)
    rows = []
    owed: dict[tuple[str, str, str | None], int] = {}
    for item, volume in grouped.values():
        channel = item.channel
        partner = partners[channel.partner_id]
        free = item.free or item.pricing_category == PricingCategory.SERVICE
        pricing_type = PricingType.FREE_CUSTOMER_SERVICE if free else PricingType.REGULAR
        cost = 0 if free else item.cost_micros
        if cost is None:
            cost = default_cost_micros(item.pricing_category, pricing_type, volume)
        else:
            cost *= volume
        payer = payer_of(partner)
        rows.append(
            {
                "id": ids.new_id(ids.USAGE_RECORD, 14),
                "partner_id": partner.id,
                "client_id": channel.client_id,
                "channel_id": channel.id,
                "occurred_at": now,
                "country": item.country,
                "pricing_category": item.pricing_category,
                "pricing_type": pricing_type,
                "initiated_by": (
                    InitiatedBy.USER
                    if item.pricing_category == PricingCategory.SERVICE
                    else InitiatedBy.BUSINESS
                ),
                "volume": volume,
                "cost_micros": cost,
                "paid_by": payer,
            }
        )
        owner = (
            (channel.client_id, partner.id, channel.client_id)
            if payer == Payer.CLIENT
            else (partner.id, partner.id, None)
        )
        owed[owner] = owed.get(owner, 0) + cost
    await uow.billing.insert_usage(rows)
    # Sorted: concurrent workers debit shared balances in one order, so they cannot deadlock.
    for (owner_id, partner_id, client_id), micros in sorted(owed.items(), key=lambda kv: kv[0][0]):
        currency = (await _funds(uow, partner_id)).currency
        await uow.billing.debit(owner_id, partner_id, client_id, micros, currency, now)
