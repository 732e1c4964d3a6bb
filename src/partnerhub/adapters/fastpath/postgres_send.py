"""The send batch's transaction on PostgreSQL, in one hop to the driver.

Through the unit of work a batch cost about 180 µs of the event loop's CPU a message under load
(SQLite's one-hop store: about 105): an ORM session, and for each statement SQLAlchemy's
compile, bind and result processing around asyncpg. Here the whole transaction (the key,
window, template and budget reads, the planning, the INSERT, the conversations it opened) runs
on the asyncpg connection under a pooled SQLAlchemy connection: the same pool, the same
connection budget, no second pool. The new messages go in as one ``INSERT … SELECT FROM
unnest(…)`` of one array per column: one statement and one round trip whatever the batch's size.
A batch of free-form sends is two statements and no ``BEGIN``/``COMMIT`` (measured: 2.5k →
3.2 to 3.9k messages/s with statuses flowing, docs/benchmarks.md); template sends lock their
numbers' budgets, so theirs is one transaction.

Behind PgBouncer in transaction mode (``PoolConfig.pgbouncer``) the connections are made with
asyncpg's statement cache off, so each statement here is an unnamed one that asyncpg parses
again with its execution, and no prepared statement outlives it on a server connection
(``tests/integration/test_pgbouncer.py``). There a free-form batch takes about four round trips
instead of two. Values are written as the SQLAlchemy columns
store them (naive-UTC ``timestamp``, JSON text), so everything else reads these rows as it
reads its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import JSON, Column, String
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from partnerhub.adapters import db, tables
from partnerhub.adapters.fastpath.template_components import DecodedComponents
from partnerhub.adapters.tables.base import UTCDateTime, stored_instant
from partnerhub.domain.messaging.model import (
    Budget,
    BudgetQuery,
    SendReads,
    StoredTemplate,
    TemplateKey,
)
from partnerhub.domain.messaging.quality import limit_of


def _column_io(column: Column[Any]) -> tuple[str, str, Callable[[Any], Any] | None]:
    """A column's array parameter type, its select expression, and its value's conversion."""
    if isinstance(column.type, JSON):
        return "text[]", f"{column.name}::json", db.json_text
    if isinstance(column.type, UTCDateTime):
        return "timestamp[]", column.name, stored_instant
    if isinstance(column.type, String):
        return "text[]", column.name, None
    raise TypeError(f"messages.{column.name}: no array type for {column.type!r}")


# Every name below comes from the table definitions: a renamed or dropped column fails here, at
# import, not mid-request.
_M = tables.messages
_COLUMNS = tuple(column.name for column in _M.c)
_IO = tuple(_column_io(column) for column in _M.c)
_CONVERT = tuple(io[2] for io in _IO)
_INSERT = (
    f"INSERT INTO {_M.name} ({', '.join(_COLUMNS)}) "  # noqa: S608
    f"SELECT {', '.join(io[1] for io in _IO)} FROM unnest("
    + ", ".join(f"${n}::{io[0]}" for n, io in enumerate(_IO, 1))
    + f") AS r({', '.join(_COLUMNS)})"
)
_K, _CH = tables.channel_api_keys.c, tables.channels.c
_CT = tables.messaging_contacts.c
# What every batch reads, in one round trip: the sending keys still live, each with its number's
# permission (rows with no user), and the (number, user) pairs' last inbound messages (rows with
# no key).
_READS = (
    f"SELECT k.{_K.id.name}, c.{_CH.permission.name}, NULL, NULL, NULL::timestamp "  # noqa: S608
    f"FROM {tables.channel_api_keys.name} k JOIN {tables.channels.name} c "
    f"ON c.{_CH.id.name} = k.{_K.channel_id.name} "
    f"WHERE k.{_K.revoked_at.name} IS NULL AND k.{_K.id.name} = ANY($1::text[]) "
    f"UNION ALL SELECT NULL, NULL, t.{_CT.channel_id.name}, t.{_CT.wa_id.name}, "
    f"t.{_CT.last_inbound_at.name} FROM {tables.messaging_contacts.name} t "
    "JOIN unnest($2::text[], $3::text[]) AS p(channel_id, wa_id) "
    f"ON t.{_CT.channel_id.name} = p.channel_id AND t.{_CT.wa_id.name} = p.wa_id"
)
_TP = tables.waba_templates.c
# Components as text: decoded here only for a version not seen before.
_TEMPLATE = (
    f"SELECT {_TP.status.name}, {_TP.category.name}, {_TP.components.name}::text, "  # noqa: S608
    f"{_TP.id.name}, {_TP.modified_at.name} FROM {tables.waba_templates.name} "
    f"WHERE {_TP.waba_account_id.name} = $1 AND {_TP.name.name} = $2 "
    f"AND {_TP.language.name} = $3"
)
# Messaging limits (issue 17). The numbers' rows are locked in id order for the rest of the
# transaction, so batches of other processes read a budget after this one's conversations are
# counted; FOR NO KEY UPDATE lets message inserts (their foreign key's KEY SHARE) pass.
_TIERS = (
    f"SELECT {_CH.id.name}, {_CH.current_limit.name} FROM {tables.channels.name} "  # noqa: S608
    f"WHERE {_CH.id.name} = ANY($1::text[]) ORDER BY {_CH.id.name} FOR NO KEY UPDATE"
)
_BN = tables.business_conversation_counts.c
_COUNTS = tables.business_conversation_counts.name
_USED = (
    f"SELECT {_BN.channel_id.name}, sum({_BN.opened.name}) FROM {_COUNTS} "  # noqa: S608
    f"WHERE {_BN.channel_id.name} = ANY($1::text[]) AND {_BN.minute.name} >= $2 GROUP BY 1"
)
_BC = tables.business_conversations.c
_CONVERSATIONS = tables.business_conversations.name
_COUNTED = (
    f"SELECT t.{_BC.channel_id.name}, t.{_BC.wa_id.name} FROM {_CONVERSATIONS} t "  # noqa: S608
    "JOIN unnest($1::text[], $2::text[]) AS p(channel_id, wa_id) "
    f"ON t.{_BC.channel_id.name} = p.channel_id AND t.{_BC.wa_id.name} = p.wa_id "
    f"WHERE t.{_BC.opened_at.name} > $3"
)
_OPEN = (
    f"INSERT INTO {_CONVERSATIONS} ({_BC.channel_id.name}, {_BC.wa_id.name}, "  # noqa: S608
    f"{_BC.opened_at.name}) SELECT channel_id, wa_id, $3::timestamp "
    "FROM unnest($1::text[], $2::text[]) AS p(channel_id, wa_id) "
    f"ON CONFLICT ({_BC.channel_id.name}, {_BC.wa_id.name}) "
    f"DO UPDATE SET {_BC.opened_at.name} = excluded.{_BC.opened_at.name}"
)
_COUNT = (
    f"INSERT INTO {_COUNTS} ({_BN.channel_id.name}, {_BN.minute.name}, "  # noqa: S608
    f"{_BN.opened.name}) SELECT channel_id, $3::timestamp, opened "
    "FROM unnest($1::text[], $2::int[]) AS p(channel_id, opened) "
    f"ON CONFLICT ({_BN.channel_id.name}, {_BN.minute.name}) "
    f"DO UPDATE SET {_BN.opened.name} = {_COUNTS}.{_BN.opened.name} + excluded.{_BN.opened.name}"
)
_PRUNE = (
    f"DELETE FROM {_COUNTS} WHERE {_BN.channel_id.name} = ANY($1::text[]) "  # noqa: S608
    f"AND {_BN.minute.name} < $2"
)


class PostgresSendStore:
    """:class:`~partnerhub.domain.messaging.services.SendStore` on the app's PostgreSQL pool."""

    def __init__(self, engine: AsyncEngine, concurrency: int = 4) -> None:
        # Batches in their transactions at once, each on a connection of the pool: while one
        # waits for PostgreSQL the next is already reading (see SendStore.concurrency).
        self.concurrency = concurrency
        # Autocommit: SQLAlchemy opens no transaction of its own; the one below is asyncpg's.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._components = DecodedComponents()

    async def store_batch(
        self,
        pairs: set[tuple[str, str]],
        template_keys: set[TemplateKey],
        plan: Callable[[SendReads], list[dict[str, Any]]],
        key_ids: frozenset[str] = frozenset(),
        budget: BudgetQuery | None = None,
    ) -> None:
        async with self._engine.connect() as pooled:
            raw = await pooled.get_raw_connection()
            conn: asyncpg.Connection = raw.driver_connection
            try:
                if budget is None and not template_keys:
                    # Free-form sends only: the reads need no snapshot beyond their own (read
                    # committed, as in a transaction) and lock nothing, and the one INSERT is
                    # atomic and durable when it returns. No BEGIN and no COMMIT: two round
                    # trips a batch (the reads, the INSERT) instead of six.
                    await self._run(conn, pairs, template_keys, plan, key_ids, budget)
                else:
                    # Template sends lock their numbers' budgets until their conversations
                    # are recorded (see _TIERS): one transaction.
                    async with conn.transaction():
                        await self._run(conn, pairs, template_keys, plan, key_ids, budget)
            except Exception as exc:
                # asyncpg says "connection is closed" (an InterfaceError) for a connection that
                # died while it waited in the pool: lost too, not a failed statement.
                if not (db.is_unreachable(exc) or conn.is_closed()):
                    raise
                # A lost connection (PostgreSQL restarted, the backend was terminated): let
                # SQLAlchemy meet it too, so it replaces every pooled connection older than
                # this failure as after any disconnect it sees (docs/operations.md, no
                # pre-ping), and the send answers 503 like any outage, not 500.
                try:
                    await pooled.exec_driver_sql("SELECT 1")
                except DBAPIError as seen:
                    raise seen from exc
                raise OperationalError("send batch", None, exc) from exc
            finally:
                if not conn.is_closed() and conn.is_in_transaction():
                    # The ROLLBACK itself failed (a second cancellation during shutdown):
                    # SQLAlchemy's reset cannot end a transaction it did not begin, so this
                    # connection must not go back to the pool.
                    await pooled.invalidate()

    async def aclose(self) -> None:
        return None

    async def _run(
        self,
        conn: asyncpg.Connection,
        pairs: set[tuple[str, str]],
        template_keys: set[TemplateKey],
        plan: Callable[[SendReads], list[dict[str, Any]]],
        key_ids: frozenset[str],
        budget: BudgetQuery | None,
    ) -> None:
        live: dict[str, bool] = {}
        windows: dict[tuple[str, str], datetime] = {}
        ordered = sorted(pairs)
        read = await conn.fetch(
            _READS, sorted(key_ids), [p[0] for p in ordered], [p[1] for p in ordered]
        )
        for key_id, permission, channel_id, wa_id, last in read:
            if key_id is not None:
                live[key_id] = bool(permission)
            else:
                windows[(channel_id, wa_id)] = last.replace(tzinfo=UTC)
        templates = {
            key: found for key in template_keys if (found := await self._template(conn, key))
        }
        budgets = {} if budget is None else await _budgets(conn, budget)
        rows = plan(SendReads(windows, templates, live, budgets))
        if rows:
            columns = [
                [row[name] for row in rows]
                if convert is None
                else [convert(row[name]) for row in rows]
                for name, convert in zip(_COLUMNS, _CONVERT, strict=True)
            ]
            await conn.execute(_INSERT, *columns)
        if budget is not None:
            await _open(conn, budgets, budget)

    async def _template(self, conn: asyncpg.Connection, key: TemplateKey) -> StoredTemplate | None:
        row = await conn.fetchrow(_TEMPLATE, *key)
        if row is None:
            return None
        status, category, components, template_id, modified_at = row
        # The JSON is decoded once per template version, not per send (read as text: the
        # connection's json codec would decode it on every read).
        version = (template_id, modified_at.replace(tzinfo=UTC).isoformat())
        decoded = self._components.get(version, components)
        return StoredTemplate(status, str(category), decoded, template_id, version[1])


