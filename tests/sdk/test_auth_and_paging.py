"""Bearer tokens (cached, refreshed before expiry and on 401, password fallback, one refresh
under concurrency) and lazy paging over more than a thousand items."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from litestar import Litestar

from partnerhub.client import AsyncPartnerClient, AuthenticationError, TokenAuth
from tests.conftest import EMULATOR
from tests.sdk.conftest import BASE_URL, EMAIL, PASSWORD, World, no_sleep, seed


@dataclass
class Log:
    """What went over the wire, as (method, path, status, grant)."""

    entries: list[tuple[str, str, int, str | None]] = field(default_factory=list)

    async def on_response(self, response: httpx.Response) -> None:
        request = response.request
        grant = None
        if request.url.path == "/api/v2/token":
            grant = "refresh" if "refresh_token" in json.loads(request.content) else "password"
        self.entries.append((request.method, request.url.path, response.status_code, grant))

    @property
    def grants(self) -> list[str | None]:
        return [e[3] for e in self.entries if e[3]]


@pytest.fixture
async def logged(
    app: Litestar, client: httpx.AsyncClient
) -> AsyncIterator[tuple[httpx.AsyncClient, Log]]:
    log = Log()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), event_hooks={"response": [log.on_response]}
    ) as http:
        yield http, log


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token_sdk(
    http: httpx.AsyncClient, clock: FakeClock | None = None, password: str = PASSWORD
) -> AsyncPartnerClient:
    return AsyncPartnerClient(
        "sdkPA",
        username=EMAIL,
        password=password,
        base_url=BASE_URL,
        http_client=http,
        sleep=no_sleep,
        token_clock=clock or FakeClock(),
    )


async def advance(client: httpx.AsyncClient, seconds: float) -> None:
    response = await client.post(
        "/_emulator/clock/advance", headers=EMULATOR, json={"seconds": seconds}
    )
    assert response.status_code in (200, 201), response.text


async def test_token_is_fetched_once_and_reused(
    world: World, logged: tuple[httpx.AsyncClient, Log]
) -> None:
    http, log = logged
    hub = token_sdk(http)
    assert (await hub.partner.get()).id == world.partner_id
    await hub.clients.list()
    assert log.grants == ["password"]
    assert isinstance(hub.auth, TokenAuth) and hub.auth.access_token


async def test_refresh_once_on_401_when_the_server_clock_passes_expiry(
    client: httpx.AsyncClient, world: World, logged: tuple[httpx.AsyncClient, Log]
) -> None:
    http, log = logged
    hub = token_sdk(http)
    await hub.partner.get()
    await advance(client, 86400 + 60)  # the server's (virtual) clock: our token is now expired
    log.entries.clear()
    assert (await hub.partner.get()).id == world.partner_id
    assert [(m, p, s) for m, p, s, _ in log.entries] == [
        ("GET", "/api/v2/partners/sdkPA", 401),
        ("POST", "/api/v2/token", 200),
        ("GET", "/api/v2/partners/sdkPA", 200),
    ]
    assert log.grants == ["refresh"]


async def test_refresh_before_expiry_on_our_clock(
    world: World, logged: tuple[httpx.AsyncClient, Log]
) -> None:
    http, log = logged
    clock = FakeClock()
    hub = token_sdk(http, clock)
    await hub.partner.get()
    clock.now += 86400 - 30  # inside the leeway: renew before sending
    log.entries.clear()
    await hub.partner.get()
    assert [(p, s) for _, p, s, _ in log.entries] == [
        ("/api/v2/token", 200),
        ("/api/v2/partners/sdkPA", 200),
    ]
    assert log.grants == ["refresh"]


async def test_password_again_when_the_refresh_token_expired(
    client: httpx.AsyncClient, world: World, logged: tuple[httpx.AsyncClient, Log]
) -> None:
    http, log = logged
    hub = token_sdk(http)
    await hub.partner.get()
    await advance(client, 31 * 86400)  # past the 30-day refresh token too
    log.entries.clear()
    assert (await hub.partner.get()).id == world.partner_id
    assert log.grants == ["refresh", "password"]
    grant_statuses = [status for _, _, status, grant in log.entries if grant]
    assert grant_statuses[0] in (400, 401) and grant_statuses[1] == 200


async def test_concurrent_requests_share_one_refresh(
    world: World, logged: tuple[httpx.AsyncClient, Log]
) -> None:
    """Refresh tokens are single-use: two refreshes at once would revoke the login."""
    http, log = logged
    clock = FakeClock()
    hub = token_sdk(http, clock)
    await hub.partner.get()
    clock.now += 10 * 86400
    log.entries.clear()
    results = await asyncio.gather(*(hub.partner.get() for _ in range(20)))
    assert {p.id for p in results} == {world.partner_id}
    assert log.grants == ["refresh"]


async def test_wrong_password_is_an_authentication_error(
    world: World, logged: tuple[httpx.AsyncClient, Log]
) -> None:
    http, _ = logged
    with pytest.raises(AuthenticationError) as caught:
        await token_sdk(http, password="wrong-password-here").partner.get()
    assert caught.value.status_code == 401
    assert caught.value.error is not None and caught.value.error["error"] == "invalid_grant"


def test_credentials_are_checked_up_front() -> None:
    with pytest.raises(ValueError, match="either api_key"):
        AsyncPartnerClient("p", api_key="k", username="u", password="p")
    with pytest.raises(ValueError, match="both username and password"):
        AsyncPartnerClient("p", username="u")


async def test_iterating_1050_clients_pages_lazily(
    client: httpx.AsyncClient, logged: tuple[httpx.AsyncClient, Log]
) -> None:
    world = await seed(client, clients=1050)
    http, log = logged
    hub = AsyncPartnerClient(
        world.partner_id, api_key=world.api_key, base_url=BASE_URL, http_client=http
    )

    ids = [c.id async for c in hub.clients.iter(page_size=100, sort="created_at")]
    assert ids == world.client_ids  # all of them, in order, none twice
    assert len(log.entries) == 11

    log.entries.clear()
    first: list[str] = []
    async for c in hub.clients.iter(page_size=100, sort="created_at"):
        first.append(c.id)
        if len(first) == 5:
            break
    assert first == world.client_ids[:5] and len(log.entries) == 1  # nothing fetched ahead

    log.entries.clear()
    assert len([c async for c in hub.clients.iter(page_size=1000)]) == 1050
    assert len(log.entries) == 2

    page = await hub.clients.list(limit=1000, offset=1000)
    assert (page.total, page.count, page.offset, len(page.items)) == (1050, 50, 1000, 50)
    assert page.next_offset() is None
