"""Migrations: upgrade from empty, downgrade to base, upgrade again; and they match the tables."""

from __future__ import annotations

from pathlib import Path

import httpx
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from partnerhub.adapters import migrate, tables
from partnerhub.adapters.db import normalize_url
from partnerhub.app import create_app
from partnerhub.server.settings import Settings
from tests.conftest import running

OUR_TABLES = {t.name for t in tables.metadata.sorted_tables}


async def _table_names(url: str) -> set[str]:
    engine = create_async_engine(normalize_url(url))
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    engine = create_async_engine(normalize_url(database_url))
    try:
        await migrate.downgrade(engine, "base")
        assert not (OUR_TABLES & await _table_names(database_url))
        assert await migrate.current_revision(engine) is None
        await migrate.upgrade(engine)
        assert await _table_names(database_url) >= OUR_TABLES
        assert await migrate.current_revision(engine) == migrate.head_revision()
        await migrate.downgrade(engine, "base")
        assert not (OUR_TABLES & await _table_names(database_url))
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()

        # The migrations produce exactly what adapters/tables/ declares.
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), tables.metadata)
            )
        assert diff == []
    finally:
        await engine.dispose()


async def test_readyz_is_503_until_migrated(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'fresh.db'}",
        log_level="WARNING",
    )
    app = create_app(settings, migrate_on_start=False)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/readyz")
            assert response.status_code == 503
            assert response.json()["status"] == "unavailable"
            assert (await client.get("/livez")).status_code == 200
            await migrate.upgrade(app.state.partnerhub.engine)
            assert (await client.get("/readyz")).status_code == 200
