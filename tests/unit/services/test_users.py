"""A partner user's credentials over time: password change and reset, ending logins,
disabling, and ``me``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from partnerhub.domain.auth import users
from partnerhub.domain.auth.lockout import LockoutPolicy, PasswordGuard
from partnerhub.domain.auth.model import CredentialKind, Principal, TokenFamily
from partnerhub.domain.auth.passwords import hash_password, verify_password
from partnerhub.domain.errors import InvalidInput, NotFound, RateLimited
from partnerhub.domain.hub import login as hub_login
from partnerhub.domain.hub.model import HubSession
from partnerhub.domain.partners.model import PartnerUser
from tests.fakes import FakeClock, FakeDatabase, FakeRateLimits, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]
PASSWORD = "correct horse battery"
NEW = "a brand new passphrase"
ADDRESS = "192.0.2.1"


@pytest.fixture
def user(db: FakeDatabase, clock: FakeClock) -> PartnerUser:
    partner = builders.partner(clock.now())
    staff = builders.user(partner, clock.now(), hash_password(PASSWORD))
    now = clock.now()
    db.seed(
        partner,
        staff,
        TokenFamily("TF1", staff.id, partner.id, now),
        TokenFamily("TF2", staff.id, partner.id, now),
        HubSession("HS1", "d1", staff.id, partner.id, now, now + timedelta(hours=1)),
    )
    return staff


@pytest.fixture
def guard(clock: FakeClock) -> PasswordGuard:
    return PasswordGuard(clock, FakeRateLimits(clock), LockoutPolicy(max_failures=2))


def _live_logins(db: FakeDatabase) -> tuple[int, int]:
    families = sum(f.revoked_at is None for f in db.tables.token_families.values())
    sessions = sum(s.revoked_at is None for s in db.tables.hub_sessions.values())
    return families, sessions


async def _change(
    new_uow: Uow,
    clock: FakeClock,
    guard: PasswordGuard,
    user: PartnerUser,
    current: str,
    new: str = NEW,
) -> users.LoginsRevoked:
    async with new_uow() as uow:
        stored = await users.resolve_user(uow, user.partner_id, user.id)
        return await users.change_password(uow, clock, guard, stored, current, new, ADDRESS)


async def test_changing_the_password_ends_every_login(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, guard: PasswordGuard, user: PartnerUser
) -> None:
    revoked = await _change(new_uow, clock, guard, user, PASSWORD)
    assert (revoked.token_families, revoked.dashboard_sessions) == (2, 1)
    assert _live_logins(db) == (0, 0)
    assert await verify_password(db.tables.users[user.id].password_hash, NEW)


async def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failure(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, guard: PasswordGuard, user: PartnerUser
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await _change(new_uow, clock, guard, user, "not my password")
    assert refused.value.field == "current_password"
    assert _live_logins(db) == (2, 1)
    assert await verify_password(db.tables.users[user.id].password_hash, PASSWORD)
    with pytest.raises(InvalidInput):
        await _change(new_uow, clock, guard, user, "still not it")
    with pytest.raises(RateLimited):  # the same lockout as every other password check
        await _change(new_uow, clock, guard, user, PASSWORD)


@pytest.mark.parametrize(
    ("new", "message"),
    [("short", "at least"), ("x" * 1025, "at most"), ("nul\x00 in the middle", "NUL")],
)
async def test_a_new_password_must_be_acceptable(
    new_uow: Uow,
    clock: FakeClock,
    guard: PasswordGuard,
    user: PartnerUser,
    new: str,
    message: str,
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        await _change(new_uow, clock, guard, user, PASSWORD, new)
    assert refused.value.field == "new_password"


async def test_the_new_password_must_differ_from_the_current_one(
    new_uow: Uow, clock: FakeClock, guard: PasswordGuard, user: PartnerUser
) -> None:
    with pytest.raises(InvalidInput, match="differ"):
        await _change(new_uow, clock, guard, user, PASSWORD, PASSWORD)


async def test_an_operator_reset_needs_no_current_password(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, user: PartnerUser
) -> None:
    async with new_uow() as uow:
        stored = await users.user_by_email(uow, " STAFF@acme.example ")
        await users.set_password(uow, clock, stored, NEW)
    assert await verify_password(db.tables.users[user.id].password_hash, NEW)
    assert _live_logins(db) == (0, 0)


async def test_signing_out_everywhere_keeps_the_password(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, user: PartnerUser
) -> None:
    async with new_uow() as uow:
        stored = await users.resolve_user(uow, user.partner_id, user.id)
        await users.revoke_user_logins(uow, clock, stored)
    assert _live_logins(db) == (0, 0)
    assert db.tables.users[user.id].password_hash == user.password_hash


async def test_disabling_ends_every_login_and_enabling_revives_none(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, user: PartnerUser
) -> None:
    async with new_uow() as uow:
        stored = await users.resolve_user(uow, user.partner_id, user.id)
        revoked = await users.set_disabled(uow, clock, stored, True)
    assert revoked.token_families == 2
    assert db.tables.users[user.id].disabled_at is not None
    async with new_uow() as uow:
        stored = await users.resolve_user(uow, user.partner_id, user.id)
        await users.set_disabled(uow, clock, stored, False)
    assert db.tables.users[user.id].disabled_at is None
    assert _live_logins(db) == (0, 0)


async def test_me_is_the_user_behind_a_bearer_token_only(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, user: PartnerUser
) -> None:
    bearer = Principal(user.partner_id, CredentialKind.BEARER, "TF1")
    key = Principal(user.partner_id, CredentialKind.API_KEY, "AK1")
    async with new_uow() as uow:
        assert (await users.resolve_user(uow, user.partner_id, "me", bearer)).id == user.id
        with pytest.raises(InvalidInput) as refused:
            await users.resolve_user(uow, user.partner_id, "me", key)
        assert refused.value.field == "user_id"


async def test_another_partners_user_is_not_found(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, user: PartnerUser
) -> None:
    other = builders.partner(clock.now())
    db.seed(other)
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await users.resolve_user(uow, other.id, user.id)
        with pytest.raises(NotFound):
            await users.user_by_email(uow, "nobody@acme.example")
        assert [u.id for u in await users.users_of(uow, user.partner_id)] == [user.id]


async def test_the_browser_that_changed_the_password_gets_a_fresh_session(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, user: PartnerUser
) -> None:
    async with new_uow() as uow:
        fresh = await users.replace_session(uow, clock, user, timedelta(hours=8))
    stored = db.tables.hub_sessions[fresh.session.id]
    assert stored.token_digest == hub_login.token_digest(fresh.secret)
    assert stored.expires_at - stored.created_at == timedelta(hours=8)
