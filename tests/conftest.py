"""Shared fixtures.

Every test that touches the database runs once on SQLite and, when
``PARTNERHUB_TEST_DATABASE_URL`` is set (CI sets it), once more on PostgreSQL. SQLite gets a
fresh file per test; PostgreSQL is migrated from scratch once per session and emptied between
tests.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from partnerhub.adapters import migrate, tables
from partnerhub.adapters.db import normalize_url
from partnerhub.app import create_app
from partnerhub.domain.keys import services as key_services
from partnerhub.domain.partners import services as partner_services
from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from tests.receiver import Receiver, serve_receiver

PG_URL = os.environ.get("PARTNERHUB_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]
JWT_SECRET = "test-secret-" + "x" * 40
EMULATOR_TOKEN = "emulator-test-token"
EMULATOR = {"Authorization": f"Bearer {EMULATOR_TOKEN}"}


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(normalize_url(url))
    try:
        await migrate.downgrade(engine, "base")
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


async def _truncate_postgres(url: str) -> None:
    engine = create_async_engine(normalize_url(url))
    try:
        names = ", ".join(t.name for t in tables.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def _postgres_ready() -> bool:
    if PG_URL:
        asyncio.run(_reset_postgres(PG_URL))
    return True


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, _postgres_ready: bool) -> str:
    if request.param == "postgresql":
        assert PG_URL is not None
        asyncio.run(_truncate_postgres(PG_URL))
        return PG_URL
    return f"sqlite:///{tmp_path / 'partnerhub.db'}"


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
