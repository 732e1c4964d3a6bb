"""Database engine creation for the two supported backends (SQLite default, PostgreSQL to scale)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import structlog
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

T = TypeVar("T")
log = structlog.get_logger("partnerhub.db")


def normalize_url(url: str) -> URL:
    """Accept the URLs people write (``postgresql://``, ``sqlite:///``) and pick async drivers."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database '{backend}': use sqlite or postgresql")


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for an in-memory database."""
    if not is_sqlite(url) or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def sqlite_pragmas(dbapi_connection: Any, _record: Any = None) -> None:
    """Every SQLite connection's settings (SQLAlchemy's and the send store's own).

    WAL lets readers run beside the single writer; busy_timeout makes concurrent writers
    (server and CLI on the same file) wait instead of failing.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# The files SQLite keeps beside the database in WAL mode.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) readable by this user only.

    An existing directory is left as the operator made it (it may be shared on purpose, for
    backups); what partnerhub creates is private.
    """
    if not path.exists():
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)


def private_sqlite_file(path: Path) -> None:
    """The database file, and its WAL and shared-memory files, readable by this user only.

    The file is created 0600 before SQLite opens it, because SQLite gives the ``-wal`` and
    ``-shm`` files it creates the database file's mode; files an older version left
    world-readable are tightened (they hold password hashes, key digests, webhook header values
    and every message body).
    """
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in SQLITE_COMPANIONS)):
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & ~PRIVATE_FILE:
            try:
                candidate.chmod(PRIVATE_FILE)
            except PermissionError:  # another user's file: say so, the server can still run
                log.warning("database_file_not_private", path=str(candidate), mode=oct(mode))


def create_engine(url: URL) -> AsyncEngine:
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            private_sqlite_file(path)
        # hide_parameters: a database error must never print row values (secrets, custom
        # webhook header values) into the logs.
        engine = create_async_engine(url, connect_args={"timeout": 10}, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        return engine
    return create_async_engine(
        url, pool_size=10, max_overflow=10, pool_pre_ping=True, hide_parameters=True
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects returned by services stay readable after the commit.
    return async_sessionmaker(engine, expire_on_commit=False)


def causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what caused it, outermost first (each once, however the chain loops)."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return chain


def is_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is down or restarting, rather than a statement failed:
    refused or lost connections, "the database system is starting up / shutting down"."""
    return any(
        (isinstance(e, DBAPIError) and e.connection_invalidated)
        or isinstance(
            e, OSError | asyncpg.PostgresConnectionError | asyncpg.OperatorInterventionError
        )
        for e in causes(exc)
    )


async def when_reachable(step: Callable[[], Awaitable[T]], patience_seconds: float) -> T:
    """Run a process's startup work on the database, again and again while the database is
    unreachable, for up to ``patience_seconds``: a process (re)started while PostgreSQL restarts
    waits for it instead of exiting (uvicorn stops every API process when one fails to start)."""
    deadline = time.monotonic() + patience_seconds
    pause = 0.2
    while True:
        try:
            return await step()
        except Exception as exc:
            if not is_unreachable(exc) or time.monotonic() + pause > deadline:
                raise
            log.warning("database_unreachable_at_startup", error=str(exc), retry_in=pause)
        await asyncio.sleep(pause)
        pause = min(pause * 2, 2.0)
