"""Issue 20, findings 2, 5 and 6: one lockout for every password check, over HTTP.

The attacks of the audit, replayed: guessing through ``POST /api/v2/token`` after ``/hub/login``
locked the email, the 403/401 password oracle with bearer login off, locking staff out from
anywhere with six requests, spraying one password over many emails, and telling emails shared by
several clients by the login's timing. Each client address is a separate ASGI client (the
``client`` of the connection scope), all loopback addresses.

The timing finding is asserted on the work itself rather than on wall-clock time: every argon2
verification is counted on ``/metrics`` (``partnerhub_password_checks_total``), and a login must
cost exactly one, whatever the email.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from litestar import Litestar

from partnerhub.app import create_app
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from tests.conftest import PartnerCreds, running
from tests.helpers.clock import advance
from tests.helpers.metrics import scrape
from tests.integration import test_client_login as onboarding
from tests.integration.hub_helpers import log_in as hub_log_in

Client = httpx.AsyncClient
TOKEN = "/api/v2/token"
CHECKS = "partnerhub_password_checks_total"
ATTACKER, OFFICE, HOME = "127.0.0.66", "127.0.0.10", "127.0.0.20"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Smaller per-address allowances than the defaults, so that the limits show quickly.
    return settings.model_copy(
        update={"login_max_failures_per_address": 8, "login_attempts_per_address_per_minute": 12}
    )


@asynccontextmanager
async def from_address(app: Litestar, host: str, **headers: str) -> AsyncIterator[Client]:
    """A client whose requests come from ``host`` (the app must be running)."""
    transport = httpx.ASGITransport(app=app, client=(host, 40000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://partnerhub.test", headers=headers
    ) as c:
        yield c


async def grant(client: Client, email: str, password: str) -> httpx.Response:
    return await client.post(TOKEN, json={"username": email, "password": password})


def assert_locked(response: httpx.Response, description: str = "Too many failed attempts") -> int:
    """A locked-out password grant: 429, OAuth shape, Retry-After; returns Retry-After."""
    assert response.status_code == 429, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == "invalid_grant" and description in body["error_description"]
    assert response.headers["cache-control"] == "no-store"
    retry_after = int(response.headers["retry-after"])
    assert retry_after >= 1
    return retry_after


async def checks(client: Client) -> float:
    return (await scrape(client)).get(CHECKS, 0.0)


async def test_token_shares_the_hub_logins_lockout(
    client: Client, partner: PartnerCreds, settings: Settings
) -> None:
    """Finding 2: after /hub/login locked the email, /token refused even the right password."""
    for _ in range(settings.hub_login_max_failures):
        assert (await hub_log_in(client, partner.email, "wrong password")).status_code == 400
    locked = await hub_log_in(client, partner.email, partner.password)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
    retry_after = assert_locked(await grant(client, partner.email, partner.password))
    assert retry_after <= settings.hub_login_failure_window_seconds
    assert_locked(await grant(client, partner.email.upper(), "another guess"))


async def test_token_guesses_lock_the_email_everywhere(
    client: Client, partner: PartnerCreds, settings: Settings, state: AppState
) -> None:
    """Finding 2: /token recorded no failures; now it counts, and its lockout holds for the
    dashboard too, in a fresh process on the same database, until the window has passed."""
    for _ in range(settings.hub_login_max_failures):
        wrong = await grant(client, partner.email, "a guess")
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_grant"
    before = await checks(client)
    assert_locked(await grant(client, partner.email, partner.password))
    assert await checks(client) == before  # refused without looking at the password
    assert (await hub_log_in(client, partner.email, partner.password)).status_code == 429
    restarted = create_app(settings, clock=state.clock)
    async with running(restarted), from_address(restarted, "127.0.0.1") as fresh:
        assert_locked(await grant(fresh, partner.email, partner.password))
    await advance(client, int(settings.hub_login_failure_window_seconds) + 1)
    assert (await grant(client, partner.email, partner.password)).status_code == 200


async def test_disabled_bearer_login_is_no_password_oracle(
    client: Client, partner: PartnerCreds, state: AppState
) -> None:
    """Finding 2: with bearer login off, a right password answered 403 and a wrong one 401."""
    async with state.uow() as uow:
        stored = await uow.partners.get(partner.partner_id)
        assert stored is not None
        stored.bearer_auth_enabled = False
        await uow.commit()
    before = await checks(client)
    right = await grant(client, partner.email, partner.password)
    wrong = await grant(client, partner.email, "not-the-password")
    # One argon2 verification each, as for an unknown email: no timing tells the email apart.
    assert await checks(client) == before + 2
    for answer in (right, wrong):
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"] == "access_denied"
    assert right.json() == wrong.json()
    assert set(right.headers) == set(wrong.headers)


async def test_each_address_has_a_budget_of_password_checks(
    app: Litestar, client: Client, partner: PartnerCreds, settings: Settings
) -> None:
    """Finding 2: /token answered guesses at ~12/s. Every password check (right or wrong, on
    any of the three logins) spends the address's per-minute budget."""
    budget = settings.login_address_budget
    async with from_address(app, OFFICE) as office, from_address(app, HOME) as home:
        answers = [
            (await grant(office, partner.email, partner.password)).status_code
            for _ in range(budget)
        ]
        assert answers == [200] * budget
        assert_locked(await grant(office, partner.email, partner.password), "this address")
        over = await hub_log_in(office, partner.email, partner.password)
        assert over.status_code == 429 and "from your network" in over.text
        # Another address is not affected.
        assert (await grant(home, partner.email, partner.password)).status_code == 200


