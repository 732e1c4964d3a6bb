"""Partner API authentication: API keys through the cache, bearer tokens and their families,
the password grant through the lockout, refresh rotation with reuse detection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from partnerhub.domain.auth.lockout import LockoutPolicy, PasswordGuard
from partnerhub.domain.auth.model import CredentialKind
from partnerhub.domain.auth.passwords import hash_password
from partnerhub.domain.auth.services import Authenticator, TokenGrantError, TokenService
from partnerhub.domain.auth.tokens import TokenCodec
from partnerhub.domain.errors import AuthenticationFailed
from partnerhub.domain.keys import services as keys
from partnerhub.domain.partners.model import PartnerUser
from tests.fakes import FakeCache, FakeClock, FakeDatabase, FakeRateLimits, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]
PASSWORD = "correct horse battery"
ADDRESS = "192.0.2.1"


@pytest.fixture
def user(db: FakeDatabase, clock: FakeClock) -> PartnerUser:
    partner = builders.partner(clock.now())
    staff = builders.user(partner, clock.now(), hash_password(PASSWORD))
    db.seed(partner, staff)
    return staff


@pytest.fixture
def codec(clock: FakeClock) -> TokenCodec:
    return TokenCodec("jwt-secret-" + "x" * 40, clock, ttl_seconds=300)


@pytest.fixture
def guard(clock: FakeClock) -> PasswordGuard:
    return PasswordGuard(clock, FakeRateLimits(clock), LockoutPolicy())


async def _grant(
    new_uow: Uow,
    clock: FakeClock,
    codec: TokenCodec,
    guard: PasswordGuard,
    email: str = "Staff@Acme.example",
    password: str = PASSWORD,
    lifetime: timedelta = timedelta(days=30),
) -> tuple[str, str]:
    async with new_uow() as uow:
        pair = await TokenService(clock, codec, lifetime).password_grant(
            uow, email, password, guard, ADDRESS
        )
    return pair.access_token, pair.refresh_token


async def _refresh(new_uow: Uow, clock: FakeClock, codec: TokenCodec, token: str) -> str:
    async with new_uow() as uow:
        pair = await TokenService(clock, codec).refresh_grant(uow, token)
    return pair.refresh_token


async def test_a_password_grant_opens_a_token_family_for_the_user(
    new_uow: Uow,
    clock: FakeClock,
    db: FakeDatabase,
    codec: TokenCodec,
    guard: PasswordGuard,
    user: PartnerUser,
) -> None:
    access, refresh = await _grant(new_uow, clock, codec, guard)
    (family,) = db.tables.token_families.values()
    assert (family.user_id, family.partner_id) == (user.id, user.partner_id)
    claims = codec.verify(access)
    assert (claims.user_id, claims.family_id) == (user.id, family.id)
    assert refresh.startswith("phr_")
    (stored,) = db.tables.refresh_tokens.values()
    assert refresh not in vars(stored).values()  # only its digest is kept


@pytest.mark.parametrize(
    ("email", "password"),
    [("staff@acme.example", "wrong password!"), ("nobody@acme.example", PASSWORD)],
)
async def test_a_wrong_password_and_an_unknown_email_fail_alike(
    new_uow: Uow,
    clock: FakeClock,
    db: FakeDatabase,
    codec: TokenCodec,
    guard: PasswordGuard,
    user: PartnerUser,
    email: str,
    password: str,
) -> None:
    with pytest.raises(TokenGrantError) as refused:
        await _grant(new_uow, clock, codec, guard, email, password)
    assert refused.value.error == "invalid_grant"
    assert str(refused.value) == "Wrong email or password"
    assert not db.tables.token_families
    assert len(db.tables.login_failures) == 1  # counted, whether the email exists or not


async def test_a_disabled_user_gets_no_tokens(
    new_uow: Uow,
    clock: FakeClock,
    db: FakeDatabase,
    codec: TokenCodec,
    guard: PasswordGuard,
    user: PartnerUser,
) -> None:
    db.tables.users[user.id].disabled_at = clock.now()
    with pytest.raises(TokenGrantError):
        await _grant(new_uow, clock, codec, guard)


async def test_bearer_login_switched_off_is_access_denied_whatever_the_password(
    new_uow: Uow,
    clock: FakeClock,
    db: FakeDatabase,
    codec: TokenCodec,
    guard: PasswordGuard,
    user: PartnerUser,
) -> None:
    db.tables.partners[user.partner_id].bearer_auth_enabled = False
    for password in (PASSWORD, "wrong password!"):
        with pytest.raises(TokenGrantError) as refused:
            await _grant(new_uow, clock, codec, guard, password=password)
        assert refused.value.error == "access_denied"
        assert "disabled for this partner" in str(refused.value)


async def test_too_many_wrong_passwords_lock_the_grant_with_a_retry_after(
    new_uow: Uow,
    clock: FakeClock,
    codec: TokenCodec,
    guard: PasswordGuard,
    user: PartnerUser,
) -> None:
    for _ in range(6):
        with pytest.raises(TokenGrantError):
            await _grant(new_uow, clock, codec, guard, password="wrong password!")
    with pytest.raises(TokenGrantError) as locked:
        await _grant(new_uow, clock, codec, guard)
    assert locked.value.error == "invalid_grant"
    assert "Too many failed attempts" in str(locked.value)
    assert locked.value.retry_after is not None and locked.value.retry_after > 0


async def test_a_refresh_token_is_single_use_and_reuse_revokes_the_login(
    new_uow: Uow,
    clock: FakeClock,
    db: FakeDatabase,
    codec: TokenCodec,
    guard: PasswordGuard,
    user: PartnerUser,
) -> None:
    _, first = await _grant(new_uow, clock, codec, guard)
    second = await _refresh(new_uow, clock, codec, first)
    with pytest.raises(TokenGrantError, match="already used"):
        await _refresh(new_uow, clock, codec, first)
    (family,) = db.tables.token_families.values()
    assert family.revoked_at is not None  # committed although the grant failed
    with pytest.raises(TokenGrantError, match="revoked"):
        await _refresh(new_uow, clock, codec, second)


async def test_no_token_outlives_the_login_it_belongs_to(
    new_uow: Uow,
    clock: FakeClock,
    codec: TokenCodec,
    guard: PasswordGuard,
    user: PartnerUser,
) -> None:
    access, refresh = await _grant(new_uow, clock, codec, guard, lifetime=timedelta(seconds=120))
    claims = codec.verify(access)
    assert claims.user_id == user.id
    clock.advance(121)
    with pytest.raises(AuthenticationFailed, match="expired"):
        codec.verify(access)  # cut short at the login's end, before its own 300 s
    with pytest.raises(TokenGrantError, match=r"expired|maximum lifetime"):
        async with new_uow() as uow:
            await TokenService(clock, codec, timedelta(seconds=120)).refresh_grant(uow, refresh)


async def test_an_unknown_refresh_token_is_refused(
    new_uow: Uow, clock: FakeClock, codec: TokenCodec
) -> None:
    with pytest.raises(TokenGrantError, match="Unknown"):
        await _refresh(new_uow, clock, codec, "phr_made_up")


async def test_a_bearer_token_stops_working_when_its_family_is_revoked(
    new_uow: Uow,
    clock: FakeClock,
    db: FakeDatabase,
    codec: TokenCodec,
    guard: PasswordGuard,
    user: PartnerUser,
) -> None:
    access, _ = await _grant(new_uow, clock, codec, guard)
    cache = FakeCache()
    auth = Authenticator(new_uow, clock, codec, cache)
    principal = await auth.bearer(access)
    assert (principal.partner_id, principal.kind) == (user.partner_id, CredentialKind.BEARER)
    (family,) = db.tables.token_families.values()
    family.revoked_at = clock.now()
    await auth.bearer(access)  # the cached answer stands until a commit is seen
    cache.invalidate()
    with pytest.raises(AuthenticationFailed, match="revoked"):
        await auth.bearer(access)


async def test_an_api_key_authenticates_until_revoked(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, codec: TokenCodec, user: PartnerUser
) -> None:
    async with new_uow() as uow:
        issued = await keys.issue_key(uow, clock, user.partner_id, "ci")
    cache = FakeCache()
    auth = Authenticator(new_uow, clock, codec, cache)
    principal = await auth.api_key(issued.secret)
    assert (principal.credential_id, principal.kind) == (issued.key.id, CredentialKind.API_KEY)
    await auth.drain()
    assert db.tables.api_keys[issued.key.id].last_used_at is not None  # written off the path
    async with new_uow() as uow:
        await keys.revoke_key(uow, clock, user.partner_id, issued.key.id)
    cache.invalidate()
    with pytest.raises(AuthenticationFailed):
        await auth.api_key(issued.secret)
    with pytest.raises(AuthenticationFailed):
        await auth.api_key("ph_live_not_a_real_key")
