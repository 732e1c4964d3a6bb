"""Host-your-own Embedded Signup against the fakes: ``account_sharing/numbers`` and the
onboarding page's ``connect_client_user`` attach."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from partnerhub.domain.clients.account_sharing import SharedNumber, onboard_shared_number
from partnerhub.domain.clients.lifecycle import run_due_steps
from partnerhub.domain.clients.onboarding import NewClient, NewNumber, onboard
from partnerhub.domain.clients.phones import NumbersTaken
from partnerhub.domain.clients.shared import create_shared_client
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.partners.model import Partner
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]
STEP = 10.0
SOLUTION = "23475642367"


@pytest.fixture
def partner(db: FakeDatabase, clock: FakeClock) -> Partner:
    found = builders.partner(clock.now(), webhook_url="https://acme.example/hook")
    db.seed(found)
    return found


async def _share(new_uow: Uow, clock: FakeClock, partner_id: str, **fields: str | None) -> str:
    shared = SharedNumber(**{"solution_id": SOLUTION, **fields})  # type: ignore[arg-type]
    async with new_uow() as uow:
        done = await onboard_shared_number(uow, clock, partner_id, shared, step_seconds=STEP)
    return done.channel.id


async def _shared_client(new_uow: Uow, clock: FakeClock, partner: Partner) -> str:
    async with new_uow() as uow:
        client = await create_shared_client(
            uow,
            clock,
            partner.id,
            name="Hosted",
            email="h@h.example",
            user_name=None,
            partner_payload=None,
        )
    return client.id


async def test_a_new_client_waba_and_number_then_the_review_to_live(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    channel_id = await _share(
        new_uow,
        clock,
        partner.id,
        waba_external_id="11",
        waba_business_id="12",
        channel_external_id="13",
        phone_number="+4915100000001",
    )
    channel = db.tables.channels[channel_id]
    waba = db.tables.wabas[channel.waba_account_id]
    assert (waba.external_id, waba.fb_business_id) == ("11", "12")
    assert (channel.external_id, channel.phone_number, channel.permission) == (
        "13",
        "+4915100000001",
        True,
    )
    assert [e.type for e in db.events()] == ["client_created", "channel_created"]
    for _ in range(4):
        clock.advance(STEP)
        async with new_uow() as uow:
            assert await run_due_steps(uow, clock, STEP) == 1
    assert db.tables.channels[channel_id].status == "live"
    assert [e.type for e in db.events()][2:] == [
        "channel_submitted",
        "channel_ready",
        "channel_running",
        "channel_live",
    ]


async def test_refusals(new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner) -> None:
    with pytest.raises(InvalidInput) as refused:
        await _share(new_uow, clock, partner.id, waba_external_id="1")
    assert refused.value.field == "client_id"
    with pytest.raises(InvalidInput) as refused:
        await _share(new_uow, clock, partner.id, waba_external_id="1", client_id="x", tier="gold")
    assert refused.value.field == "tier"
    with pytest.raises(NotFound):
        await _share(new_uow, clock, partner.id, waba_external_id="1", client_id="nosuchCL")
    db.tables.partners[partner.id].settings["account_sharing"]["solution_id"] = "999"
    with pytest.raises(InvalidInput) as refused:
        await _share(new_uow, clock, partner.id, waba_external_id="1", waba_business_id="2")
    assert refused.value.field == "solution_id"
    db.tables.partners[partner.id].settings["account_sharing"]["solution_id"] = SOLUTION
    await _share(
        new_uow,
        clock,
        partner.id,
        waba_external_id="1",
        waba_business_id="2",
        channel_external_id="3",
        phone_number="+4915100000002",
    )
    with pytest.raises(Conflict):
        await _share(
            new_uow,
            clock,
            partner.id,
            waba_external_id="4",
            waba_business_id="2",
            channel_external_id="3",
        )
    with pytest.raises(NumbersTaken):
        await _share(
            new_uow,
            clock,
            partner.id,
            waba_external_id="5",
            waba_business_id="2",
            phone_number="+49 151 0000 0002",
        )
    # A shared client already full: max_channels holds here too.
    client_id = await _shared_client(new_uow, clock, partner)
    db.tables.clients[client_id].max_channels = 1
    await _share(new_uow, clock, partner.id, waba_external_id="6", client_id=client_id)
    with pytest.raises(InvalidInput) as refused:
        await _share(new_uow, clock, partner.id, waba_external_id="6", client_id=client_id)
    assert refused.value.field == "client_id"
    assert len(db.tables.channels) == 2


async def test_another_partners_waba_or_client_is_refused(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    rival = builders.partner(clock.now(), brand_name="Rival")
    db.seed(rival)
    await _share(new_uow, clock, rival.id, waba_external_id="21", waba_business_id="22")
    with pytest.raises(Conflict):
        await _share(new_uow, clock, partner.id, waba_external_id="21", waba_business_id="22")
    theirs = await _shared_client(new_uow, clock, rival)
    with pytest.raises(NotFound):
        await _share(new_uow, clock, partner.id, waba_external_id="23", client_id=theirs)


async def test_the_page_attach_fills_an_empty_client_once(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id = await _shared_client(new_uow, clock, partner)
    user = NewClient(name="Ignored", contact_name="Grace", email="G@h.example")
    async with new_uow() as uow:
        done = await onboard(
            uow,
            clock,
            partner.id,
            user,
            [NewNumber("+4915100000031", "")],
            grant_permission=True,
            step_seconds=STEP,
            attach_to=client_id,
        )
    assert done.client.id == client_id and len(db.tables.clients) == 1
    assert db.tables.clients[client_id].contact_user["phone"] == "+4915100000031"
    assert [e.type for e in db.events()] == ["client_created", "channel_created"]
    for attach_to, error in [(client_id, Conflict), ("nosuchCL", NotFound)]:
        with pytest.raises(error):
            async with new_uow() as uow:
                await onboard(
                    uow,
                    clock,
                    partner.id,
                    user,
                    [NewNumber("+4915100000032", "")],
                    grant_permission=True,
                    step_seconds=STEP,
                    attach_to=attach_to,
                )
    assert len(db.tables.channels) == 1