async def test_spraying_one_password_over_many_emails_is_slowed(
    app: Litestar, client: Client, partner: PartnerCreds
) -> None:
    """Finding 5: the lockout was per email only, so one password tried on many emails was
    never slowed. An address with too many failures is locked out of every email."""
    async with from_address(app, ATTACKER) as attacker, from_address(app, OFFICE) as office:
        for n in range(8):
            sprayed = await grant(attacker, f"staff{n}@victim.example", "Winter2026!")
            assert sprayed.status_code == 401
        assert_locked(await grant(attacker, "staff99@victim.example", "Winter2026!"), "address")
        dashboard = await hub_log_in(attacker, partner.email, partner.password)
        assert dashboard.status_code == 429 and "from your network" in dashboard.text
        assert (await grant(office, partner.email, partner.password)).status_code == 200


async def test_a_locked_email_still_logs_in_from_an_address_it_used(
    app: Litestar, client: Client, partner: PartnerCreds, settings: Settings
) -> None:
    """Finding 5: anyone could lock staff out with six requests every 15 minutes. An address
    that passed the password recently only counts its own failures against the account."""
    async with (
        from_address(app, OFFICE) as office,
        from_address(app, ATTACKER) as attacker,
        from_address(app, HOME) as home,
    ):
        assert (await hub_log_in(office, partner.email, partner.password)).status_code == 303
        for _ in range(settings.hub_login_max_failures):
            assert (await grant(attacker, partner.email, "guess")).status_code == 401
        assert_locked(await grant(attacker, partner.email, partner.password))
        # Where the account is not known, the lockout holds, even with the right password ...
        assert_locked(await grant(home, partner.email, partner.password))
        assert (await hub_log_in(home, partner.email, partner.password)).status_code == 429
        # ... but the office, where staff logged in before, gets in: dashboard and token.
        assert (await hub_log_in(office, partner.email, partner.password)).status_code == 303
        assert (await grant(office, partner.email, partner.password)).status_code == 200
        # Its own failures still count against it, so it is no way round the lockout.
        for _ in range(settings.hub_login_max_failures):
            assert (await grant(office, partner.email, "fat fingers")).status_code == 401
        assert_locked(await grant(office, partner.email, partner.password))


