"""Database engine creation for the two supported backends (SQLite default, PostgreSQL to scale)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import msgspec
import structlog
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from partnerhub.adapters import inline_sqlite

T = TypeVar("T")
log = structlog.get_logger("partnerhub.db")


# ``postgresql://…/db?pgbouncer=1`` says the URL points at PgBouncer in transaction mode (the
# same as PARTNERHUB_DATABASE_PGBOUNCER=1); the flag is ours, never passed to the driver.
PGBOUNCER_QUERY = "pgbouncer"
_TRUE = ("1", "true", "yes", "on")


def normalize_url(url: str) -> URL:
    """Accept the URLs people write (``postgresql://``, ``sqlite:///``) and pick async drivers.

    Our own ``pgbouncer`` query flag is dropped here (read it with :func:`pgbouncer_flag`):
    asyncpg would send an unknown query parameter to the server as a setting."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        parsed = parsed.difference_update_query([PGBOUNCER_QUERY])
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database '{backend}': use sqlite or postgresql")


def pgbouncer_flag(url: str) -> bool:
    """Whether a database URL as written carries ``?pgbouncer=1`` (or true/yes/on)."""
    value = make_url(url).query.get(PGBOUNCER_QUERY)
    if isinstance(value, tuple):
        value = value[-1]
    return value is not None and value.lower() in _TRUE


@dataclass(frozen=True)
class PoolConfig:
    """The PostgreSQL connection budget of one process (docs/operations.md, "Connections").

    ``size`` connections are opened as needed and kept: no overflow connections that open and
    close under load (each costs a PostgreSQL backend start, and a burst of them is what runs a
    server out of ``max_connections``). A request that finds all of them busy waits up to
    ``timeout_seconds`` for one, then answers 503 + Retry-After.

    No pre-ping: a connection PostgreSQL dropped fails its first statement, that request answers
    503 like any outage, and SQLAlchemy then replaces every connection of the pool that is older
    than the failure (a disconnect invalidates the whole pool), so one request per process pays
    for a restart instead of every checkout paying a round trip.

    ``pgbouncer``: the URL points at PgBouncer in transaction mode, where consecutive
    transactions of one client connection may run on different server connections. Then
    nothing may outlive a transaction on the server: no named prepared statements (asyncpg's
    statement cache and SQLAlchemy's are off, statements are prepared unnamed inside the
    transaction that runs them) and no session state (partnerhub sets none: its advisory locks
    are transaction-scoped, ``pg_advisory_xact_lock``). ``LISTEN`` needs a session, so
    listeners connect to the direct URL (``PARTNERHUB_DATABASE_DIRECT_URL``).
    """

    size: int = 20
    timeout_seconds: float = 5.0
    pgbouncer: bool = False


def _unnamed_statement() -> str:
    # asyncpg prepares a statement under the name it is given; "" is PostgreSQL's unnamed
    # statement, which lives only until the next one is prepared on that server connection.
    return ""


def json_text(value: Any) -> str:
    """A JSON column's value as stored: msgspec's compact UTF-8 text (see _JSON_CODEC)."""
    return msgspec.json.encode(value).decode()


# JSON columns (webhook payloads, statuses, settings) through msgspec rather than the standard
# library's json: the same documents several times faster, as the send store already writes
# them (adapters/fastpath/sqlite_send.py). Compact, UTF-8 rather than \u escapes, NaN as null.
_JSON_CODEC: dict[str, Any] = {
    "json_serializer": json_text,
    "json_deserializer": msgspec.json.decode,
}


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for an in-memory database."""
    if not is_sqlite(url) or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


SQLITE_WAL_CHECKPOINT_PAGES = 10_000


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
    # Checkpoint the WAL into the database every 10,000 pages (about 40 MB) instead of SQLite's
    # 1,000: a checkpoint copies every page written since the last one and syncs the file,
    # holding up the committing writer, and under send load the same hot pages (the newest
    # messages, their indexes) are written again and again. Measured with statuses flowing:
    # 5.0k against 5.5k messages/s, four runs each (docs/benchmarks.md).
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_CHECKPOINT_PAGES}")
    cursor.close()


def inline_pragmas(connection: Any) -> None:
    """The pragmas, then no busy handler: a connection run on the event loop's thread must not
    sleep in SQLite, it retries busy answers with asyncio sleeps instead
    (:func:`partnerhub.adapters.inline_sqlite.patiently`)."""
    sqlite_pragmas(connection)
    connection.execute("PRAGMA busy_timeout=0")


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


def create_engine(url: URL, pool: PoolConfig | None = None) -> AsyncEngine:
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            private_sqlite_file(path)
        # hide_parameters: a database error must never print row values (secrets, custom
        # webhook header values) into the logs.
        # Driver calls on the loop's thread, busy waits as asyncio sleeps (inline_sqlite.py).
        return create_async_engine(
            url,
            async_creator=inline_sqlite.connector(url, inline_pragmas),
            hide_parameters=True,
            **_JSON_CODEC,
        )
    pool = pool or PoolConfig()
    connect_args: dict[str, Any] = {}
    if pool.pgbouncer:
        connect_args = {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": _unnamed_statement,
        }
    return create_async_engine(
        url,
        pool_size=pool.size,
        max_overflow=0,
        pool_timeout=pool.timeout_seconds,
        pool_pre_ping=False,
        hide_parameters=True,
        connect_args=connect_args,
        **_JSON_CODEC,
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects returned by services stay readable after the commit.
    return async_sessionmaker(engine, expire_on_commit=False)


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads that need no transaction (list pages): on PostgreSQL in autocommit,
    so a read costs its statements' round trips and no ``BEGIN``/``ROLLBACK`` around them. Each
    statement still sees one snapshot, which is why a page and its total are one statement
    (:func:`partnerhub.adapters.repositories.paging.fetch_page`). SQLite's driver opens no
    transaction for a SELECT anyway."""
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
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


def is_out_of_connections(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says there is no database connection to be had
    right now: this process's pool stayed busy for its whole timeout, or PostgreSQL (or
    PgBouncer) refused a new connection because its ``max_connections`` / the role's
    ``CONNECTION LIMIT`` is reached. Like an outage, that answers 503 + Retry-After.
    (PgBouncer's own refusals, ``max_client_conn`` or ``query_wait_timeout``, come as
    connection errors, 08P01, which count as the database being unreachable.)"""
    return any(
        isinstance(e, PoolTimeoutError | asyncpg.TooManyConnectionsError)
        # too_many_connections, however the driver error was wrapped on its way up.
        or getattr(e, "sqlstate", None) == "53300"
        for e in causes(exc)
    )


async def when_reachable(step: Callable[[], Awaitable[T]], patience_seconds: float) -> T:
    """Run a process's startup work on the database, again and again while the database is
    unreachable (or has no connection to spare), for up to ``patience_seconds``: a process
    (re)started while PostgreSQL restarts waits for it instead of exiting (uvicorn stops every
    API process when one fails to start)."""
    deadline = time.monotonic() + patience_seconds
    pause = 0.2
    while True:
        try:
            return await step()
        except Exception as exc:
            waitable = is_unreachable(exc) or is_out_of_connections(exc)
            if not waitable or time.monotonic() + pause > deadline:
                raise
            log.warning("database_unreachable_at_startup", error=str(exc), retry_in=pause)
        await asyncio.sleep(pause)
        pause = min(pause * 2, 2.0)
