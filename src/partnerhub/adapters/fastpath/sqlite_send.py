"""The send batch's transaction on SQLite, in one step on the event loop's own thread.

Through SQLAlchemy a batch of sends cost about 1 ms of CPU before its first row (measured: a
one-message batch 960 µs, the same statements on a bare ``sqlite3`` connection 46 µs): every
statement went through its own compile, bind and result processing. Here the whole transaction
(``BEGIN IMMEDIATE``, the key, window and template reads, the planning, the INSERT, ``COMMIT``)
is one function on a connection of the store's own.

It runs where it is called, as :mod:`partnerhub.adapters.inline_sqlite` runs every other SQLite
statement, and for the same reason: a batch is a few hundred microseconds of C and Python, and
handing it to a thread of its own cost more than it saved. The thread's hand-offs, and the GIL
the two threads took from each other on every batch, made a send about 10 % dearer with statuses
flowing (docs/benchmarks.md). The one wait is for another process's writer (the CLI, a separate
worker): ``BEGIN IMMEDIATE`` is retried after asyncio sleeps (:func:`patiently`), never in
SQLite's busy handler, which would stop the loop. Once it holds the write lock nothing awaits
until the COMMIT, and a batch cancelled while it waits is rolled back, never half done. Like any
commit on the loop's thread, the one that crosses the WAL's checkpoint threshold copies the WAL
into the database there (docs/operations.md).

Values are written in the SQLAlchemy columns' storage formats (naive-UTC ``DATETIME`` text with
microseconds, JSON text), so everything else reads these rows as it reads its own.
PostgreSQL has its own one-hop store (:mod:`.postgres_send`): there the hop saved is
SQLAlchemy's.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, bindparam, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import OperationalError

from partnerhub.adapters import tables
from partnerhub.adapters.db import inline_pragmas, json_text
from partnerhub.adapters.fastpath.template_components import DecodedComponents
from partnerhub.adapters.inline_sqlite import patiently
from partnerhub.adapters.tables.base import UTCDateTime, sqlite_instant
from partnerhub.domain.messaging.model import (
    Budget,
    BudgetQuery,
    SendReads,
    StoredTemplate,
    TemplateKey,
)
from partnerhub.domain.messaging.quality import limit_of

# Every name below comes from the table definitions: built once at import, the SQL text is as
# fast as hand-written, and a renamed or dropped column fails here at once, not mid-request.
_SQLITE = sqlite.dialect()
_M = tables.messages
_CT = tables.messaging_contacts.c
_K, _CH = tables.channel_api_keys.c, tables.channels.c
_TP = tables.waba_templates.c

# The INSERT's columns, in table order; the rows ``plan`` returns carry exactly these keys.
_COLUMNS = tuple(column.name for column in _M.c)
_INSERT = str(_M.insert().compile(dialect=_SQLITE))
# A planned row's values in that order (one C call), and where the JSON and instants are.
_VALUES = itemgetter(*_COLUMNS)
_JSON_AT = tuple(i for i, column in enumerate(_M.c) if isinstance(column.type, JSON))
_INSTANT_AT = tuple(i for i, column in enumerate(_M.c) if isinstance(column.type, UTCDateTime))
_TEMPLATE = str(
    select(_TP.status, _TP.category, _TP.components, _TP.id, _TP.modified_at)
    .where(
        _TP.waba_account_id == bindparam("waba_account_id"),
        _TP.name == bindparam("name"),
        _TP.language == bindparam("language"),
    )
    .compile(dialect=_SQLITE)
)
# Prefixes completed per batch with one placeholder per value; only table and column names
# are formatted in, never a value.
# One number's users at a time: ``channel_id = ? AND wa_id IN (…)`` searches the primary key,
# where a row-value ``IN (VALUES …)`` scans the whole table on SQLite (11 ms a batch at 86,000
# contacts, measured).
_WINDOWS = (
    f"SELECT {_CT.wa_id.name}, {_CT.last_inbound_at.name} "  # noqa: S608
    f"FROM {tables.messaging_contacts.name} "
    f"WHERE {_CT.channel_id.name} = ? AND {_CT.wa_id.name} IN ("
)
_LIVE_KEYS = (
    f"SELECT k.{_K.id.name}, c.{_CH.permission.name} "  # noqa: S608
    f"FROM {tables.channel_api_keys.name} k JOIN {tables.channels.name} c "
    f"ON c.{_CH.id.name} = k.{_K.channel_id.name} "
    f"WHERE k.{_K.revoked_at.name} IS NULL AND k.{_K.id.name} IN ("
)
# Messaging limits (issue 17): the numbers' tiers, their conversations in the rolling 24 hours.
_BC = tables.business_conversations.c
_TIERS = (
    f"SELECT {_CH.id.name}, {_CH.current_limit.name} "  # noqa: S608
    f"FROM {tables.channels.name} WHERE {_CH.id.name} IN ("
)
_BN = tables.business_conversation_counts.c
_USED = (
    f"SELECT {_BN.channel_id.name}, sum({_BN.opened.name}) "  # noqa: S608
    f"FROM {tables.business_conversation_counts.name} "
    f"WHERE {_BN.minute.name} >= ? AND {_BN.channel_id.name} IN ("
)
# One number's users at a time: ``channel_id = ? AND wa_id IN (…)`` is a primary key search
# (a row-value ``IN (VALUES …)`` is a scan of the table on SQLite).
_COUNTED = (
    f"SELECT {_BC.wa_id.name} FROM {tables.business_conversations.name} "  # noqa: S608
    f"WHERE {_BC.opened_at.name} > ? AND {_BC.channel_id.name} = ? AND {_BC.wa_id.name} IN ("
)
_OPEN_INSERT = sqlite.insert(tables.business_conversations)
_OPEN = str(
    _OPEN_INSERT.on_conflict_do_update(
        index_elements=[_BC.channel_id, _BC.wa_id],
        set_={_BC.opened_at.name: _OPEN_INSERT.excluded.opened_at},
    ).compile(dialect=_SQLITE)
)
_COUNT_INSERT = sqlite.insert(tables.business_conversation_counts)
_COUNT = str(
    _COUNT_INSERT.on_conflict_do_update(
        index_elements=[_BN.channel_id, _BN.minute],
        set_={_BN.opened.name: _BN.opened + _COUNT_INSERT.excluded.opened},
    ).compile(dialect=_SQLITE)
)
_PRUNE = str(
    tables.business_conversation_counts.delete()
    .where(_BN.channel_id == bindparam("channel_id"), _BN.minute < bindparam("minute"))
    .compile(dialect=_SQLITE)
)
_PAIRS_PER_QUERY = 200  # two bound parameters each: far inside SQLite's limit


def storage_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Planned message rows as the INSERT binds them: in column order, JSON as its text and
    instants as SQLAlchemy stores them in SQLite. A batch's rows share their instants (its
    clock reading and the first status's due time), so each is formatted once per batch."""
    instants: dict[datetime, str] = {}
    stored: list[list[Any]] = []
    for row in rows:
        values = list(_VALUES(row))
        for at in _JSON_AT:
            values[at] = json_text(values[at])
        for at in _INSTANT_AT:
            instant = values[at]
            if instant is not None:
                text = instants.get(instant)
                if text is None:
                    text = instants[instant] = sqlite_instant(instant)
                values[at] = text
        stored.append(values)
    return stored