async def test_the_client_login_is_locked_per_address_and_recovers_from_a_known_one(
    app: Litestar, state: AppState, client: Client, partner: PartnerCreds
) -> None:
    """Finding 5 on the onboarding page (next=login): the same policy as the partner logins."""
    await onboarding.configure(state, client, partner)
    await onboarding.onboard(client, partner, ["+4915100000201"])
    async with from_address(app, OFFICE) as office, from_address(app, ATTACKER) as attacker:
        assert (await onboarding.log_in(office, partner)).status_code == 200
        for _ in range(5):
            wrong = await onboarding.log_in(attacker, partner, password="wrong password!")
            assert wrong.status_code == 400
        locked = await onboarding.log_in(attacker, partner)
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
        assert (await onboarding.log_in(office, partner)).status_code == 200


async def test_every_login_costs_one_password_check_whatever_the_email(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    """Finding 6: an email shared by four clients took four argon2 verifications (0.37 s
    against 0.095 s for an unknown email). Every login, on every door, now costs exactly one."""
    await onboarding.configure(state, client, partner)
    shared = "shared@pizza.example"
    for n in range(4):
        await onboarding.onboard(client, partner, [f"+491510000030{n}"], email=shared)

    async def cost(attempt: Any) -> float:
        before = await checks(client)
        await attempt
        return await checks(client) - before

    costs = {
        "client, shared email, wrong password": await cost(
            onboarding.log_in(client, partner, email=shared, password="wrong password!")
        ),
        "client, unknown email": await cost(
            onboarding.log_in(client, partner, email="nobody@pizza.example")
        ),
        "client, shared email, right password": await cost(
            onboarding.log_in(client, partner, email=shared)
        ),
        "hub, unknown email": await cost(hub_log_in(client, "nobody@x.example", "pw-pw-pw-pw")),
        "hub, known email": await cost(hub_log_in(client, partner.email, "pw-pw-pw-pw")),
        "token, unknown email": await cost(grant(client, "nobody@x.example", "pw-pw-pw-pw")),
        "token, known email": await cost(grant(client, partner.email, "pw-pw-pw-pw")),
    }
    assert costs == dict.fromkeys(costs, 1.0)


async def test_a_trusted_proxy_passes_the_clients_address_and_no_one_else_can(
    settings: Settings, state: AppState, partner: PartnerCreds
) -> None:
    """Behind a proxy every request has the proxy's address: with ``TRUSTED_PROXIES`` the
    client's comes from X-Forwarded-For, which is ignored from anyone else (no way to step
    out of a per-address lockout by sending the header)."""
    proxied = create_app(
        settings.model_copy(update={"trusted_proxies": "127.0.0.1"}), clock=state.clock
    )
    async with running(proxied):
        for n in range(8):
            async with from_address(proxied, "127.0.0.1", **{"X-Forwarded-For": ATTACKER}) as a:
                assert (await grant(a, f"spray{n}@victim.example", "pw")).status_code == 401
        async with from_address(proxied, "127.0.0.1", **{"X-Forwarded-For": ATTACKER}) as a:
            assert_locked(await grant(a, partner.email, partner.password), "address")
        # The proxy itself, for another client: not locked.
        async with from_address(proxied, "127.0.0.1", **{"X-Forwarded-For": OFFICE}) as o:
            assert (await grant(o, partner.email, partner.password)).status_code == 200
        # The attacker straight to the server, pretending to be someone else: still locked.
        async with from_address(proxied, ATTACKER, **{"X-Forwarded-For": HOME}) as direct:
            assert_locked(await grant(direct, partner.email, partner.password), "address")


async def test_concurrent_token_guesses_cannot_get_past_the_lockout(
    client: Client, partner: PartnerCreds, settings: Settings
) -> None:
    """Finding 2, raced: every attempt is counted before its password is checked, so however
    many guesses arrive at once, no more than the allowed failures reach argon2."""
    before = await checks(client)
    answers = await asyncio.gather(*(grant(client, partner.email, f"guess {n}") for n in range(12)))
    statuses = sorted(answer.status_code for answer in answers)
    allowed = settings.hub_login_max_failures
    assert statuses.count(401) <= allowed and statuses.count(429) >= 12 - allowed, statuses
    assert await checks(client) - before <= allowed
    assert_locked(await grant(client, partner.email, partner.password), "this ")
