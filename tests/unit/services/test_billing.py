"""Balances and usage: who pays, top-ups, debits, the reports and their request budget."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from partnerhub.domain.billing import services as billing
from partnerhub.domain.billing.model import Payer, PricingCategory
from partnerhub.domain.billing.periods import Granularity
from partnerhub.domain.billing.prices import PRICE_MICROS
from partnerhub.domain.billing.queries import UsageWindow
from partnerhub.domain.clients.model import Channel
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound, RateLimited
from partnerhub.domain.partners.model import Partner
from tests.fakes import FakeClock, FakeDatabase, FakeRateLimits, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]
DAY = datetime(2026, 11, 2, 12, tzinfo=UTC)


def _hub(db: FakeDatabase, clock: FakeClock, model: str = "partner") -> tuple[Partner, Channel]:
    partner = builders.partner(clock.now(), billing_model=model)
    client = builders.client(partner, clock.now())
    waba = builders.waba(client, clock.now())
    channel = builders.channel(client, waba, clock.now())
    db.seed(partner, client, waba, channel)
    return partner, channel


async def _record(
    new_uow: Uow, clock: FakeClock, channel: Channel, **fields: object
) -> billing.RecordedUsage:
    values: dict[str, object] = {"country": "de", "pricing_category": "marketing", "at": DAY}
    async with new_uow() as uow:
        return await billing.record_usage(
            uow,
            clock,
            channel.id,
            billing.NewUsage(**(values | fields)),  # type: ignore[arg-type]
        )


async def test_a_partner_balance_never_set_is_zero_euro(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    partner, _ = _hub(db, clock)
    async with new_uow() as uow:
        funds = await billing.partner_balance(uow, partner.id)
    assert (funds.total_micros, funds.currency) == (0, "eur")


async def test_a_top_up_sets_the_balance_and_counts_as_a_renewal(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    partner, _ = _hub(db, clock)
    async with new_uow() as uow:
        funds = await billing.set_partner_balance(uow, clock, partner.id, 12.5, "USD")
    assert (funds.total_micros, funds.currency) == (12_500_000, "usd")
    assert funds.last_renewal_micros == 12_500_000
    async with new_uow() as uow:
        lower = await billing.set_partner_balance(uow, clock, partner.id, 2)
    assert (lower.total_micros, lower.currency) == (2_000_000, "usd")  # currency kept
    assert lower.last_renewal_micros == 12_500_000  # a correction downwards is no renewal


@pytest.mark.parametrize(
    ("total", "currency", "field"),
    [(float("nan"), None, "total"), (10**10, None, "total"), (1, "euro", "currency")],
)
async def test_a_top_up_with_a_bad_amount_or_currency_is_refused(
    new_uow: Uow,
    clock: FakeClock,
    db: FakeDatabase,
    total: float,
    currency: str | None,
    field: str,
) -> None:
    partner, _ = _hub(db, clock)
    async with new_uow() as uow:
        with pytest.raises(InvalidInput) as refused:
            await billing.set_partner_balance(uow, clock, partner.id, total, currency)
    assert refused.value.field == field
    assert not db.tables.balances


async def test_only_a_direct_paid_client_has_a_balance_of_its_own(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    _, partner_paid = _hub(db, clock)
    _, direct = _hub(db, clock, "direct")
    async with new_uow() as uow:
        with pytest.raises(Conflict):
            await billing.set_client_balance(uow, clock, partner_paid.client_id, 5)
        with pytest.raises(NotFound):
            await billing.set_client_balance(uow, clock, "CLmissing", 5)
        funds = await billing.set_client_balance(uow, clock, direct.client_id, 5)
    assert funds.total_micros == 5_000_000
    assert db.tables.balances[direct.client_id].client_id == direct.client_id


async def test_usage_is_debited_from_the_partner_on_a_partner_paid_hub(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    partner, channel = _hub(db, clock)
    recorded = await _record(new_uow, clock, channel, volume=3)
    assert recorded.payer == Payer.PARTNER
    assert recorded.record.cost_micros == 3 * PRICE_MICROS[PricingCategory.MARKETING]
    assert recorded.balance.total_micros == -recorded.record.cost_micros  # may go below zero
    assert db.tables.balances[partner.id].total_micros == recorded.balance.total_micros
    assert db.tables.usage[recorded.record.id].country == "DE"


async def test_usage_is_debited_from_the_client_on_a_direct_paid_hub(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    partner, channel = _hub(db, clock, "direct")
    recorded = await _record(new_uow, clock, channel, cost=0.5)
    assert recorded.payer == Payer.CLIENT
    assert db.tables.balances[channel.client_id].total_micros == -500_000
    assert partner.id not in db.tables.balances


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"country": "Germany"}, "country"),
        ({"pricing_category": "gossip"}, "pricing_category"),
        ({"volume": 0}, "volume"),
        ({"volume": True}, "volume"),
        ({"cost": -1}, "cost"),
        ({"pricing_type": "free_entry_point", "cost": 1}, "cost"),
    ],
)
async def test_bad_usage_is_refused_and_nothing_is_debited(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, fields: dict[str, object], field: str
) -> None:
    _, channel = _hub(db, clock)
    with pytest.raises(InvalidInput) as refused:
        await _record(new_uow, clock, channel, **fields)
    assert refused.value.field == field
    assert not db.tables.usage and not db.tables.balances


async def test_free_pricing_types_cost_nothing(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    _, channel = _hub(db, clock)
    recorded = await _record(new_uow, clock, channel, pricing_type="free_customer_service")
    assert recorded.record.cost_micros == 0


async def test_the_client_balance_report_sums_usage_per_day_of_the_payer(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, limits: FakeRateLimits
) -> None:
    partner, channel = _hub(db, clock)
    await _record(new_uow, clock, channel, volume=2, cost=1)
    await _record(new_uow, clock, channel, pricing_type="free_entry_point", initiated_by="user")
    await _record(new_uow, clock, channel, at=DAY + timedelta(days=1))
    window = UsageWindow(DAY - timedelta(days=1), DAY + timedelta(days=3), Granularity.DAY)
    async with new_uow() as uow:
        report = await billing.client_balance(
            uow, limits, partner.id, channel.client_id, window, {"MARKETING": 0.2}
        )
    first, second = report.usage
    assert (first.quantity, first.free_quantity, first.paid_quantity) == (3, 1, 2)
    assert (first.business_initiated_quantity, first.user_initiated_quantity) == (2, 1)
    assert first.cost_micros == 1_000_000  # a given cost is the whole record's, not each message's
    assert second.period_start == datetime(2026, 11, 3, tzinfo=UTC)
    assert report.funds.total_micros == db.tables.balances[partner.id].total_micros
    assert report.estimated_template_cost_micros == 200_000


async def test_the_client_balance_report_has_a_budget_of_5_per_30_seconds_per_client(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, limits: FakeRateLimits
) -> None:
    partner, channel = _hub(db, clock)
    window = UsageWindow(DAY, DAY, Granularity.MONTH)
    async with new_uow() as uow:
        for _ in range(5):
            await billing.client_balance(uow, limits, partner.id, channel.client_id, window)
        with pytest.raises(RateLimited) as limited:
            await billing.client_balance(uow, limits, partner.id, channel.client_id, window)
        assert limited.value.limit == 5
        with pytest.raises(NotFound):  # an unknown client spends no budget
            await billing.client_balance(uow, limits, partner.id, "CLmissing", window)
    assert limits.count(billing.CLIENT_BALANCE_LIMIT, "CLmissing") == 0


async def test_channel_usage_groups_by_period_country_and_category(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    partner, channel = _hub(db, clock)
    await _record(new_uow, clock, channel, country="DE")
    await _record(new_uow, clock, channel, country="FR", pricing_category="utility")
    await _record(new_uow, clock, channel, country="FR", pricing_category="utility")
    window = UsageWindow(DAY - timedelta(days=1), DAY + timedelta(days=1), Granularity.DAY)
    async with new_uow() as uow:
        report = await billing.channel_usage(
            uow, partner.id, channel.client_id, channel.id, window, frozenset({"FR"})
        )
        with pytest.raises(NotFound):
            await billing.channel_usage(uow, partner.id, "CLother", channel.id, window, None)
    (point,) = report.points
    assert (point.country, point.pricing_category, point.volume) == ("FR", "UTILITY", 2)
    assert point.end - point.start == timedelta(days=1)


async def test_charging_a_round_groups_rows_and_debits_each_payer_once(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    partner, channel = _hub(db, clock)
    items = [
        billing.Delivered(channel, "DE", PricingCategory.MARKETING, None),
        billing.Delivered(channel, "DE", PricingCategory.MARKETING, None),
        billing.Delivered(channel, "DE", PricingCategory.SERVICE, None),
    ]
    async with new_uow() as uow:
        await billing.charge_delivered(uow, clock, {partner.id: partner}, items)
        await uow.commit()
    rows = sorted(db.tables.usage.values(), key=lambda r: r.pricing_category)
    assert [(r.pricing_category, r.volume, r.cost_micros) for r in rows] == [
        ("MARKETING", 2, 2 * PRICE_MICROS[PricingCategory.MARKETING]),
        ("SERVICE", 1, 0),
    ]
    assert rows[1].pricing_type == "FREE_CUSTOMER_SERVICE"
    assert db.tables.balances[partner.id].total_micros == -rows[0].cost_micros
