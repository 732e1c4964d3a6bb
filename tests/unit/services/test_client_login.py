"""The onboarding page's rules: the client's login and its session token, the signup form, IO
signatures, the redirect back to the partner."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from partnerhub.domain.auth.lockout import LockoutPolicy, PasswordGuard
from partnerhub.domain.auth.passwords import hash_password
from partnerhub.domain.clients import login, signup
from partnerhub.domain.clients.model import Client, ClientLogin
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.webhooks import signing
from tests.fakes import FakeClock, FakeDatabase, FakeRateLimits, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]
PASSWORD = "baguette-42"
EMAIL = "owner@bakery.example"
MASTER = "master-" + "x" * 32


@pytest.fixture
def client(db: FakeDatabase, clock: FakeClock) -> Client:
    partner = builders.partner(clock.now())
    bakery = builders.client(partner, clock.now())
    db.seed(
        partner,
        bakery,
        ClientLogin(bakery.id, partner.id, EMAIL, hash_password(PASSWORD), clock.now()),
    )
    return bakery


@pytest.fixture
def guard(clock: FakeClock) -> PasswordGuard:
    return PasswordGuard(clock, FakeRateLimits(clock), LockoutPolicy(max_failures=2))


async def _log_in(
    new_uow: Uow,
    guard: PasswordGuard,
    partner_id: str,
    password: str = PASSWORD,
    client_id: str | None = None,
    email: str = " Owner@Bakery.example ",
) -> Client:
    async with new_uow() as uow:
        return await login.authenticate(
            uow, guard, partner_id, email, password, client_id, "192.0.2.1"
        )


async def test_a_client_logs_in_with_the_password_chosen_at_signup(
    new_uow: Uow, guard: PasswordGuard, client: Client
) -> None:
    assert (await _log_in(new_uow, guard, client.partner_id)).id == client.id
    assert (await _log_in(new_uow, guard, client.partner_id, client_id=client.id)).id == client.id


async def test_wrong_password_other_partner_and_other_client_fail_alike(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, guard: PasswordGuard, client: Client
) -> None:
    other = builders.partner(clock.now())
    db.seed(other)
    attempts = [
        {"partner_id": client.partner_id, "password": "wrong password"},
        {"partner_id": other.id},
        {"partner_id": client.partner_id, "client_id": "CLother"},
        {"partner_id": client.partner_id, "email": "nul\x00@bakery.example"},
    ]
    for attempt in attempts:
        with pytest.raises(login.LoginFailed) as refused:
            await _log_in(new_uow, guard, **attempt)  # type: ignore[arg-type]
        assert str(refused.value) == login.WRONG_CREDENTIALS
        assert refused.value.retry_after is None


async def test_repeated_wrong_passwords_lock_the_clients_email(
    new_uow: Uow, guard: PasswordGuard, client: Client
) -> None:
    for _ in range(2):
        with pytest.raises(login.LoginFailed):
            await _log_in(new_uow, guard, client.partner_id, "wrong password")
    with pytest.raises(login.LoginFailed) as locked:
        await _log_in(new_uow, guard, client.partner_id)
    assert str(locked.value) == login.LOCKED_OUT
    assert locked.value.retry_after is not None


async def test_a_session_token_stands_for_its_client_until_the_change_it_allows(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, client: Client
) -> None:
    token = login.issue_session(MASTER, clock.now(), client)
    async with new_uow() as uow:
        opened = await login.open_session(uow, MASTER, clock.now(), client.partner_id, token)
    assert opened.id == client.id
    db.tables.clients[client.id].modified_at += timedelta(seconds=1)  # a saved visit
    async with new_uow() as uow:
        with pytest.raises(login.InvalidSession, match="spent"):
            await login.open_session(uow, MASTER, clock.now(), client.partner_id, token)


@pytest.mark.parametrize(
    ("case", "reason"),
    [("none", "no session"), ("forged", "not a valid"), ("late", "expired"), ("other", "another")],
)
async def test_a_session_token_is_refused_when_missing_forged_expired_or_elsewhere(
    new_uow: Uow, clock: FakeClock, client: Client, case: str, reason: str
) -> None:
    token: str | None = login.issue_session(MASTER, clock.now(), client)
    now, partner_id = clock.now(), client.partner_id
    if case == "none":
        token = None
    elif case == "forged":
        token = login.issue_session("another-master-key", now, client)
    elif case == "late":
        now += login.SESSION_TTL
    else:
        partner_id = "PAother"
    async with new_uow() as uow:
        with pytest.raises(login.InvalidSession, match=reason):
            await login.open_session(uow, MASTER, now, partner_id, token)


@pytest.mark.parametrize("password", ["short", "x" * 257])
def test_a_client_password_has_a_minimum_and_a_maximum_length(password: str) -> None:
    with pytest.raises(InvalidInput, match="characters") as refused:
        login.validate_password("password", password)
    assert refused.value.field == "password"


# The signup form ------------------------------------------------------------------------------


def _form(**fields: object) -> signup.SignupForm:
    values: dict[str, object] = {
        "company": "Bakery",
        "contact_name": "Owner",
        "email": EMAIL,
        "password": PASSWORD,
        "numbers": [("+49 151 0000 0001", "Shop", True), ("", "", False)],
    }
    return signup.SignupForm(**(values | fields))  # type: ignore[arg-type]


def test_a_complete_form_gives_the_client_and_its_numbers() -> None:
    result = signup.validate(_form())
    assert result is not None
    new_client, numbers = result
    assert (new_client.name, new_client.password) == ("Bakery", PASSWORD)
    assert [(n.phone_number, n.phone_name, n.granted) for n in numbers] == [
        ("+4915100000001", "Shop", True)
    ]


def test_every_field_at_fault_is_named_at_once() -> None:
    form = _form(company=" ", email="nope", password="short", numbers=[("123", "", False)])
    assert signup.validate(form) is None
    assert set(form.errors) == {"company", "email", "password", "phone_0"}


def test_a_form_needs_a_number_and_no_number_twice() -> None:
    empty = _form(numbers=[("", "", False)])
    assert signup.validate(empty) is None
    assert empty.errors == {"phone_0": "Enter at least one phone number."}
    twice = _form(numbers=[("+4915100000001", "", False), ("0049 15100000001", "", False)])
    assert signup.validate(twice) is None
    assert "twice" in twice.errors["phone_0"]


def test_a_number_in_use_is_named_without_saying_whose_it_is() -> None:
    errors: dict[str, str] = {}
    rows = [("+4915100000001", "", False), ("+4915100000002", "", False)]
    signup.place_taken(rows, ["+4915100000002"], errors)
    assert errors == {"phone_1": signup.NUMBER_UNAVAILABLE}


def test_the_redirect_stays_on_the_partners_origin(clock: FakeClock) -> None:
    partner = builders.partner(clock.now(), partner_redirect_url="https://acme.example/done")
    assert signup.redirect_target(partner, "https://acme.example/other?x=1") == (
        "https://acme.example/other?x=1"
    )
    assert signup.redirect_target(partner, "https://evil.example/") == "https://acme.example/done"
    url = signup.finish_url("https://acme.example/done?a=1", "CL1", ["CH1", "CH2"], [], "s t")
    assert url == "https://acme.example/done?a=1&client=CL1&channels=[CH1,CH2]&state=s%20t"
    partner.partner_redirect_url = None
    with pytest.raises(signup.Refused):
        signup.redirect_target(partner, None)


# IO signatures ------------------------------------------------------------------------------


@pytest.fixture
def signing_partner(clock: FakeClock) -> Partner:
    return builders.partner(clock.now(), io_signature_enabled=True)


async def _check(
    new_uow: Uow, clock: FakeClock, partner: Partner, signature: str | None, ts: str | None
) -> None:
    async with new_uow() as uow:
        await signup.check_io_signature(
            uow, partner, MASTER, signature, ts, clock.now(), max_age=signup.IO_SIGNATURE_MAX_AGE
        )


def _sign(partner: Partner, timestamp: int) -> str:
    assert partner.platform_secret_nonce is not None
    secret = signing.derive_platform_secret(MASTER, partner.id, partner.platform_secret_nonce)
    return signup.io_signature(secret, partner.id, timestamp)


async def test_links_of_a_partner_without_io_signature_need_none(
    new_uow: Uow, clock: FakeClock
) -> None:
    await _check(new_uow, clock, builders.partner(clock.now()), None, None)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unsigned", "not signed"),
        ("timestamp", "invalid timestamp"),
        ("old", "expired"),
        ("future", "expired"),
        ("wrong", "signature is wrong"),
    ],
)
async def test_a_signed_link_is_refused_saying_why(
    new_uow: Uow, clock: FakeClock, signing_partner: Partner, case: str, message: str
) -> None:
    now = int(clock.now().timestamp())
    signature: str | None = _sign(signing_partner, now)
    ts: str | None = str(now)
    if case == "unsigned":
        signature = ts = None
    elif case == "timestamp":
        ts = "12e3"
    elif case == "old":
        ts = str(now - signup.IO_SIGNATURE_MAX_AGE - 1)
    elif case == "future":
        ts = str(now + 120)
    else:
        signature = _sign(signing_partner, now + 1)
    with pytest.raises(signup.Refused, match=message):
        await _check(new_uow, clock, signing_partner, signature, ts)


async def test_a_partner_requiring_signatures_needs_a_platform_secret(
    new_uow: Uow, clock: FakeClock
) -> None:
    partner = builders.partner(clock.now(), io_signature_enabled=True, platform_secret_nonce=None)
    with pytest.raises(signup.Refused, match="no platform secret"):
        await _check(new_uow, clock, partner, "sig", str(int(time.time())))


async def test_a_signed_link_works_once(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, signing_partner: Partner
) -> None:
    now = int(clock.now().timestamp())
    signature = _sign(signing_partner, now)
    await _check(new_uow, clock, signing_partner, signature, str(now))
    async with new_uow() as uow:
        await signup.spend_io_signature(uow, signing_partner, signature, clock.now())
        with pytest.raises(signup.Refused, match="already used"):
            await signup.spend_io_signature(uow, signing_partner, signature, clock.now())
        await uow.commit()
    with pytest.raises(signup.Refused, match="already used"):
        await _check(new_uow, clock, signing_partner, signature, str(now))
    assert len(db.tables.io_signatures) == 1
