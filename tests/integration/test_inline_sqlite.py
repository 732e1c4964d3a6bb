"""SQLite statements run on the event loop's thread (adapters/inline_sqlite.py): a write lock held
by another process is waited for with asyncio sleeps, never by stopping the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from partnerhub.adapters import db


async def test_a_write_waits_for_another_process_lock_while_the_loop_runs(
    tmp_path: Path,
) -> None:
    path = tmp_path / "inline.db"
    engine = db.create_engine(db.normalize_url(f"sqlite:///{path}"))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
        # Another process's connection holds SQLite's one write lock for 0.3 s.
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t VALUES (0)")
        loop = asyncio.get_running_loop()
        loop.call_later(0.3, other.execute, "COMMIT")

        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticking = asyncio.create_task(ticker())
        started = time.monotonic()
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        waited = time.monotonic() - started
        ticking.cancel()

        assert waited >= 0.25  # it waited for the lock instead of failing at once
        assert ticks >= 10  # and the loop ran other work meanwhile (~30 ticks in 0.3 s)
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT x FROM t ORDER BY x"))).scalars().all()
        assert rows == [0, 1]
        other.close()
    finally:
        await engine.dispose()


async def test_a_statement_error_is_the_drivers_own(tmp_path: Path) -> None:
    """Not a busy answer: raised at once, as SQLAlchemy's error for the driver's exception."""
    engine = db.create_engine(db.normalize_url(f"sqlite:///{tmp_path / 'errors.db'}"))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE u (x INTEGER PRIMARY KEY)"))
            await conn.execute(text("INSERT INTO u VALUES (1)"))
        started = time.monotonic()
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO u VALUES (1)"))
        assert time.monotonic() - started < 0.5
    finally:
        await engine.dispose()
