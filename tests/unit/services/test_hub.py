"""The dashboard: staff login and sessions, CSRF tokens, and the rules of its read models
(ownership, search and status input, CSV export, daily usage, the delivery log's filters)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from partnerhub.domain.auth.lockout import LockoutPolicy, PasswordGuard
from partnerhub.domain.auth.passwords import hash_password
from partnerhub.domain.billing.model import UsageRecord
from partnerhub.domain.clients.lifecycle import force_status
from partnerhub.domain.clients.model import Channel, ChannelStatus
from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.hub import login, views
from partnerhub.domain.hub.model import NumberRow
from partnerhub.domain.partners.model import PartnerUser
from partnerhub.domain.webhooks.model import Delivery
from tests.fakes import FakeClock, FakeDatabase, FakeRateLimits, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]
PASSWORD = "correct horse battery"
POLICY = login.LoginPolicy(session_ttl=timedelta(hours=8))
MASTER = "master-" + "x" * 32


@pytest.fixture
def user(db: FakeDatabase, clock: FakeClock) -> PartnerUser:
    partner = builders.partner(clock.now())
    staff = builders.user(partner, clock.now(), hash_password(PASSWORD))
    db.seed(partner, staff)
    return staff


@pytest.fixture
def guard(clock: FakeClock) -> PasswordGuard:
    return PasswordGuard(clock, FakeRateLimits(clock), LockoutPolicy(max_failures=2))


async def _log_in(
    new_uow: Uow, clock: FakeClock, guard: PasswordGuard, email: str, password: str
) -> login.NewSession:
    async with new_uow() as uow:
        return await login.log_in(uow, clock, guard, POLICY, email, password, "192.0.2.1")


# Login and sessions ---------------------------------------------------------------------------


async def test_a_login_opens_a_session_that_the_cookie_secret_finds(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, guard: PasswordGuard, user: PartnerUser
) -> None:
    new = await _log_in(new_uow, clock, guard, " Staff@ACME.example", PASSWORD)
    assert new.secret not in {s.token_digest for s in db.tables.hub_sessions.values()}
    async with new_uow() as uow:
        found = await login.signed_in(uow, clock, new.secret)
    assert found is not None
    assert (found.user.id, found.partner.id) == (user.id, user.partner_id)
    clock.advance(8 * 3600)
    async with new_uow() as uow:
        assert await login.signed_in(uow, clock, new.secret) is None  # expired


async def test_logging_out_ends_the_session(
    new_uow: Uow, clock: FakeClock, guard: PasswordGuard, user: PartnerUser
) -> None:
    new = await _log_in(new_uow, clock, guard, user.email, PASSWORD)
    async with new_uow() as uow:
        await login.log_out(uow, clock, new.secret)
    async with new_uow() as uow:
        assert await login.signed_in(uow, clock, new.secret) is None


@pytest.mark.parametrize("secret", [None, "", "x" * 129, "unknown"])
async def test_no_session_for_a_missing_or_unknown_cookie(
    new_uow: Uow, clock: FakeClock, secret: str | None
) -> None:
    async with new_uow() as uow:
        assert await login.signed_in(uow, clock, secret) is None


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("staff@acme.example", "wrong password!"),
        ("nobody@acme.example", PASSWORD),
        ("", PASSWORD),
        ("staff@acme.example", "x" * 1025),
    ],
)
async def test_every_failed_login_gives_the_same_answer(
    new_uow: Uow,
    clock: FakeClock,
    db: FakeDatabase,
    guard: PasswordGuard,
    user: PartnerUser,
    email: str,
    password: str,
) -> None:
    with pytest.raises(login.LoginFailed) as refused:
        await _log_in(new_uow, clock, guard, email, password)
    assert str(refused.value) == login.WRONG_CREDENTIALS
    assert not refused.value.locked
    assert not db.tables.hub_sessions


async def test_a_locked_out_login_says_how_long_to_wait(
    new_uow: Uow, clock: FakeClock, guard: PasswordGuard, user: PartnerUser
) -> None:
    for _ in range(2):
        with pytest.raises(login.LoginFailed):
            await _log_in(new_uow, clock, guard, user.email, "wrong password!")
    with pytest.raises(login.LoginFailed, match="Too many failed attempts") as locked:
        await _log_in(new_uow, clock, guard, user.email, PASSWORD)
    assert locked.value.locked


async def test_a_disabled_user_cannot_log_in_and_loses_its_sessions(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, guard: PasswordGuard, user: PartnerUser
) -> None:
    new = await _log_in(new_uow, clock, guard, user.email, PASSWORD)
    db.tables.users[user.id].disabled_at = clock.now()
    async with new_uow() as uow:
        assert await login.signed_in(uow, clock, new.secret) is None
    with pytest.raises(login.LoginFailed):
        await _log_in(new_uow, clock, guard, user.email, PASSWORD)


def test_a_csrf_token_is_bound_to_its_session_secret() -> None:
    token = login.csrf_token(MASTER, "secret-a")
    assert login.csrf_valid(MASTER, "secret-a", token)
    assert not login.csrf_valid(MASTER, "secret-b", token)
    assert not login.csrf_valid(MASTER, "secret-a", None)
    assert not login.csrf_valid("another-master-key", "secret-a", token)


@pytest.mark.parametrize(
    ("retry_after", "by_address", "expected"),
    [
        (30, False, "Too many failed attempts for this email. Wait 1 minute"),
        (600, True, "Too many login attempts from your network. Wait 10 minutes"),
    ],
)
def test_the_lockout_message_rounds_the_wait_up_to_minutes(
    retry_after: int, by_address: bool, expected: str
) -> None:
    assert login.locked_out(retry_after, by_address=by_address).startswith(expected)


# Read models ----------------------------------------------------------------------------------


def _numbers(db: FakeDatabase, clock: FakeClock, user: PartnerUser) -> list[Channel]:
    partner = db.tables.partners[user.partner_id]
    bakery = builders.client(partner, clock.now(), name="=Bakery")
    clock.advance(1)
    empty = builders.client(partner, clock.now(), name="Empty")
    account = builders.waba(bakery, clock.now())
    first = builders.channel(bakery, account, clock.now(), ChannelStatus.LIVE)
    second = builders.channel(bakery, account, clock.now(), ChannelStatus.CREATED)
    db.seed(bakery, empty, account, first, second)
    return [first, second]


async def test_the_overview_counts_by_status_in_lifecycle_order(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, user: PartnerUser
) -> None:
    _numbers(db, clock, user)
    now = clock.now()
    db.seed(
        Delivery("WD1", "EV1", user.partner_id, "t", "delivered", now, now),
        Delivery("WD2", "EV2", user.partner_id, "t", "failed", now, now),
        Delivery("WD3", "EV3", user.partner_id, "t", "pending", now, now),
    )
    async with new_uow() as uow:
        seen = await views.overview(uow, user.partner_id, clock.now())
    assert seen.channels == [("created", 1), ("live", 1)]
    assert (seen.client_total, seen.channel_total) == (2, 2)
    assert seen.success_rate == 0.5  # pending ones are not judged yet


async def test_numbers_list_clients_without_numbers_too_and_filter_by_status(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, user: PartnerUser
) -> None:
    live, _ = _numbers(db, clock, user)
    async with new_uow() as uow:
        rows, total = await views.number_rows(uow, user.partner_id, None, None, 1)
        assert total == 3
        assert rows[0].client.name == "Empty" and rows[0].channel is None  # newest client first
        only_live, total = await views.number_rows(uow, user.partner_id, "live", None, 1)
        assert total == 1 and only_live[0].channel is not None
        assert only_live[0].channel.id == live.id


def test_search_and_status_input_is_checked() -> None:
    assert views.clean_search("  ") is None
    assert views.clean_search(" bakery ") == "bakery"
    with pytest.raises(InvalidInput) as refused:
        views.clean_search("x" * 201)
    assert refused.value.field == "q"
    assert views.clean_status("live") == "live"
    with pytest.raises(InvalidInput):
        views.clean_status("sleeping")


async def test_the_csv_export_defuses_spreadsheet_formulas(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, user: PartnerUser
) -> None:
    _numbers(db, clock, user)
    async with new_uow() as uow:
        rows = await views.export_rows(uow, user.partner_id, None, None)
    text = views.numbers_csv(rows)
    lines = text.split("\r\n")
    assert lines[0] == ",".join(views.CSV_HEADER)
    assert any(line.startswith("'=Bakery,+49151") for line in lines)  # numbers stay as typed


def test_a_row_without_a_number_shows_the_contact_email() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    client = builders.client(builders.partner(now), now, contact_info={}, contact_user={})
    assert NumberRow(client, None).contact_email == ""


async def test_another_partners_client_number_and_key_are_not_found(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, user: PartnerUser
) -> None:
    first, _ = _numbers(db, clock, user)
    other = builders.partner(clock.now())
    db.seed(other)
    async with new_uow() as uow:
        assert (await views.channel_of(uow, user.partner_id, first.id)).id == first.id
        with pytest.raises(NotFound):
            await views.channel_of(uow, other.id, first.id)
        with pytest.raises(NotFound):
            await views.client_of(uow, other.id, first.client_id)
        with pytest.raises(NotFound):
            await views.api_key_of(uow, other.id, "AKmissing")
        with pytest.raises(NotFound):
            await views.delivery_of(uow, other.id, "WDmissing")


async def test_daily_usage_fills_missing_days_with_zeros(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, user: PartnerUser
) -> None:
    first, _ = _numbers(db, clock, user)
    now = clock.now()
    db.seed(
        UsageRecord(
            "UR1",
            user.partner_id,
            first.client_id,
            first.id,
            now - timedelta(days=1),
            "DE",
            "MARKETING",
            "REGULAR",
            "business",
            3,
            300,
            "partner",
        )
    )
    async with new_uow() as uow:
        by_channel = await views.daily_usage(uow, user.partner_id, None, first.id, now, 7)
        by_client = await views.daily_usage(uow, user.partner_id, first.client_id, None, now, 7)
        with pytest.raises(InvalidInput) as refused:
            await views.daily_usage(uow, user.partner_id, None, None, now, 8)
    assert refused.value.field == "days"
    assert len(by_channel) == 7
    assert [d.messages for d in by_channel][-2:] == [3, 0]
    assert [(d.messages, d.cost_micros) for d in by_client] == [
        (d.messages, d.cost_micros) for d in by_channel
    ]


def test_the_delivery_log_query_checks_its_status_and_pages_by_25() -> None:
    query = views.delivery_query("failed", " client_created ", 3)
    assert query.filters == {"status": "failed", "event": "client_created"}
    assert (query.limit, query.offset) == (25, 50)
    with pytest.raises(InvalidInput) as refused:
        views.delivery_query("lost", None, 1)
    assert refused.value.field == "status"


async def test_a_numbers_timeline_shows_its_lifecycle_events_newest_first(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, user: PartnerUser
) -> None:
    first, _ = _numbers(db, clock, user)
    async with new_uow() as uow:
        await force_status(uow, clock, first.id, "account_restriction", None)
    clock.advance(1)
    async with new_uow() as uow:
        await force_status(uow, clock, first.id, "live", None)
    async with new_uow() as uow:
        entries = await views.timeline(uow, user.partner_id, first.id)
    assert [(e.event_type, e.status) for e in entries] == [
        ("channel_live", "live"),
        ("account_restriction", "account_restriction"),
    ]
