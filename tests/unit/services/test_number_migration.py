"""The number migration state machine (issue 18 item 4) against the fakes: each transition,
each refusal, and what a refusal leaves behind."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from partnerhub.domain.clients.model import Channel, ChannelStatus, Client
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.migration import services as migration
from partnerhub.domain.migration.model import CODE_TTL_SECONDS, MigrationStatus
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]
PHONE = "+4915100009901"


@pytest.fixture
def live(db: FakeDatabase, clock: FakeClock) -> Channel:
    partner = builders.partner(clock.now())
    client = builders.client(partner, clock.now())
    waba = builders.waba(client, clock.now())
    channel = builders.channel(client, waba, clock.now(), ChannelStatus.LIVE)
    db.seed(partner, client, waba, channel)
    return channel


async def _start(new_uow: Uow, clock: FakeClock, live: Channel) -> str:
    async with new_uow() as uow:
        view = await migration.start_migration(
            uow, clock, live.partner_id, live.client_id, PHONE, None
        )
    return view.channel.id


async def _code(new_uow: Uow, clock: FakeClock, live: Channel, channel_id: str) -> str:
    async with new_uow() as uow:
        view = await migration.request_code(
            uow, clock, live.partner_id, live.client_id, channel_id, "sms", "en_US"
        )
    assert view.migration.status == MigrationStatus.CODE_SENT
    assert view.migration.code is not None
    return view.migration.code


async def test_start_request_verify_then_the_review_takes_over(
    new_uow: Uow, clock: FakeClock, live: Channel, db: FakeDatabase
) -> None:
    channel_id = await _start(new_uow, clock, live)
    assert db.event_types() == ["channel_created"]
    code = await _code(new_uow, clock, live, channel_id)
    async with new_uow() as uow:
        view = await migration.verify_code(
            uow, clock, live.partner_id, live.client_id, channel_id, code, step_seconds=60
        )
    assert view.migration.status == MigrationStatus.COMPLETED
    assert view.migration.code is None
    assert view.channel.is_migrated and view.channel.status == ChannelStatus.CREATED
    assert view.channel.next_step_at is not None
    assert (view.channel.next_step_at - clock.now()).total_seconds() == 60
    with pytest.raises(Conflict):
        async with new_uow() as uow:
            await migration.request_code(
                uow, clock, live.partner_id, live.client_id, channel_id, "SMS", "en"
            )


async def test_two_step_verification_refuses_every_step_until_it_is_off(
    new_uow: Uow, clock: FakeClock, live: Channel, db: FakeDatabase
) -> None:
    async with new_uow() as uow:
        await migration.set_two_step(uow, clock, PHONE, True)
    with pytest.raises(migration.TwoStepEnabled):
        await _start(new_uow, clock, live)
    assert db.event_types() == []  # nothing created, nothing announced
    async with new_uow() as uow:
        await migration.set_two_step(uow, clock, PHONE, False)
    channel_id = await _start(new_uow, clock, live)
    code = await _code(new_uow, clock, live, channel_id)
    async with new_uow() as uow:
        await migration.set_two_step(uow, clock, PHONE, True)
    with pytest.raises(migration.TwoStepEnabled):
        async with new_uow() as uow:
            await migration.verify_code(
                uow, clock, live.partner_id, live.client_id, channel_id, code, step_seconds=60
            )


async def test_wrong_codes_are_counted_and_an_expired_code_is_refused(
    new_uow: Uow, clock: FakeClock, live: Channel
) -> None:
    channel_id = await _start(new_uow, clock, live)
    code = await _code(new_uow, clock, live, channel_id)
    wrong = "000000" if code != "000000" else "111111"
    for tries in range(1, 5):
        with pytest.raises(InvalidInput):
            async with new_uow() as uow:
                await migration.verify_code(
                    uow, clock, live.partner_id, live.client_id, channel_id, wrong, step_seconds=1
                )
        async with new_uow() as uow:
            stored = await uow.migrations.get_migration(channel_id)
        assert stored is not None and stored.wrong_codes == tries
    clock.advance(CODE_TTL_SECONDS)
    with pytest.raises(InvalidInput, match="expired"):
        async with new_uow() as uow:
            await migration.verify_code(
                uow, clock, live.partner_id, live.client_id, channel_id, code, step_seconds=1
            )


async def test_another_partners_migration_is_not_found(
    new_uow: Uow, clock: FakeClock, live: Channel, db: FakeDatabase
) -> None:
    channel_id = await _start(new_uow, clock, live)
    rival = builders.partner(clock.now(), id="rivalPA")
    rival_client: Client = builders.client(rival, clock.now(), id="rivalCL")
    db.seed(rival, rival_client)
    with pytest.raises(NotFound):
        async with new_uow() as uow:
            await migration.get_migration(uow, rival.id, live.client_id, channel_id)
    with pytest.raises(NotFound):
        async with new_uow() as uow:
            await migration.start_migration(uow, clock, rival.id, live.client_id, PHONE, None)
    with pytest.raises(NotFound):
        async with new_uow() as uow:
            await migration.move_to_new_waba(uow, clock, rival.id, live.client_id, live.id, None)


@pytest.mark.parametrize(
    ("currency", "message"),
    [("BRL", "upon request"), ("GBP", "must be one of"), ("eu", "must be one of")],
)
async def test_currencies_360dialog_does_not_offer_are_refused(
    new_uow: Uow, clock: FakeClock, live: Channel, currency: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        async with new_uow() as uow:
            await migration.move_to_new_waba(
                uow, clock, live.partner_id, live.client_id, live.id, currency
            )


async def test_a_currency_change_moves_every_number_of_the_waba(
    new_uow: Uow, clock: FakeClock, live: Channel, db: FakeDatabase
) -> None:
    async with new_uow() as uow:
        client = await uow.clients.get_client(live.partner_id, live.client_id)
        waba = await uow.clients.get_waba(live.partner_id, live.waba_account_id)
    assert client is not None and waba is not None
    second = builders.channel(
        client, waba, clock.now(), ChannelStatus.RUNNING, id="secondCH", phone_number="+49151999"
    )
    db.seed(second)
    async with new_uow() as uow:
        moved = await migration.move_to_new_waba(
            uow, clock, live.partner_id, live.client_id, live.id, "USD"
        )
    assert moved.currency_changed and {c.id for c in moved.channels} == {live.id, "secondCH"}
    assert moved.waba.settings["currency"] == "USD"
    assert moved.source.settings["migrated_to"] == moved.waba.id
