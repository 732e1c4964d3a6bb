"""Messaging limits and quality (domain/messaging/quality): the send batch's budget rule and
the emulator's quality controls, without a database."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from partnerhub.domain.clients.onboarding import NewClient, NewNumber, onboard
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.messaging.model import Budget
from partnerhub.domain.messaging.quality import (
    RED_DOWNGRADE_AFTER,
    SPAM_RED,
    SPAM_YELLOW,
    TIERS,
    limit_of,
    report_spam,
    set_limit,
    set_quality,
    spend,
)
from partnerhub.domain.partners.model import Partner
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]

PRINCIPAL = ChannelPrincipal("k", "chCH", "paPA", "clCL", "waWA", "running", "+4915", "1")


def test_a_budget_counts_each_new_user_once_and_refuses_past_its_limit() -> None:
    budget = Budget(limit=2, used=1, counted={"a"})
    spend(budget, "a", False, PRINCIPAL)  # counted already: free
    spend(budget, "b", False, PRINCIPAL)
    assert (budget.used, budget.opened) == (2, ["b"])
    spend(budget, "b", False, PRINCIPAL)  # the same user again in this batch: free
    spend(budget, "c", True, PRINCIPAL)  # window open: user-initiated, free
    with pytest.raises(GraphError) as refused:
        spend(budget, "d", False, PRINCIPAL)
    assert refused.value.code == 131048 and refused.value.field == "to"
    assert budget.opened == ["b"]


def test_no_budget_and_unlimited_tiers_never_refuse() -> None:
    spend(None, "a", False, PRINCIPAL)
    unlimited = Budget(limit=limit_of("TIER_UNLIMITED"))
    for n in range(1000):
        spend(unlimited, str(n), False, PRINCIPAL)
    assert unlimited.opened == []  # nothing to record for an unlimited number


def test_tiers_are_metas_names_in_order() -> None:
    assert list(TIERS) == [
        "TIER_50",
        "TIER_250",
        "TIER_1K",
        "TIER_2K",
        "TIER_10K",
        "TIER_100K",
        "TIER_UNLIMITED",
    ]
    assert limit_of("TIER_1K") == 1000 and limit_of("free text") is None


# The emulator's quality controls, against the fake unit of work ------------------------------


@pytest.fixture
def partner(db: FakeDatabase, clock: FakeClock) -> Partner:
    found = builders.partner(clock.now(), webhook_url="https://acme.example/hook")
    db.seed(found)
    return found


async def _channel(new_uow: Uow, clock: FakeClock, partner: Partner) -> str:
    async with new_uow() as uow:
        done = await onboard(
            uow,
            clock,
            partner.id,
            NewClient(name="Bakery", contact_name="Owner", email="owner@bakery.example"),
            [NewNumber("+4915100000001", "")],
            grant_permission=False,
            step_seconds=60,
        )
    return done.channels[0].id


async def test_spam_reports_lower_quality_and_red_for_a_week_lowers_the_tier(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    channel_id = await _channel(new_uow, clock, partner)
    async with new_uow() as uow:
        assert (await report_spam(uow, clock, channel_id, SPAM_YELLOW - 1)).events == []
    async with new_uow() as uow:
        yellow = await report_spam(uow, clock, channel_id, 1)
    assert (yellow.current_quality_rating, yellow.events) == ("YELLOW", ["FLAGGED"])
    async with new_uow() as uow:
        red = await report_spam(uow, clock, channel_id, SPAM_RED - SPAM_YELLOW)
    assert red.current_quality_rating == "RED"
    clock.advance(RED_DOWNGRADE_AFTER.total_seconds() - 1)
    async with new_uow() as uow:
        assert (await set_quality(uow, clock, channel_id, "RED")).events == []
    clock.advance(1)
    async with new_uow() as uow:
        lowered = await report_spam(uow, clock, channel_id, 1)
    assert (lowered.events, lowered.current_limit) == (["DOWNGRADE"], "TIER_250")
    bodies = db.bodies("phone_number_quality_update")
    assert [b["data"]["event"] for b in bodies] == ["FLAGGED", "FLAGGED", "DOWNGRADE"]
    assert bodies[-1]["data"]["old_limit"] == "TIER_1K"
    assert db.tables.channels[channel_id].current_limit == "TIER_250"


async def test_set_limit_and_quality_refuse_unknown_values(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    channel_id = await _channel(new_uow, clock, partner)
    async with new_uow() as uow:
        with pytest.raises(InvalidInput):
            await set_limit(uow, clock, channel_id, "TIER_3")
    async with new_uow() as uow:
        with pytest.raises(InvalidInput):
            await set_quality(uow, clock, channel_id, "BLUE")
    async with new_uow() as uow:
        upgraded = await set_limit(uow, clock, channel_id, "tier_unlimited")
    assert upgraded.events == ["UPGRADE"] and upgraded.current_limit == "TIER_UNLIMITED"
    assert db.event_types().count("phone_number_quality_update") == 1
