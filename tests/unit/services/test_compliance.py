"""Display names, policy enforcement and CTWA (domain/compliance) against the fakes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from partnerhub.domain.clients.onboarding import NewClient, NewNumber, manage_channels, onboard
from partnerhub.domain.compliance import ctwa, display_names, enforcement
from partnerhub.domain.compliance.simulator import run_due
from partnerhub.domain.errors import Conflict, InvalidInput
from partnerhub.domain.partners.model import Partner
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]
DAY = 86_400


@pytest.fixture
def partner(db: FakeDatabase, clock: FakeClock) -> Partner:
    found = builders.partner(clock.now(), webhook_url="https://acme.example/hook")
    db.seed(found)
    return found


async def _number(new_uow: Uow, clock: FakeClock, partner: Partner) -> tuple[str, str, str]:
    async with new_uow() as uow:
        done = await onboard(
            uow,
            clock,
            partner.id,
            NewClient(name="Bakery", contact_name="Owner", email="owner@bakery.example"),
            [NewNumber("+4915100000001", "Bakery")],
            grant_permission=True,
            step_seconds=10,
        )
    return done.client.id, done.waba.id, done.channels[0].id


@pytest.mark.parametrize(
    "name",
    [
        "Ab",
        "x" * 76,
        "shop.example.com",
        "Pizza",
        "The Best Coffee",
        "BIG BRAND",
        "Acme #1",
        "Whats App Co",
    ],
)
def test_names_against_the_guidelines_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        display_names.check(name)
    assert refused.value.field == "display_name"


@pytest.mark.parametrize(
    "name", ["IBM", "Bäckerei Müller", "Luigi's Pizza", "Acme & Sons", "3M Co"]
)
def test_brand_names_pass(name: str) -> None:
    assert display_names.check(f"  {name} ") == name


def test_a_restriction_refuses_by_kind_until_it_expires(clock: FakeClock) -> None:
    now = clock.now()
    until = int(now.timestamp()) + 60
    biz = [{"restriction_type": enforcement.BIZ_INITIATED, "expiration": until}]
    assert enforcement.refusal(biz, now, template=True) == enforcement.BIZ_INITIATED
    assert enforcement.refusal(biz, now, template=False) is None
    clock.advance(60)
    assert enforcement.refusal(biz, clock.now(), template=True) is None
    customer = [{"restriction_type": enforcement.CUSTOMER_INITIATED, "expiration": until + 60}]
    assert enforcement.refusal(customer, clock.now(), template=False) is not None
    assert enforcement.templates_blocked(customer, clock.now())


async def test_review_is_due_a_day_later_and_events_follow(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, _waba, channel_id = await _number(new_uow, clock, partner)
    async with new_uow() as uow:
        await display_names.request_change(
            uow, clock, partner.id, client_id, channel_id, "Bakery Schmidt"
        )
    async with new_uow() as uow:
        with pytest.raises(Conflict):
            await display_names.request_change(
                uow, clock, partner.id, client_id, channel_id, "Bakery Other"
            )
    clock.advance(DAY - 1)
    async with new_uow() as uow:
        assert await run_due(uow, clock) == 0
    clock.advance(1)
    async with new_uow() as uow:
        assert await run_due(uow, clock) == 1
    channel = db.tables.channels[channel_id]
    assert channel.phone_name == "Bakery Schmidt"
    assert channel.compliance_due_at is None
    names = [e.type for e in db.events()]
    assert names[-1] == "phone_number_name_update"


async def test_restriction_events_and_the_add_number_block(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, waba_id, channel_id = await _number(new_uow, clock, partner)
    async with new_uow() as uow:
        await enforcement.restrict(
            uow,
            clock,
            waba_id,
            [enforcement.BIZ_INITIATED, enforcement.ADD_PHONE_NUMBER],
            3 * DAY,
            "GAMBLING",
        )
    assert [e.type for e in db.events()][-2:] == [
        "account_restriction",
        "template_messaging_disabled",
    ]
    assert db.tables.wabas[waba_id].status == "account_restriction"
    async with new_uow() as uow:
        with pytest.raises(InvalidInput, match="restricted"):
            await manage_channels(
                uow,
                clock,
                partner.id,
                client_id,
                set(),
                [NewNumber("+4915100000002", "")],
                acting_user="owner",
                step_seconds=10,
            )
    clock.advance(3 * DAY)
    async with new_uow() as uow:
        assert await run_due(uow, clock) == 1
    assert [e.type for e in db.events()][-1] == "template_messaging_enabled"
    assert db.tables.wabas[waba_id].status == "approved"
    assert db.tables.channels[channel_id].restrictions == []
    async with new_uow() as uow:
        view = await ctwa.set_ctwa(uow, clock, partner.id, client_id, channel_id, True)
    assert view.channel.ctwa_enabled is True