def _stored_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class SqliteSendStore:
    concurrency = 1  # one writer: SQLite has one write lock

    def __init__(
        self,
        path: Path,
        write_gate: Callable[[], asyncio.Lock],
        busy_timeout_seconds: float = 10.0,
    ) -> None:
        self._path = path
        self._busy_timeout = busy_timeout_seconds
        self._write_gate = write_gate
        self._connection: sqlite3.Connection | None = None
        self._components = DecodedComponents()

    async def store_batch(
        self,
        pairs: set[tuple[str, str]],
        template_keys: set[TemplateKey],
        plan: Callable[[SendReads], list[dict[str, Any]]],
        key_ids: frozenset[str] = frozenset(),
        budget: BudgetQuery | None = None,
    ) -> None:
        # The process's other SQLite writers queue on the same gate (see UnitOfWork), so only
        # another process's writer can hold the lock BEGIN IMMEDIATE asks for.
        async with self._write_gate():
            try:
                connection = self._connect()
                await patiently(connection.execute, "BEGIN IMMEDIATE", within=self._busy_timeout)
                try:
                    self._write(connection, pairs, template_keys, plan, key_ids, budget)
                    # Never busy in WAL mode once BEGIN IMMEDIATE holds the lock, so this does
                    # not wait; patient all the same where the journal cannot be a WAL.
                    await patiently(connection.execute, "COMMIT", within=self._busy_timeout)
                finally:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
            except sqlite3.OperationalError as exc:
                # A connection whose ROLLBACK failed is still in its transaction: start the
                # next batch on a fresh one rather than fail every batch after this one.
                self._drop()
                # Locked past the busy timeout, unreadable file, I/O error: the database is
                # unavailable, as SQLAlchemy reports it for every other query (503, not 500).
                raise OperationalError("send batch", None, exc) from exc

    async def aclose(self) -> None:
        async with self._write_gate():  # after the batch in its transaction, if one is
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
            self._connection = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            # Autocommit mode: the transaction is the explicit BEGIN IMMEDIATE ... COMMIT. No
            # busy handler (inline_pragmas): waiting is patiently's, in asyncio sleeps.
            connection = sqlite3.connect(self._path, isolation_level=None, timeout=0)
            try:
                inline_pragmas(connection)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _write(
        self,
        connection: sqlite3.Connection,
        pairs: set[tuple[str, str]],
        template_keys: set[TemplateKey],
        plan: Callable[[SendReads], list[dict[str, Any]]],
        key_ids: frozenset[str],
        budget: BudgetQuery | None = None,
    ) -> None:
        """Inside the transaction BEGIN IMMEDIATE opened: the reads, the plan, the writes."""
        budgets = {} if budget is None else self._budgets(connection, budget)
        reads = SendReads(
            self._windows(connection, pairs),
            self._templates(connection, template_keys),
            self._live_keys(connection, key_ids),
            budgets,
        )
        rows = plan(reads)
        if rows:
            connection.executemany(_INSERT, storage_rows(rows))
        if budget is not None:
            self._open(connection, budgets, budget)

    @staticmethod
    def _windows(
        connection: sqlite3.Connection, pairs: set[tuple[str, str]]
    ) -> dict[tuple[str, str], datetime]:
        windows: dict[tuple[str, str], datetime] = {}
        users: dict[str, list[str]] = {}
        for channel_id, wa_id in sorted(pairs):
            users.setdefault(channel_id, []).append(wa_id)
        for channel_id, wa_ids in users.items():
            for start in range(0, len(wa_ids), _PAIRS_PER_QUERY):
                chunk = wa_ids[start : start + _PAIRS_PER_QUERY]
                # Only placeholders are joined in; every value is bound.
                query = _WINDOWS + ", ".join("?" for _ in chunk) + ")"
                for wa_id, last in connection.execute(query, [channel_id, *chunk]):
                    windows[(channel_id, wa_id)] = _stored_time(last)
        return windows

    @staticmethod
    def _open(
        connection: sqlite3.Connection, budgets: dict[str, Budget], query: BudgetQuery
    ) -> None:
        """Record the conversations the batch opened: the users, the minute's counts, and the
        counts that left the window pruned."""
        opened = {cid: found.opened for cid, found in budgets.items() if found.opened}
        if not opened:
            return
        opened_at = sqlite_instant(query.now)
        connection.executemany(
            _OPEN, [(cid, wa_id, opened_at) for cid, wa_ids in opened.items() for wa_id in wa_ids]
        )
        minute = sqlite_instant(query.minute)
        oldest = sqlite_instant(query.since_minute)
        connection.executemany(
            _COUNT, [(cid, minute, len(wa_ids)) for cid, wa_ids in sorted(opened.items())]
        )
        connection.executemany(_PRUNE, [(cid, oldest) for cid in sorted(opened)])

    @staticmethod
    def _budgets(connection: sqlite3.Connection, query: BudgetQuery) -> dict[str, Budget]:
        """Each number's tier budget for the batch's template sends (see BudgetQuery)."""
        channel_ids = sorted({channel_id for channel_id, _ in query.pairs})
        budgets: dict[str, Budget] = {}
        for start in range(0, len(channel_ids), _PAIRS_PER_QUERY):
            chunk = channel_ids[start : start + _PAIRS_PER_QUERY]
            # Only placeholders are joined in; every value is bound.
            tiers = _TIERS + ", ".join("?" for _ in chunk) + ")"
            for channel_id, tier in connection.execute(tiers, chunk):
                budgets[channel_id] = Budget(limit_of(tier))
        limited = sorted(c for c, b in budgets.items() if b.limit is not None)
        if not limited:
            return budgets
        oldest = sqlite_instant(query.since_minute)
        for start in range(0, len(limited), _PAIRS_PER_QUERY):
            chunk = limited[start : start + _PAIRS_PER_QUERY]
            used = _USED + ", ".join("?" for _ in chunk) + ") GROUP BY 1"
            for channel_id, count in connection.execute(used, [oldest, *chunk]):
                budgets[channel_id].used = int(count)
        since = sqlite_instant(query.since)
        limited_ids = set(limited)
        users: dict[str, list[str]] = {}
        for channel_id, wa_id in sorted(query.pairs):
            if channel_id in limited_ids:
                users.setdefault(channel_id, []).append(wa_id)
        for channel_id, wa_ids in users.items():
            for start in range(0, len(wa_ids), _PAIRS_PER_QUERY):
                chunk = wa_ids[start : start + _PAIRS_PER_QUERY]
                counted = _COUNTED + ", ".join("?" for _ in chunk) + ")"
                for (wa_id,) in connection.execute(counted, [since, channel_id, *chunk]):
                    budgets[channel_id].counted.add(wa_id)
        return budgets

    @staticmethod
    def _live_keys(connection: sqlite3.Connection, key_ids: frozenset[str]) -> dict[str, bool]:
        """The sending keys still live, each with its number's permission (see SendReads)."""
        live: dict[str, bool] = {}
        ordered = sorted(key_ids)
        for start in range(0, len(ordered), _PAIRS_PER_QUERY):
            chunk = ordered[start : start + _PAIRS_PER_QUERY]
            # Only placeholders are joined in; every value is bound.
            query = _LIVE_KEYS + ", ".join("?" for _ in chunk) + ")"
            for key_id, permission in connection.execute(query, chunk):
                live[key_id] = bool(permission)
        return live

    def _templates(
        self, connection: sqlite3.Connection, keys: set[TemplateKey]
    ) -> dict[TemplateKey, StoredTemplate]:
        found: dict[TemplateKey, StoredTemplate] = {}
        for key in keys:
            row = connection.execute(_TEMPLATE, key).fetchone()
            if row is not None:
                # The JSON is decoded once per template version (id, modified_at), not per send.
                components = self._components.get((row[3], row[4]), row[2])
                found[key] = StoredTemplate(row[0], row[1], components, row[3], row[4])
        return found
