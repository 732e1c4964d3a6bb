"""Shared fixtures.

Every test that touches the database runs once on SQLite and, when
``PARTNERHUB_TEST_DATABASE_URL`` is set (CI sets it), once more on PostgreSQL. Migrations run
once per test run: SQLite gets a copy of a migrated template file per test; PostgreSQL is
migrated from scratch once per session and emptied between tests with ``DELETE`` (on tables
this small it is several times quicker than ``TRUNCATE``, which rewrites every table's files).

Two costs that production pays on purpose are cut for the tests' own process only, here and
nowhere else: argon2 runs with its cheapest parameters (hashes stay valid argon2id, verified the
same way; servers started as subprocesses keep the defaults), and an app starting on a database
already at the head revision skips loading every migration script.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from partnerhub.adapters import migrate, tables
from partnerhub.adapters.db import PRIVATE_FILE, normalize_url
from partnerhub.app import create_app
from partnerhub.domain.auth import passwords
from partnerhub.domain.keys import services as key_services
from partnerhub.domain.partners import services as partner_services
from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from tests.receiver import Receiver, serve_receiver


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker gets its own PostgreSQL database (``test_gw0`` for
    ``test``), created on first use: tests empty the database they run on."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


BASE_PG_URL = os.environ.get("PARTNERHUB_TEST_DATABASE_URL")
PG_URL = _worker_database(BASE_PG_URL)
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]
JWT_SECRET = "test-secret-" + "x" * 40
EMULATOR_TOKEN = "emulator-test-token"
EMULATOR = {"Authorization": f"Bearer {EMULATOR_TOKEN}"}


async def _create_database(base_url: str, url: str) -> None:
    """Create ``url``'s database through ``base_url``'s server, unless it exists."""
    name = make_url(url).database
    admin = create_async_engine(normalize_url(base_url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            found = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not found:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()


async def _reset_postgres(url: str) -> None:
    if BASE_PG_URL and url != BASE_PG_URL:
        await _create_database(BASE_PG_URL, url)
    engine = create_async_engine(normalize_url(url))
    try:
        await migrate.downgrade(engine, "base")
        await _real_upgrade(engine)
    finally:
        await engine.dispose()


async def _truncate_postgres(url: str) -> None:
    """Empty every table (children first). Sequences are left as they are, as TRUNCATE did."""
    engine = create_async_engine(normalize_url(url))
    try:
        async with engine.begin() as conn:
            for table in reversed(tables.metadata.sorted_tables):
                await conn.execute(table.delete())
    finally:
        await engine.dispose()


async def _migrate(url: str) -> None:
    engine = create_async_engine(normalize_url(url))
    try:
        await _real_upgrade(engine)
    finally:
        await engine.dispose()


_real_upgrade = migrate.upgrade
_HEAD = migrate.head_revision()


async def _upgrade_unless_at_head(engine: AsyncEngine, revision: str = "head") -> None:
    """``migrate.upgrade`` without Alembic's cost when there is nothing to do.

    Alembic re-reads every migration script on each call, a tenth of a second that every
    test's app start paid for a no-op on the template's copy. A database below head (the
    migration tests) still takes the real path.
    """
    if revision in ("head", _HEAD) and await migrate.current_revision(engine) == _HEAD:
        return
    await _real_upgrade(engine, revision)


@pytest.fixture(scope="session", autouse=True)
def _fast_test_process() -> Iterator[None]:
    """Cheap argon2 and no no-op Alembic runs, in this process only (see the module docstring)."""
    with pytest.MonkeyPatch.context() as patch:
        cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        patch.setattr(passwords, "_hasher", cheap)
        patch.setattr(passwords, "_DUMMY_HASH", cheap.hash("partnerhub-dummy-password"))
        patch.setattr(migrate, "upgrade", _upgrade_unless_at_head)
        yield


@pytest.fixture(scope="session")
def _postgres_ready() -> bool:
    if PG_URL:
        asyncio.run(_reset_postgres(PG_URL))
    return True


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per test run; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "partnerhub.db"
    asyncio.run(_migrate(f"sqlite:///{path}"))
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, _postgres_ready: bool) -> str:
    if request.param == "postgresql":
        assert PG_URL is not None
        asyncio.run(_truncate_postgres(PG_URL))
        return PG_URL
    path = tmp_path / "partnerhub.db"
    shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
    path.chmod(PRIVATE_FILE)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        jwt_secret=JWT_SECRET,  # type: ignore[arg-type]
        log_level="WARNING",
        log_format="json",
        emulator_token=EMULATOR_TOKEN,  # type: ignore[arg-type]
        delivery_poll_seconds=0.05,
        # Long enough that real time passing under the virtual clock never makes a step due
        # early; tests move the clock instead.
        simulator_step_seconds=60,
    )


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def app(settings: Settings, clock: VirtualClock) -> Litestar:
    return create_app(settings, clock=clock)


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[None]:
    """Run the app's lifespan in a task of its own: its cancel scope must exit where it began."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def lifespan() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(lifespan())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # start-up failed: raise its error here
    try:
        yield
    finally:
        stop.set()
        await task


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app in this test's own event loop, through httpx's ASGI transport."""
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://partnerhub.test") as c:
            yield c


@pytest.fixture
def state(app: Litestar, client: httpx.AsyncClient) -> AppState:
    result: AppState = app.state.partnerhub
    return result


@dataclass
class PartnerCreds:
    partner_id: str
    email: str
    password: str
    api_key: str
    key_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.api_key}


_counter = iter(range(1_000_000))


async def make_partner(state: AppState, brand_name: str = "Acme") -> PartnerCreds:
    n = next(_counter)
    email, password = f"user{n}@{brand_name.lower()}.example", f"password-{n}-long"
    async with state.uow() as uow:
        partner, _ = await partner_services.create_partner(
            uow, state.clock, brand_name=brand_name, email=email, password=password
        )
    async with state.uow() as uow:
        issued = await key_services.issue_key(uow, state.clock, partner.id, "test")
    return PartnerCreds(partner.id, email, password, issued.secret, issued.key.id)


@pytest.fixture
async def partner(state: AppState) -> PartnerCreds:
    return await make_partner(state, "Acme")


@pytest.fixture
async def other_partner(state: AppState) -> PartnerCreds:
    return await make_partner(state, "Rival")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve_receiver()


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"
