"""partnerhub behind PgBouncer in transaction mode (Debian's ``pgbouncer`` package).

The module starts its own PgBouncer on a free loopback port, pointed at the test database's
server, with ``pool_mode = transaction`` and only two server connections, so the app's many
client connections are multiplexed onto them and any state that outlives a transaction (a
named prepared statement, a session setting, a ``LISTEN``) shows. The app reaches the database
through ``…?pgbouncer=1`` and listens for outbox notifications on the direct URL.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from partnerhub.adapters import db, migrate
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from tests.conftest import PG_URL, PartnerCreds, _truncate_postgres
from tests.helpers.clock import advance
from tests.helpers.messaging import inbound, ready_channel, send_text, wait_statuses
from tests.receiver import Receiver

PGBOUNCER = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/sbin")

pytestmark = [
    pytest.mark.skipif(PG_URL is None, reason="needs PARTNERHUB_TEST_DATABASE_URL"),
    pytest.mark.skipif(
        PGBOUNCER is None,
        reason="the pgbouncer binary is missing (Debian: apt-get install -y pgbouncer)",
    ),
]

# Server connections PgBouncer keeps per database/user: far fewer than the app's clients.
SERVER_CONNECTIONS = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_listening(
    port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 10
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited: {log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("pgbouncer did not start listening")


@pytest.fixture(scope="module")
def pgbouncer_url() -> Iterator[str]:
    """``postgresql://…@127.0.0.1:<port>/<db>?pgbouncer=1`` for a PgBouncer of our own."""
    assert PG_URL is not None and PGBOUNCER is not None
    target = make_url(PG_URL)
    port = _free_port()
    # A directory of its own that PgBouncer can read when it drops root for another user.
    workdir = Path(tempfile.mkdtemp(prefix="partnerhub-pgbouncer-"))
    workdir.chmod(0o755)
    users = workdir / "users.txt"
    users.write_text(f'"{target.username or "postgres"}" ""\n')
    ini = workdir / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"* = host={target.host or '127.0.0.1'} port={target.port or 5432}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {users}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {SERVER_CONNECTIONS}\n"
        "max_client_conn = 500\n"
        "ignore_startup_parameters = extra_float_digits\n"
    )
    for path in (users, ini):
        path.chmod(0o644)
    # PgBouncer refuses to run as root; Debian's package runs it as the postgres user.
    as_user = ["-u", "postgres"] if os.geteuid() == 0 else []
    log = (workdir / "pgbouncer.log").open("wb")
    process = subprocess.Popen([PGBOUNCER, *as_user, str(ini)], stdout=log, stderr=log)
    try:
        _wait_listening(port, process, workdir / "pgbouncer.log")
        via = target.set(host="127.0.0.1", port=port).update_query_dict({"pgbouncer": "1"})
        yield via.render_as_string(hide_password=False)
    finally:
        process.terminate()
        process.wait(10)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def database_url(pgbouncer_url: str, _postgres_ready: bool) -> str:
    """Every test of this module runs on PostgreSQL through PgBouncer (overrides conftest's)."""
    assert PG_URL is not None
    asyncio.run(_truncate_postgres(PG_URL))
    return pgbouncer_url


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"database_direct_url": PG_URL})


def test_the_pgbouncer_flag_turns_off_named_statements(settings: Settings) -> None:
    assert settings.database_pool.pgbouncer
    assert "pgbouncer" not in settings.sqlalchemy_url.query
    assert settings.listen_url is not None and settings.listen_url.port == make_url(PG_URL).port
    without_direct = settings.model_copy(update={"database_direct_url": None})
    assert without_direct.listen_url is None  # LISTEN cannot go through transaction pooling


async def test_migrations_run_through_pgbouncer(pgbouncer_url: str) -> None:
    engine = db.create_engine(db.normalize_url(pgbouncer_url), db.PoolConfig(pgbouncer=True))
    try:
        await migrate.upgrade(engine)  # at head already: the lock and version checks still run
        assert await migrate.current_revision(engine) is not None
    finally:
        await engine.dispose()


async def test_many_concurrent_clients_share_two_server_connections(
    client: httpx.AsyncClient, partner: PartnerCreds, state: AppState
) -> None:
    async def one(i: int) -> int:
        if i % 3 == 0:
            response = await client.get(
                f"/api/v2/partners/{partner.partner_id}/clients", headers=partner.headers
            )
        elif i % 3 == 1:
            response = await client.patch(
                f"/api/v2/partners/{partner.partner_id}",
                headers=partner.headers,
                json={"brand_name": f"Acme {i}"},
            )
        else:
            response = await client.get(
                f"/api/v2/partners/{partner.partner_id}", headers=partner.headers
            )
        return response.status_code

    codes = await asyncio.gather(*(one(i) for i in range(120)))
    assert set(codes) == {200}, codes
    async with state.engine.connect() as conn:
        backends = (await conn.execute(text("SELECT 1"))).scalar()
    assert backends == 1


async def test_messages_and_their_status_webhooks_flow(
    client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    assert state.worker.listener is not None  # LISTEN on the direct URL
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])  # opens the 24-hour window
    sent = await asyncio.gather(*(send_text(client, key, f"m{i}") for i in range(20)))
    assert {r.status_code for r in sent} == {200}, [r.text for r in sent]
    for _ in range(3):
        await advance(client, state.settings.message_status_seconds)
    found = await asyncio.to_thread(wait_statuses, receiver, 20 * 3, 20)
    assert sorted(s["status"] for s in found) == sorted(["sent", "delivered", "read"] * 20)
