"""The auth cache across processes (issue 16): per-key invalidation within its bound, and a miss
in one round trip on PostgreSQL.

A second app on the same database stands in for a second process: it has its own cache, its own
change detector (SQLite) or listener connection (PostgreSQL), and learns of the first app's
commits only through the database.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import text

from partnerhub.adapters.cache_listener import APPLICATION_NAME
from partnerhub.app import create_app
from partnerhub.domain import cache_keys
from partnerhub.domain.keys import secrets as key_secrets
from partnerhub.domain.messaging import keys as channel_keys
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from tests.conftest import PartnerCreds, running
from tests.helpers.messaging import running_channel
from tests.helpers.round_trips import counted

BOUND_SECONDS = 1.0  # docs/operations.md "The auth cache"


async def listening(state: AppState) -> None:
    """On PostgreSQL the cache is bypassed until the app's listener is connected."""
    if state.cache_listener is not None:
        await asyncio.wait_for(state.cache_listener.connected.wait(), 10)


@pytest.fixture
async def second(settings: Settings, state: AppState) -> AsyncIterator[tuple[AppState, Any]]:
    """Another app on the same database, with caches of its own."""
    other: Litestar = create_app(settings)
    async with running(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://second.test") as c:
            other_state: AppState = other.state.partnerhub
            await listening(other_state)
            await listening(state)
            yield other_state, c


async def test_a_key_revoked_through_one_app_is_refused_by_another_within_the_bound(
    client: httpx.AsyncClient,
    state: AppState,
    partner: PartnerCreds,
    second: tuple[AppState, httpx.AsyncClient],
) -> None:
    other_state, other = second
    info = f"/api/v2/partners/{partner.partner_id}"
    extra = await client.post(f"{info}/api_keys", headers=partner.headers, json={"name": "temp"})
    temp = {"X-API-Key": extra.json()["api_key"]}
    for _ in range(2):  # the second answer comes from the other app's cache
        assert (await other.get(info, headers=temp)).status_code == 200
        assert (await other.get(info, headers=partner.headers)).status_code == 200
    kept = cache_keys.api_key(key_secrets.digest(partner.api_key))
    assert other_state.cache.get(kept) is not None

    deleted = await client.delete(f"{info}/api_keys/{extra.json()['id']}", headers=partner.headers)
    assert deleted.status_code in (200, 204), deleted.text
    revoked_at = time.monotonic()
    # The revoking app refuses at once.
    assert (await client.get(info, headers=temp)).status_code == 401
    # The other within the bound.
    while (await other.get(info, headers=temp)).status_code == 200:
        assert time.monotonic() - revoked_at < BOUND_SECONDS, "still accepted after the bound"
        await asyncio.sleep(0.01)
    print(f"\nrefused by the other app {(time.monotonic() - revoked_at) * 1000:.0f} ms after")
    # Only what the revocation touched was dropped: the other key is still cached there.
    assert other_state.cache.get(kept) is not None
    assert (await other.get(info, headers=partner.headers)).status_code == 200


async def test_a_webhook_url_changed_through_one_app_is_seen_by_another_within_the_bound(
    client: httpx.AsyncClient,
    partner: PartnerCreds,
    second: tuple[AppState, httpx.AsyncClient],
) -> None:
    _, other = second
    hook = f"/api/v2/partners/{partner.partner_id}/webhook_url"
    url = "https://hooks.example.com/changed"
    assert (await other.get(hook, headers=partner.headers)).json()["webhook_url"] != url
    changed = await client.post(hook, headers=partner.headers, json={"webhook_url": url})
    assert changed.status_code == 200, changed.text
    changed_at = time.monotonic()
    while (await other.get(hook, headers=partner.headers)).json()["webhook_url"] != url:
        assert time.monotonic() - changed_at < BOUND_SECONDS, "still the old URL after the bound"
        await asyncio.sleep(0.01)


async def test_a_miss_is_one_round_trip_on_postgresql(
    client: httpx.AsyncClient, state: AppState, partner: PartnerCreds
) -> None:
    """One joined query for key and partner, no BEGIN/ROLLBACK: counted as SQLAlchemy sends the
    statements and as asyncpg runs simple queries (where BEGIN, ROLLBACK and the pool's ping
    would show)."""
    if state.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no round trips")
    await listening(state)
    info = f"/api/v2/partners/{partner.partner_id}"
    assert (await client.get(info, headers=partner.headers)).status_code == 200
    await state.authenticator.drain()  # the first use's last_used_at write is done
    await state.worker.stop()  # its delivery rounds share the engine: count the request only

    with counted(state) as seen:
        for _ in range(3):
            state.cache.invalidate()  # the next request misses
            seen.clear()
            assert (await client.get(info, headers=partner.headers)).status_code == 200
            assert len(seen.statements) == 1, seen.statements
            assert "JOIN" in seen.statements[0] and "partner_api_keys" in seen.statements[0]
            seen.drop_pings(state)
            assert seen.simple == [], seen.simple
        # A channel key's miss (/messages): one joined query too.
        seen.clear()
        with pytest.raises(Exception, match="Invalid D360-API-KEY"):
            await state.channel_keys.authenticate(channel_keys.generate_secret())
        assert len(seen.statements) == 1, seen.statements
        assert "JOIN" in seen.statements[0] and "channel_api_keys" in seen.statements[0]
        seen.drop_pings(state)
        assert seen.simple == [], seen.simple
        # A hit: no round trip at all.
        seen.clear()
        assert (await client.get(info, headers=partner.headers)).status_code == 200
        assert seen.statements == [] and seen.simple == []


async def test_a_list_page_is_one_round_trip_on_postgresql(
    client: httpx.AsyncClient, state: AppState, partner: PartnerCreds
) -> None:
    """A list page and its total are one statement, without BEGIN/ROLLBACK around it (the
    auth is a cache hit here)."""
    if state.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no round trips")
    await listening(state)
    base = f"/api/v2/partners/{partner.partner_id}"
    for n in range(3):
        created = await client.post(
            f"{base}/api_keys", headers=partner.headers, json={"name": f"k{n}"}
        )
        assert created.status_code == 201, created.text
    await running_channel(client, partner)
    assert (await client.get(base, headers=partner.headers)).status_code == 200
    await state.authenticator.drain()
    await state.worker.stop()  # its delivery rounds share the engine: count the request only
    with counted(state) as seen:
        for path, total in ((f"{base}/api_keys?limit=2", 4), (f"{base}/clients", 1)):
            seen.clear()
            answer = await client.get(path, headers=partner.headers)
            assert answer.status_code == 200, answer.text
            assert answer.json()["total"] == total
            assert len(seen.statements) == 1, seen.statements
            seen.drop_pings(state)
            assert seen.simple == [], seen.simple
        # The channel list: its total comes from the per-status counters (channel_counts), not
        # from counting the rows; an empty first page (no row to carry it) asks them alone.
        seen.clear()
        answer = await client.get(f"{base}/channels", headers=partner.headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["total"] == 1 and answer.json()["count"] == 1
        # The page carries its total; the rows' clients and WABAs follow, one batch each.
        assert len(seen.statements) == 3, seen.statements
        assert "channel_counts" in seen.statements[0]
        assert "FROM clients" in seen.statements[1] and "FROM waba_accounts" in seen.statements[2]
        seen.drop_pings(state)
        assert seen.simple == [], seen.simple
        seen.clear()
        answer = await client.get(f"{base}/channels?offset=5", headers=partner.headers)
        assert answer.json()["total"] == 1 and answer.json()["count"] == 0
        assert len(seen.statements) == 2, seen.statements
        # A page past the end has no row to carry the total: a second statement, still no
        # transaction.
        seen.clear()
        answer = await client.get(f"{base}/api_keys?offset=10", headers=partner.headers)
        assert answer.json()["total"] == 4 and answer.json()["count"] == 0
        assert len(seen.statements) == 2, seen.statements
        seen.drop_pings(state)
        assert seen.simple == [], seen.simple


async def test_the_cache_is_bypassed_while_its_listener_is_disconnected(
    client: httpx.AsyncClient, state: AppState, partner: PartnerCreds
) -> None:
    """PostgreSQL: a notification sent while the listener is down would be missed, so the cache
    is not used until the listener is back (and starts empty then)."""
    if state.cache_listener is None:
        pytest.skip("PostgreSQL only: SQLite needs no listener")
    await listening(state)
    info = f"/api/v2/partners/{partner.partner_id}"
    assert (await client.get(info, headers=partner.headers)).status_code == 200
    assert state.cache.get(cache_keys.partner(partner.partner_id)) is not None
    async with state.engine.connect() as conn:
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": APPLICATION_NAME},
        )
        await conn.commit()
    deadline = time.monotonic() + 5
    while state.cache.enabled:
        assert time.monotonic() < deadline, "the cache was still used with its listener gone"
        await asyncio.sleep(0.01)
    assert state.cache.get(cache_keys.partner(partner.partner_id)) is None
    assert (await client.get(info, headers=partner.headers)).status_code == 200  # from the db
    await listening(state)  # reconnected
    assert state.cache.enabled
