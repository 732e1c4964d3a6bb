"""Clients and channels: onboarding, shared clients, the client's own visits, updates, lists,
cancellation, the simulated Meta review, the emulator's forced statuses and number release."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from partnerhub.domain.auth import passwords
from partnerhub.domain.clients.editing import update_client
from partnerhub.domain.clients.lifecycle import (
    cancellation_takes_effect,
    force_status,
    run_due_steps,
    set_cancellation,
)
from partnerhub.domain.clients.model import ChannelStatus
from partnerhub.domain.clients.onboarding import (
    MAX_NUMBERS_PER_SIGNUP,
    NewClient,
    NewNumber,
    manage_channels,
    onboard,
)
from partnerhub.domain.clients.phones import NumbersTaken
from partnerhub.domain.clients.queries import get_waba, list_channels, list_clients
from partnerhub.domain.clients.release import RELEASED_REASON, release_number
from partnerhub.domain.clients.shared import create_shared_client
from partnerhub.domain.clock import isoformat
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.listing import ListQuery, SortKey
from partnerhub.domain.partners.model import Partner
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, builders
from tests.fakes.repositories import ClientRepository

Uow = Callable[[], FakeUnitOfWork]
STEP = 10.0
BAKERY = NewClient(name="Bakery", contact_name="Owner", email="Owner@Bakery.example")


@pytest.fixture
def partner(db: FakeDatabase, clock: FakeClock) -> Partner:
    found = builders.partner(clock.now(), webhook_url="https://acme.example/hook")
    db.seed(found)
    return found


async def _onboard(
    new_uow: Uow,
    clock: FakeClock,
    partner: Partner,
    *phones: str,
    new_client: NewClient = BAKERY,
    grant_permission: bool = False,
) -> tuple[str, list[str]]:
    numbers = [NewNumber(phone, "") for phone in phones or ("+4915100000001",)]
    async with new_uow() as uow:
        done = await onboard(
            uow,
            clock,
            partner.id,
            new_client,
            numbers,
            grant_permission=grant_permission,
            step_seconds=STEP,
        )
    return done.client.id, [c.id for c in done.channels]


# Onboarding ---------------------------------------------------------------------------------


async def test_a_signup_stores_client_waba_and_created_channels_with_their_events(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, channel_ids = await _onboard(
        new_uow, clock, partner, "0049 151 000-000 01", "+44 (20) 7946 0000"
    )
    client = db.tables.clients[client_id]
    assert client.partner_id == partner.id
    assert client.contact_info["email"] == "owner@bakery.example"
    assert client.created_by == {"user_id": "client", "user_name": "owner@bakery.example"}
    (waba,) = db.tables.wabas.values()
    assert (waba.client_id, waba.status) == (client_id, "created")
    channels = [db.tables.channels[i] for i in channel_ids]
    assert [c.phone_number for c in channels] == ["+4915100000001", "+442079460000"]
    assert {c.status for c in channels} == {ChannelStatus.CREATED}
    assert all(c.next_step_at == c.created_at + timedelta(seconds=STEP) for c in channels)
    assert channels[0].phone_name == "Bakery"  # no name given: the client's
    assert db.event_types() == ["client_created", "channel_created", "channel_created"]
    created = db.bodies("channel_created")[0]["data"]
    assert created["id"] == channel_ids[0]
    assert created["client"]["id"] == client_id
    assert created["waba_account"]["id"] == waba.id
    assert len(db.deliveries()) == 3  # the partner has a webhook URL
    assert db.commits == 1
    assert db.outbox_wakeups == 1


@pytest.mark.parametrize(
    ("phones", "field"),
    [
        ((), "phone_numbers"),
        (tuple(f"+49151000{n:05}" for n in range(MAX_NUMBERS_PER_SIGNUP + 1)), "phone_numbers"),
        (("+4915100000001", "12345"), "phone_numbers[1]"),
        (("+4915100000001", "0049 15100000001"), "phone_numbers"),
    ],
)
async def test_a_signup_with_bad_numbers_is_refused_and_leaves_no_trace(
    new_uow: Uow,
    clock: FakeClock,
    db: FakeDatabase,
    partner: Partner,
    phones: tuple[str, ...],
    field: str,
) -> None:
    async with new_uow() as uow:
        with pytest.raises(InvalidInput) as refused:
            await onboard(
                uow,
                clock,
                partner.id,
                BAKERY,
                [NewNumber(p, "") for p in phones],
                grant_permission=False,
                step_seconds=STEP,
            )
    assert refused.value.field == field
    assert not db.tables.clients
    assert not db.events()


@pytest.mark.parametrize(
    ("new_client", "field"),
    [
        (NewClient(name="  ", contact_name="O", email="o@b.example"), "client.name"),
        (NewClient(name="B", contact_name="O", email="o@b.example", password="short"), "password"),
    ],
)
async def test_a_signup_with_a_bad_client_field_is_refused(
    new_uow: Uow, clock: FakeClock, partner: Partner, new_client: NewClient, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await _onboard(new_uow, clock, partner, new_client=new_client)
    assert refused.value.field == field


async def test_a_number_in_use_is_refused_hub_wide_and_nothing_is_written(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    await _onboard(new_uow, clock, partner, "+4915100000001")
    other = builders.partner(clock.now())
    db.seed(other)
    commits, events = db.commits, len(db.events())
    with pytest.raises(NumbersTaken) as taken:
        await _onboard(new_uow, clock, other, "+4915100000002", "+4915100000001")
    assert taken.value.numbers == ["+4915100000001"]
    assert isinstance(taken.value, Conflict)
    assert (db.commits, len(db.events())) == (commits, events)
    assert len(db.tables.clients) == 1


async def test_a_number_taken_by_a_concurrent_signup_rolls_the_whole_signup_back(
    new_uow: Uow,
    clock: FakeClock,
    db: FakeDatabase,
    partner: Partner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _onboard(new_uow, clock, partner, "+4915100000001")
    before = (db.commits, len(db.tables.clients), len(db.tables.wabas), len(db.events()))

    async def nothing_taken(self: object, phones: object) -> list[str]:
        return []  # the check ran before the other signup committed

    monkeypatch.setattr(ClientRepository, "phone_taken", nothing_taken)
    with pytest.raises(NumbersTaken):
        await _onboard(new_uow, clock, partner, "+4915100000002", "+4915100000001")
    after = (db.commits, len(db.tables.clients), len(db.tables.wabas), len(db.events()))
    assert after == before  # no client, no WABA, no event: the client added first is gone too


async def test_a_terminated_channels_number_can_be_signed_up_again(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    _, (channel_id,) = await _onboard(new_uow, clock, partner, "+4915100000001")
    db.tables.channels[channel_id].status = ChannelStatus.TERMINATED
    _, (again,) = await _onboard(new_uow, clock, partner, "+4915100000001")
    assert db.tables.channels[again].status == ChannelStatus.CREATED


async def test_a_signup_with_a_password_stores_a_client_login_with_its_hash(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, _ = await _onboard(
        new_uow,
        clock,
        partner,
        new_client=NewClient("Bakery", "Owner", " Owner@Bakery.example", password="baguette-42"),
    )
    login = db.tables.client_logins[client_id]
    assert login.email == "owner@bakery.example"
    assert await passwords.verify_password(login.password_hash, "baguette-42")


async def test_on_a_direct_paid_hub_only_granted_numbers_carry_permission(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    direct = builders.partner(clock.now(), billing_model="direct")
    db.seed(direct)
    async with new_uow() as uow:
        done = await onboard(
            uow,
            clock,
            direct.id,
            BAKERY,
            [NewNumber("+4915100000001", "", granted=True), NewNumber("+4915100000002", "")],
            grant_permission=False,
            step_seconds=STEP,
        )
    assert [c.permission for c in done.channels] == [True, False]


async def test_on_a_partner_paid_hub_every_number_carries_permission(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    _, channel_ids = await _onboard(new_uow, clock, partner, "+4915100000001")
    assert db.tables.channels[channel_ids[0]].permission


async def test_a_signup_without_commit_is_left_to_the_caller(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    async with new_uow() as uow:
        await onboard(
            uow,
            clock,
            partner.id,
            BAKERY,
            [NewNumber("+4915100000001", "")],
            grant_permission=False,
            step_seconds=STEP,
            commit=False,
        )
    assert not db.tables.clients
    assert not db.events()


async def test_a_signup_for_an_unknown_partner_is_not_found(new_uow: Uow, clock: FakeClock) -> None:
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await onboard(
                uow,
                clock,
                "missing",
                BAKERY,
                [NewNumber("+4915100000001", "")],
                grant_permission=False,
                step_seconds=STEP,
            )


# Shared clients -----------------------------------------------------------------------------


async def test_a_shared_client_has_no_waba_or_number_and_announces_itself(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    async with new_uow() as uow:
        client = await create_shared_client(
            uow,
            clock,
            partner.id,
            name=" Bakery ",
            email="Owner@Bakery.example",
            user_name=None,
            partner_payload="ref-1",
        )
    stored = db.tables.clients[client.id]
    assert stored.name == "Bakery"
    assert stored.contact_user == {"name": "Bakery", "email": "owner@bakery.example", "phone": None}
    assert stored.created_by == {"user_id": "partner", "user_name": partner.id}
    assert not db.tables.wabas and not db.tables.channels
    assert db.bodies("client_created")[0]["data"]["partner_payload"] == "ref-1"


@pytest.mark.parametrize(
    ("name", "email", "field"),
    [(" ", "o@b.example", "name"), ("x" * 256, "o@b.example", "name"), ("B", "nope", "email")],
)
async def test_a_shared_client_needs_a_name_and_an_email(
    new_uow: Uow, clock: FakeClock, partner: Partner, name: str, email: str, field: str
) -> None:
    async with new_uow() as uow:
        with pytest.raises(InvalidInput) as refused:
            await create_shared_client(
                uow, clock, partner.id, name=name, email=email, user_name=None, partner_payload=None
            )
    assert refused.value.field == field


# The client's visit (next=login) --------------------------------------------------------------


async def _visit(
    new_uow: Uow,
    clock: FakeClock,
    partner: Partner,
    client_id: str,
    granted: set[str],
    *phones: str,
) -> list[str]:
    async with new_uow() as uow:
        managed = await manage_channels(
            uow,
            clock,
            partner.id,
            client_id,
            granted,
            [NewNumber(p, "", granted=True) for p in phones],
            acting_user="owner@bakery.example",
            step_seconds=STEP,
        )
    return [c.id for c in managed.usable]


async def test_a_client_adds_a_number_to_its_waba(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, first = await _onboard(new_uow, clock, partner, "+4915100000001")
    before = db.tables.clients[client_id].modified_at
    clock.advance(1)
    usable = await _visit(new_uow, clock, partner, client_id, set(), "+4915100000002")
    assert len(usable) == 2 and first[0] in usable
    channels = [c for c in db.tables.channels.values() if c.client_id == client_id]
    assert len({c.waba_account_id for c in channels}) == 1
    assert db.tables.clients[client_id].modified_at > before  # spends the login session
    assert db.event_types()[-1] == "channel_created"


async def test_a_client_may_not_add_numbers_when_the_partner_does_not_allow_it(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, _ = await _onboard(new_uow, clock, partner)
    db.tables.partners[partner.id].allow_client_to_add_phone_no = False
    with pytest.raises(InvalidInput) as refused:
        await _visit(new_uow, clock, partner, client_id, set(), "+4915100000002")
    assert refused.value.field == "phone_numbers"


async def test_a_client_may_not_go_over_its_maximum_of_numbers(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, _ = await _onboard(new_uow, clock, partner)
    db.tables.clients[client_id].max_channels = 1
    with pytest.raises(InvalidInput, match="at most 1 numbers"):
        await _visit(new_uow, clock, partner, client_id, set(), "+4915100000002")
    assert len(db.tables.channels) == 1


async def test_revoking_a_number_on_a_direct_paid_hub_revokes_its_keys_and_webhook(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    direct = builders.partner(clock.now(), billing_model="direct")
    db.seed(direct)
    client_id, (kept, revoked) = await _onboard(
        new_uow, clock, direct, "+4915100000001", "+4915100000002", grant_permission=True
    )
    db.tables.channels[revoked].messaging_webhook_url = "https://bakery.example/wa"
    db.seed(builders.channel_key(db.tables.channels[revoked], clock.now()))
    usable = await _visit(new_uow, clock, direct, client_id, {kept})
    assert usable == [kept]
    channel = db.tables.channels[revoked]
    assert not channel.permission
    assert channel.messaging_webhook_url is None
    assert all(k.revoked_at is not None for k in db.tables.channel_keys.values())
    assert db.event_types()[-1] == "channel_permission_revoked"
    assert db.bodies("channel_permission_revoked")[0]["data"]["permission"] is False
    usable = await _visit(new_uow, clock, direct, client_id, {kept, revoked})
    assert set(usable) == {kept, revoked}
    assert db.event_types()[-1] == "channel_permission_granted"


async def test_permission_answers_change_nothing_on_a_partner_paid_hub(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, (channel_id,) = await _onboard(new_uow, clock, partner)
    events = len(db.events())
    assert await _visit(new_uow, clock, partner, client_id, set()) == [channel_id]
    assert db.tables.channels[channel_id].permission
    assert len(db.events()) == events


async def test_a_visit_to_another_partners_client_is_not_found(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, _ = await _onboard(new_uow, clock, partner)
    other = builders.partner(clock.now())
    db.seed(other)
    with pytest.raises(NotFound):
        await _visit(new_uow, clock, other, client_id, set())


# Updates and lists ----------------------------------------------------------------------------


async def test_update_client_sets_payload_and_maximum_as_the_partner(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, _ = await _onboard(new_uow, clock, partner)
    async with new_uow() as uow:
        await update_client(
            uow, clock, partner.id, client_id, {"partner_payload": "p", "max_channels": 5}
        )
        assert uow.write_locks == 1  # a read-modify-write takes the write lock first
    client = db.tables.clients[client_id]
    assert (client.partner_payload, client.max_channels) == ("p", 5)
    assert client.modified_by == {"user_id": "partner", "user_name": partner.id}


@pytest.mark.parametrize("value", [0, 1001])
async def test_max_channels_must_be_between_1_and_1000(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner, value: int
) -> None:
    client_id, _ = await _onboard(new_uow, clock, partner)
    async with new_uow() as uow:
        with pytest.raises(InvalidInput) as refused:
            await update_client(uow, clock, partner.id, client_id, {"max_channels": value})
    assert refused.value.field == "max_channels"


async def test_max_channels_cannot_go_below_the_numbers_the_client_has(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, _ = await _onboard(new_uow, clock, partner, "+4915100000001", "+4915100000002")
    async with new_uow() as uow:
        with pytest.raises(InvalidInput, match="below"):
            await update_client(uow, clock, partner.id, client_id, {"max_channels": 1})
    assert db.tables.clients[client_id].max_channels == 10


async def test_a_null_max_channels_leaves_it_unchanged(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, _ = await _onboard(new_uow, clock, partner)
    async with new_uow() as uow:
        await update_client(uow, clock, partner.id, client_id, {"max_channels": None})
    assert db.tables.clients[client_id].max_channels == 10


async def test_clients_and_channels_are_listed_for_their_partner_only(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    mine, _ = await _onboard(new_uow, clock, partner, "+4915100000001")
    other = builders.partner(clock.now())
    db.seed(other)
    await _onboard(new_uow, clock, other, "+4915100000002")
    async with new_uow() as uow:
        clients, total = await list_clients(uow, partner.id, ListQuery())
        assert ([c.id for c in clients], total) == ([mine], 1)
        views, total = await list_channels(uow, partner.id, ListQuery(), None)
        assert total == 1
        assert views[0].client.id == mine
        assert views[0].waba.client_id == mine


async def test_channels_are_found_by_number_text_and_filtered_by_status(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    await _onboard(new_uow, clock, partner, "+4915100000001", "+4915100000002")
    first = next(c for c in db.tables.channels.values() if c.phone_number.endswith("1"))
    first.status = ChannelStatus.LIVE
    async with new_uow() as uow:
        found, _ = await list_channels(uow, partner.id, ListQuery(), "00000002")
        assert [v.channel.phone_number for v in found] == ["+4915100000002"]
        live, total = await list_channels(
            uow, partner.id, ListQuery(filters={"status": "live"}), None
        )
        assert ([v.channel.id for v in live], total) == ([first.id], 1)


async def test_clients_filter_on_their_contact_email_and_sort_by_name(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    await _onboard(new_uow, clock, partner, "+4915100000001")
    await _onboard(
        new_uow,
        clock,
        partner,
        "+4915100000002",
        new_client=NewClient(name="Apothecary", contact_name="A", email="a@apo.example"),
    )
    async with new_uow() as uow:
        by_name, _ = await list_clients(
            uow, partner.id, ListQuery(sort=(SortKey("name", descending=False),))
        )
        assert [c.name for c in by_name] == ["Apothecary", "Bakery"]
        found, total = await list_clients(
            uow, partner.id, ListQuery(filters={"contact_info.email": "a@apo.example"})
        )
        assert ([c.name for c in found], total) == (["Apothecary"], 1)


async def test_another_partners_waba_is_not_found(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    await _onboard(new_uow, clock, partner)
    (waba,) = db.tables.wabas.values()
    other = builders.partner(clock.now())
    db.seed(other)
    async with new_uow() as uow:
        assert (await get_waba(uow, partner.id, waba.id)).id == waba.id
        with pytest.raises(NotFound):
            await get_waba(uow, other.id, waba.id)


# Cancellation ---------------------------------------------------------------------------------


def test_a_cancellation_takes_effect_at_the_start_of_the_next_month() -> None:
    assert cancellation_takes_effect(datetime(2026, 12, 6, 15, tzinfo=UTC)) == datetime(
        2027, 1, 1, tzinfo=UTC
    )


async def _cancel(
    new_uow: Uow, clock: FakeClock, partner: Partner, client_id: str, channel_id: str, on: bool
) -> None:
    async with new_uow() as uow:
        await set_cancellation(uow, clock, partner.id, client_id, channel_id, on)


async def test_a_cancellation_request_shows_its_date_and_can_be_withdrawn(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, (channel_id,) = await _onboard(new_uow, clock, partner)
    await _cancel(new_uow, clock, partner, client_id, channel_id, True)
    channel = db.tables.channels[channel_id]
    assert channel.cancellation_date == cancellation_takes_effect(clock.now())
    data = db.bodies("cancellation_request")[0]["data"]
    assert data["terminated_at"] == isoformat(channel.cancellation_date)
    # The review keeps its schedule: the next step comes before the end of the month.
    assert channel.next_step_at is not None
    assert channel.next_step_at <= channel.cancellation_date
    await _cancel(new_uow, clock, partner, client_id, channel_id, True)
    assert db.event_types().count("cancellation_request") == 1  # asking twice changes nothing
    await _cancel(new_uow, clock, partner, client_id, channel_id, False)
    assert db.tables.channels[channel_id].cancellation_date is None
    assert db.event_types()[-1] == "cancellation_revoke"


async def test_a_terminated_channel_cannot_be_cancelled(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, (channel_id,) = await _onboard(new_uow, clock, partner)
    db.tables.channels[channel_id].status = ChannelStatus.TERMINATED
    with pytest.raises(Conflict):
        await _cancel(new_uow, clock, partner, client_id, channel_id, True)


async def test_a_channel_of_another_client_is_not_found_for_cancellation(
    new_uow: Uow, clock: FakeClock, partner: Partner
) -> None:
    _, (channel_id,) = await _onboard(new_uow, clock, partner, "+4915100000001")
    other_client, _ = await _onboard(new_uow, clock, partner, "+4915100000002")
    with pytest.raises(NotFound):
        await _cancel(new_uow, clock, partner, other_client, channel_id, True)


# The simulated review -------------------------------------------------------------------------


async def _rounds(new_uow: Uow, clock: FakeClock) -> int:
    moved = 0
    while True:
        async with new_uow() as uow:
            n = await run_due_steps(uow, clock, STEP)
        if not n:
            return moved
        moved += n


async def test_the_review_moves_a_channel_one_step_per_step_length_to_live(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    _, (channel_id,) = await _onboard(new_uow, clock, partner)
    assert await _rounds(new_uow, clock) == 0  # nothing due yet
    clock.advance(STEP)
    assert await _rounds(new_uow, clock) == 1
    assert db.tables.channels[channel_id].status == ChannelStatus.SUBMITTED
    (waba,) = db.tables.wabas.values()
    assert waba.status == "consents_pending"
    clock.advance(STEP * 10)  # a jump of many steps runs every step it covers
    assert await _rounds(new_uow, clock) == 3
    channel = db.tables.channels[channel_id]
    assert channel.status == ChannelStatus.LIVE
    assert channel.next_step_at is None
    assert channel.billing_started_at is not None
    assert db.event_types()[-4:] == [
        "channel_submitted",
        "channel_ready",
        "channel_running",
        "channel_live",
    ]


async def test_a_due_cancellation_terminates_the_channel_at_its_announced_date(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    client_id, (channel_id,) = await _onboard(new_uow, clock, partner)
    db.tables.channels[channel_id].status = ChannelStatus.LIVE
    db.tables.channels[channel_id].next_step_at = None
    await _cancel(new_uow, clock, partner, client_id, channel_id, True)
    date = db.tables.channels[channel_id].cancellation_date
    assert date is not None
    clock.advance((date - clock.now()).total_seconds() + 3600)
    assert await _rounds(new_uow, clock) == 1
    channel = db.tables.channels[channel_id]
    assert channel.status == ChannelStatus.TERMINATED
    assert channel.terminated_at == date
    data = db.bodies("cancellation_processed")[0]["data"]
    assert data["terminated_at"] == isoformat(date)


# The emulator's forced statuses ---------------------------------------------------------------


async def _force(
    new_uow: Uow, clock: FakeClock, channel_id: str, status: str, violation: str | None = None
) -> None:
    async with new_uow() as uow:
        await force_status(uow, clock, channel_id, status, violation)


async def test_forcing_a_live_number_into_violation_names_the_violation(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    _, (channel_id,) = await _onboard(new_uow, clock, partner)
    await _force(new_uow, clock, channel_id, "live")
    assert db.tables.channels[channel_id].billing_started_at is not None
    await _force(new_uow, clock, channel_id, "account_violation")
    assert db.bodies("account_violation")[0]["data"]["violation_type"] == "SPAM"
    (waba,) = db.tables.wabas.values()
    assert waba.status == "account_violation"
    await _force(new_uow, clock, channel_id, "running")  # restored
    assert db.tables.channels[channel_id].status == ChannelStatus.RUNNING


@pytest.mark.parametrize(
    ("start", "target"),
    [("live", "submitted"), ("created", "account_restriction"), ("terminated", "live")],
)
async def test_forcing_a_transition_meta_does_not_make_is_a_conflict(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner, start: str, target: str
) -> None:
    _, (channel_id,) = await _onboard(new_uow, clock, partner)
    db.tables.channels[channel_id].status = start
    events = len(db.events())
    with pytest.raises(Conflict):
        await _force(new_uow, clock, channel_id, target)
    assert db.tables.channels[channel_id].status == start
    assert len(db.events()) == events


@pytest.mark.parametrize("target", ["created", "paused", "terminated"])
async def test_forcing_a_status_without_an_event_is_invalid(
    new_uow: Uow, clock: FakeClock, partner: Partner, target: str
) -> None:
    _, (channel_id,) = await _onboard(new_uow, clock, partner)
    with pytest.raises(InvalidInput) as refused:
        await _force(new_uow, clock, channel_id, target)
    assert refused.value.field == "status"


async def test_forcing_an_unknown_channel_is_not_found(new_uow: Uow, clock: FakeClock) -> None:
    with pytest.raises(NotFound):
        await _force(new_uow, clock, "missing", "live")


# Releasing a number ---------------------------------------------------------------------------


async def test_releasing_a_number_terminates_its_channel_and_revokes_its_keys(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    _, (channel_id,) = await _onboard(new_uow, clock, partner, "+4915100000001")
    db.tables.channels[channel_id].messaging_webhook_url = "https://bakery.example/wa"
    db.seed(builders.channel_key(db.tables.channels[channel_id], clock.now()))
    async with new_uow() as uow:
        holder = await release_number(uow, clock, "0049 151 00000001")
    assert holder.keys_revoked == 1
    channel = db.tables.channels[channel_id]
    assert channel.status == ChannelStatus.TERMINATED
    assert channel.messaging_webhook_url is None
    assert channel.next_step_at is None
    data = db.bodies("cancellation_processed")[0]["data"]
    assert data["reason"] == RELEASED_REASON
    # The number is free again.
    _, (again,) = await _onboard(new_uow, clock, partner, "+4915100000001")
    assert again != channel_id


async def test_releasing_checks_the_channel_the_operator_confirmed(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    _, (channel_id,) = await _onboard(new_uow, clock, partner, "+4915100000001")
    async with new_uow() as uow:
        with pytest.raises(Conflict):
            await release_number(uow, clock, "+4915100000001", expected_channel_id="CHother")
    assert db.tables.channels[channel_id].status == ChannelStatus.CREATED


async def test_releasing_a_number_nobody_holds_is_not_found(new_uow: Uow, clock: FakeClock) -> None:
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await release_number(uow, clock, "+4915100000009")
