"""SQLite driver calls on the event loop's own thread, for SQLAlchemy's async engine.

aiosqlite runs every call on a thread of its own and hands the result back through the event
loop: a statement is three or four hand-offs (cursor, execute, fetch, close), and each waits for
a turn of the loop. On an idle server that is ~50 µs a statement; on a busy one each turn lasts
as long as the loop's whole queue of ready callbacks, so a PATCH of ~6 statements took tens of
milliseconds while holding the process's write gate, and a writer could not commit more than
~50 times a second beside a read load (docs/benchmarks.md, issue 16). SQLite statements on this
workload are microseconds of C: running them where they are called costs less than handing
them over, and a unit of work now holds the write gate only for its own CPU time.

One wait stays inline: SQLite's automatic checkpoint (every 10,000 pages of WAL, about 40 MB:
``db.SQLITE_WAL_CHECKPOINT_PAGES``) runs inside the commit that crosses the threshold, copying
the pages and syncing the file. It must: a checkpoint on another thread, beside writers that
keep committing, never copies the whole WAL, so the WAL is never started over and grows without
bound (tried and measured: 12 KB a commit). On a quiet disk that takes milliseconds to tens of
them; a disk busy with another program makes it longer, and the loop waits that long.

What cannot run inline is *waiting*: SQLite's busy handler sleeps inside the call, which here
would stop the loop (and with it the other writer of this process it waits for). So the
connection's ``busy_timeout`` is 0 and a statement answered ``SQLITE_BUSY`` is retried after an
``asyncio.sleep`` that grows to 20 ms, up to the same 10 s the other connections wait. Writers
of this process still queue on the write gate first (``UnitOfWork.lock_for_write``), so busy
answers only come from other processes (the CLI, a separate worker) and from rare ungated writers.

The objects below have the surface of aiosqlite's ``Connection`` and ``Cursor`` that
SQLAlchemy's ``sqlite+aiosqlite`` dialect uses, so the dialect, its type handling and its error
translation are unchanged (:func:`connect` is the engine's ``async_creator``).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL

T = TypeVar("T")

BUSY_WAIT_SECONDS = 10.0  # as PRAGMA busy_timeout=10000 on every other connection
_FIRST_PAUSE, _LONGEST_PAUSE = 0.001, 0.02
# SQLITE_BUSY and SQLITE_BUSY_RECOVERY clear by waiting; SQLITE_BUSY_SNAPSHOT (517) does not
# (the transaction read a snapshot another writer has since replaced): it fails at once, as
# SQLite's own busy handler would let it.
_RETRIED = frozenset({sqlite3.SQLITE_BUSY, 261})


async def patiently(call: Callable[..., T], *args: Any, within: float = BUSY_WAIT_SECONDS) -> T:
    """``call(*args)`` on this thread, retried while SQLite answers busy (see the module doc),
    for up to ``within`` seconds."""
    try:
        return call(*args)
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode not in _RETRIED:
            raise
    deadline = time.monotonic() + within
    pause = _FIRST_PAUSE
    while True:
        await asyncio.sleep(pause)
        try:
            return call(*args)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode not in _RETRIED or time.monotonic() >= deadline:
                raise
        pause = min(pause * 2, _LONGEST_PAUSE)


class InlineCursor:
    """aiosqlite's ``Cursor`` surface over a ``sqlite3.Cursor``, run in place."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        await patiently(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        await patiently(self._cursor.executemany, sql, list(parameters))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _Inline:
    """Stands in for aiosqlite's request queue, which SQLAlchemy's adapter fills directly to set
    the isolation level: the function runs at once and its future is resolved."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # handed to the caller through the future, as aiosqlite does
            future.set_exception(exc)


class InlineConnection:
    """aiosqlite's ``Connection`` surface over a ``sqlite3.Connection``, run in place."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        # ``_conn``, ``_connection`` and ``_tx`` are the names SQLAlchemy's adapter reaches for.
        self._conn = self._connection = connection
        self._tx = _Inline()

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        return await self.cursor().executemany(sql, parameters)

    async def commit(self) -> None:
        await patiently(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, name: str, num_params: int, func: Any, **kw: Any) -> None:
        self._conn.create_function(name, num_params, func, **kw)

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:
        """SQLAlchemy's forced close (``terminate``) when no loop can run the graceful one."""
        self._conn.close()


def connector(url: URL, on_connect: Callable[[sqlite3.Connection], None]) -> Callable[[], Any]:
    """The engine's ``async_creator`` for ``url``: the same arguments SQLAlchemy's dialect would
    give ``sqlite3.connect`` (file, ``uri``, ``:memory:``), busy handling left to
    :func:`patiently`, and ``on_connect`` (the pragmas) run on each new connection."""
    args: Sequence[Any]
    args, params = SQLiteDialect_aiosqlite().create_connect_args(url)
    params = {**params, "timeout": 0, "check_same_thread": False}

    async def connect() -> InlineConnection:
        connection = sqlite3.connect(*args, **params)  # type: ignore[call-overload]
        on_connect(connection)
        return InlineConnection(connection)

    return connect
