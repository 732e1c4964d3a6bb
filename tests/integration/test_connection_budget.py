"""Running out of database connections answers 503 + Retry-After in each API's error shape,
never a 500: this process's pool stays busy past its timeout, or PostgreSQL refuses one more
connection (a role's ``CONNECTION LIMIT``, like ``max_connections`` with too many processes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from partnerhub.adapters import db
from partnerhub.app import create_app
from partnerhub.domain.keys import secrets as key_secrets
from partnerhub.domain.messaging import keys as channel_keys
from partnerhub.server.errors import database_unavailable
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from tests.conftest import PG_URL, make_partner, running
from tests.helpers.api import assert_error


def postgres_only(settings: Settings) -> None:
    if settings.sqlalchemy_url.get_backend_name() != "postgresql":
        pytest.skip("the connection budget is PostgreSQL's (SQLite opens a file)")


@asynccontextmanager
async def client(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, AppState]]:
    app = create_app(settings, migrate_on_start=False)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c, app.state.partnerhub


async def assert_both_apis_answer_503(c: httpx.AsyncClient) -> None:
    partner = await c.get(
        "/api/v2/partners/somePA", headers={"X-API-Key": key_secrets.generate("ph_test_")}
    )
    assert_error(partner, 503)
    assert partner.headers["retry-after"] == "5"
    sent = await c.post(
        "/messages",
        headers={"D360-API-KEY": channel_keys.generate_secret()},
        json={"to": "4915100000001", "type": "text", "text": {"body": "hi"}},
    )
    assert sent.status_code == 503, sent.text
    assert sent.headers["retry-after"] == "5"
    assert sent.json()["error"]["code"] == 2


def test_the_pool_has_no_overflow_and_no_pre_ping() -> None:
    url = db.normalize_url("postgresql://partnerhub@127.0.0.1:1/none")  # never connected to
    engine = db.create_engine(url, db.PoolConfig(size=7, timeout_seconds=1.5))
    pool: Any = engine.sync_engine.pool
    assert pool.size() == 7
    assert pool._max_overflow == 0
    assert pool._pre_ping is False
    assert pool._timeout == 1.5


async def test_a_burst_beyond_the_pool_opens_no_more_connections(settings: Settings) -> None:
    """No churn: 60 concurrent requests on a pool of 3 queue for its connections; none is
    opened beyond the 3 and none is closed (overflow connections used to open and close)."""
    postgres_only(settings)
    small = settings.model_copy(update={"database_pool_size": 3})
    async with client(small) as (c, state):
        partner = await make_partner(state)
        opened: list[object] = []
        closed: list[object] = []
        event.listen(state.engine.sync_engine, "connect", lambda *_: opened.append(1))
        event.listen(state.engine.sync_engine, "close", lambda *_: closed.append(1))
        codes = await asyncio.gather(
            *(
                c.get(f"/api/v2/partners/{partner.partner_id}", headers=partner.headers)
                for _ in range(60)
            )
        )
        assert set(r.status_code for r in codes) == {200}
        pool: Any = state.engine.sync_engine.pool
        assert len(opened) <= 3 and closed == []
        assert pool.checkedin() <= 3 and pool.overflow() <= 0


async def test_without_pre_ping_one_request_pays_for_dropped_connections(
    settings: Settings,
) -> None:
    """PostgreSQL drops every connection of the pool (a restart, a failover, an idle timeout):
    the first request to use one answers 503 + Retry-After (never 500), the pool replaces all
    of them, and the next request is served, with no round trip spent pinging on checkout."""
    postgres_only(settings)
    assert PG_URL is not None
    async with client(settings) as (c, state):
        partner = await make_partner(state)

        async def get() -> httpx.Response:
            return await c.get(f"/api/v2/partners/{partner.partner_id}", headers=partner.headers)

        await asyncio.gather(*(get() for _ in range(10)))  # a few pooled connections
        database = make_url(PG_URL).database
        admin = await asyncpg.connect(
            make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)
        )
        try:
            dropped = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
        finally:
            await admin.close()
        assert dropped >= 1
        answers = [await get() for _ in range(3)]
        codes = [r.status_code for r in answers]
        assert 500 not in codes and codes[-1] == 200 and codes.count(503) <= 1, codes
        for refused in (r for r in answers if r.status_code == 503):
            assert refused.headers["retry-after"] == "5"


async def test_a_request_that_finds_the_pool_busy_answers_503(settings: Settings) -> None:
    postgres_only(settings)
    tiny = settings.model_copy(
        update={"database_pool_size": 1, "database_pool_timeout_seconds": 0.3}
    )
    async with client(tiny) as (c, state):
        # A slow holder: the pool's only connection is busy for longer than the timeout.
        holding, release = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                holding.set()
                await release.wait()

        holder = asyncio.create_task(hold())
        await holding.wait()
        try:
            await assert_both_apis_answer_503(c)
        finally:
            release.set()
            await holder
        # Once the holder is done the same process serves again (401: an unknown key).
        again = await c.get(
            "/api/v2/partners/somePA", headers={"X-API-Key": key_secrets.generate("ph_test_")}
        )
        assert again.status_code == 401


async def test_postgresql_refusing_more_connections_answers_503(settings: Settings) -> None:
    postgres_only(settings)
    assert PG_URL is not None
    url = make_url(PG_URL)
    role = f"limited_{url.database}"
    admin = await asyncpg.connect(
        url.set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 1")
        await admin.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        limited = url.set(username=role, password=None)
        dsn = limited.set(drivername="postgresql").render_as_string(hide_password=False)
        occupant = await asyncpg.connect(dsn)  # the role's one connection is taken
        try:
            as_role = settings.model_copy(
                update={"database_url": limited.render_as_string(hide_password=False)}
            )
            async with client(as_role) as (c, _state):
                await assert_both_apis_answer_503(c)
        finally:
            await occupant.close()
    finally:
        await admin.execute(f"REASSIGN OWNED BY {role} TO postgres")
        await admin.execute(f"DROP OWNED BY {role}")
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.close()


def test_out_of_connections_counts_as_unavailable() -> None:
    assert database_unavailable(PoolTimeoutError("QueuePool limit reached"))
    assert database_unavailable(asyncpg.TooManyConnectionsError("too many clients"))
    # PgBouncer's refusal (measured: SQLSTATE 08P01 from Debian's 1.18).
    assert database_unavailable(
        asyncpg.ProtocolViolationError("no more connections allowed (max_client_conn)")
    )
    assert not database_unavailable(ValueError("a bug"))


def test_the_pgbouncer_flag_is_ours_and_listen_goes_direct(tmp_path: Any) -> None:
    via = "postgresql://u@127.0.0.1:6432/hub?pgbouncer=1&application_name=x"
    assert db.pgbouncer_flag(via) and not db.pgbouncer_flag("postgresql://u@h/hub")
    assert dict(db.normalize_url(via).query) == {"application_name": "x"}
    behind = Settings(data_dir=tmp_path, database_url=via)
    assert behind.database_pool.pgbouncer and behind.database_pool.size == 20
    assert behind.listen_url is None  # no LISTEN through transaction pooling
    direct = behind.model_copy(update={"database_direct_url": "postgresql://u@127.0.0.1/hub"})
    assert direct.listen_url is not None and direct.listen_url.port is None
    plain = Settings(data_dir=tmp_path, database_url="postgresql://u@127.0.0.1/hub")
    assert not plain.database_pool.pgbouncer and plain.listen_url == plain.sqlalchemy_url
    assert Settings(data_dir=tmp_path).listen_url is None  # SQLite