async def _budgets(conn: asyncpg.Connection, query: BudgetQuery) -> dict[str, Budget]:
    """Each number's tier budget for the batch's template sends (see BudgetQuery)."""
    channel_ids = sorted({channel_id for channel_id, _ in query.pairs})
    budgets = {
        channel_id: Budget(limit_of(tier))
        for channel_id, tier in await conn.fetch(_TIERS, channel_ids)
    }
    limited = sorted(c for c, b in budgets.items() if b.limit is not None)
    if not limited:
        return budgets
    for channel_id, count in await conn.fetch(_USED, limited, stored_instant(query.since_minute)):
        budgets[channel_id].used = int(count)
    limited_ids = set(limited)
    asked = sorted(pair for pair in query.pairs if pair[0] in limited_ids)
    counted = await conn.fetch(
        _COUNTED, [p[0] for p in asked], [p[1] for p in asked], stored_instant(query.since)
    )
    for channel_id, wa_id in counted:
        budgets[channel_id].counted.add(wa_id)
    return budgets


async def _open(conn: asyncpg.Connection, budgets: dict[str, Budget], query: BudgetQuery) -> None:
    """Record the conversations the batch opened: the users, the minute's counts, and the
    counts that left the window pruned."""
    opened = sorted((cid, found.opened) for cid, found in budgets.items() if found.opened)
    if not opened:
        return
    users = [(cid, wa_id) for cid, wa_ids in opened for wa_id in wa_ids]
    await conn.execute(
        _OPEN, [u[0] for u in users], [u[1] for u in users], stored_instant(query.now)
    )
    await conn.execute(
        _COUNT,
        [cid for cid, _ in opened],
        [len(wa_ids) for _, wa_ids in opened],
        stored_instant(query.minute),
    )
    await conn.execute(_PRUNE, [cid for cid, _ in opened], stored_instant(query.since_minute))
