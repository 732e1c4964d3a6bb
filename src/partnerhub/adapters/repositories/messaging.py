"""Queries of the Messaging API: channel keys, messages, the customer service window, and the
numbers the emulator marks unreachable."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam, delete, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.adapters.db import json_text
from partnerhub.adapters.repositories.paging import fetch_page
from partnerhub.adapters.tables.base import sqlite_instant
from partnerhub.domain import cache_keys
from partnerhub.domain.clients.model import Channel, WabaAccount
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.messaging.model import ChannelApiKey, DueMessage, Message
from partnerhub.domain.partners.model import Partner

_K = tables.channel_api_keys.c
_M = tables.messages.c
_C = tables.messaging_contacts.c
_CH = tables.channels.c
# Ids per ``IN (...)`` list: well inside every backend's bound-parameter limit.
_ID_CHUNK = 500
# A simulator round's status moves: built once, so a round binds its ids instead of building
# and coercing a new statement (and every id in its IN list) per move. PostgreSQL gets the ids
# as one array (``= ANY``), so nothing is rendered per id either; SQLite an expanding IN.
_MOVED_TO = {
    "status": bindparam("to_status", type_=_M.status.type),
    "modified_at": bindparam("moved_at", type_=_M.modified_at.type),
    "next_status_at": bindparam("next_at", type_=_M.next_status_at.type),
    # no error: JSON null, as the inserts and the literal None in values() before wrote it
    "error": bindparam("to_error", type_=_M.error.type),
}
_MOVE = {
    "postgresql": update(tables.messages)
    .where(_M.id == any_(bindparam("ids", type_=postgresql.ARRAY(String))))
    .values(_MOVED_TO)
    .execution_options(synchronize_session=False),
    "sqlite": update(tables.messages)
    .where(_M.id.in_(bindparam("ids", expanding=True)))
    .values(_MOVED_TO)
    .execution_options(synchronize_session=False),
}

# SQLite: the simulator's round on the driver itself, by rowid. Through SQLAlchemy a round spent
# more CPU compiling, binding (an expanding IN of 500 ids) and wrapping rows than SQLite spent
# running it, and moving a message by its text id searched the id index first (measured on
# 100,000 messages: 5.7 against 3.4 µs a row). Names come from the table definitions, values
# are bound.
_DUE_SQLITE = (
    f"SELECT rowid, {_M.id.name}, {_M.channel_id.name}, {_M.wa_id.name}, "  # noqa: S608
    f"{_M.status.name}, {_M.pricing_category.name}, "
    f"json_extract({_M.body.name}, '$.\"biz_opaque_callback_data\"'), {_M.type.name} "
    f"FROM {tables.messages.name} "
    f"WHERE {_M.next_status_at.name} IS NOT NULL AND {_M.next_status_at.name} <= ? "
    f"ORDER BY {_M.next_status_at.name} LIMIT ?"
)
_MOVE_SQLITE = (
    f"UPDATE {tables.messages.name} SET {_M.status.name} = ?, "  # noqa: S608
    f"{_M.modified_at.name} = ?, {_M.next_status_at.name} = ?, {_M.error.name} = ? "
    "WHERE rowid IN ("
)


class MessagingRepository:
    KEY_COLUMNS: Mapping[str, ColumnElement[Any]] = {
        "id": _K.id,
        "created_at": _K.created_at,
        "last_used_at": _K.last_used_at,
    }

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # SQLite: the rowids of the messages read as due (see _DUE_SQLITE), and the transaction
        # they were read in: a rowid names the same row only while the write lock is held.
        self._due_rowids: dict[str, int] = {}
        self._due_in: object | None = None

    def _dialect(self) -> str:
        return self._session.bind.dialect.name if self._session.bind is not None else ""

    async def _driver(self) -> Any:
        """The DBAPI connection under this unit of work's transaction (SQLite: the inline
        driver of :mod:`partnerhub.adapters.inline_sqlite`)."""
        connection = await self._session.connection()
        return (await connection.get_raw_connection()).driver_connection

    # Channel keys -------------------------------------------------------------------------

    def add_key(self, key: ChannelApiKey) -> None:
        self._session.add(key)

    async def revoke_channel_keys(
        self, channel_id: str, now: datetime, key_id: str | None = None
    ) -> list[ChannelApiKey]:
        """Revoke the channel's live keys (or the one ``key_id``); the keys revoked, as they are
        now (read locked first, so the answer names exactly what this call revoked)."""
        found = select(ChannelApiKey).where(_K.channel_id == channel_id, _K.revoked_at.is_(None))
        if key_id is not None:
            found = found.where(_K.id == key_id)
        keys = list(
            (await self._session.scalars(found.order_by(_K.created_at, _K.id).with_for_update()))
            .unique()
            .all()
        )
        if not keys:
            return []
        await self._session.execute(
            update(tables.channel_api_keys)
            .where(_K.id.in_([key.id for key in keys]), _K.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(
                synchronize_session=False,
                cache_tags=[cache_keys.channel_key(key.secret_digest) for key in keys],
            )
        )
        for key in keys:
            key.revoked_at = now
        return keys

    async def list_active_keys(
        self, channel_id: str, query: ListQuery
    ) -> tuple[list[ChannelApiKey], int]:
        statement = select(ChannelApiKey).where(
            _K.channel_id == channel_id, _K.revoked_at.is_(None)
        )
        return await fetch_page(self._session, statement, query, self.KEY_COLUMNS)

    async def key_and_channel(self, secret_digest: str) -> tuple[ChannelApiKey, Channel] | None:
        """The live key with this digest and its channel, in one indexed lookup."""
        statement = (
            select(ChannelApiKey, Channel)
            .join(Channel, _CH.id == _K.channel_id)
            .where(_K.secret_digest == secret_digest, _K.revoked_at.is_(None))
        )
        row = (await self._session.execute(statement)).first()
        return None if row is None else (row[0], row[1])

    async def live_key_permissions(self, key_ids: set[str]) -> dict[str, bool]:
        """For each of these keys still live, whether its number's permission is granted."""
        found: dict[str, bool] = {}
        ordered = sorted(key_ids)
        for start in range(0, len(ordered), _ID_CHUNK):
            statement = (
                select(_K.id, _CH.permission)
                .join(tables.channels, _CH.id == _K.channel_id)
                .where(_K.id.in_(ordered[start : start + _ID_CHUNK]), _K.revoked_at.is_(None))
            )
            for key_id, permission in (await self._session.execute(statement)).all():
                found[key_id] = bool(permission)
        return found

    async def touch_key(self, key_id: str, now: datetime) -> None:
        await self._session.execute(
            update(tables.channel_api_keys)
            .where(_K.id == key_id, _K.revoked_at.is_(None))
            .values(last_used_at=now)
            .execution_options(cache_tags=())  # last use is nothing the auth cache relies on
        )

    # Messages -----------------------------------------------------------------------------

    def add_message(self, message: Message) -> None:
        self._session.add(message)

    async def insert_messages(self, rows: list[dict[str, Any]]) -> None:
        """Many new messages in one statement (the send path's group commit)."""
        if rows:
            await self._session.execute(tables.messages.insert(), rows)

    async def get_message(self, message_id: str) -> Message | None:
        return await self._session.get(Message, message_id)

    async def due_messages(self, now: datetime, limit: int) -> list[DueMessage]:
        """Outbound messages whose next status update is due, locked for this transaction.

        Only the columns a step reads: the body stays in the database (its one field a status
        webhook echoes is extracted there), so a round decodes no JSON per message.
        """
        if self._dialect() == "sqlite":
            # On the driver itself: its errors are sqlite3's own, not SQLAlchemy's (the
            # simulator's round, the one caller, logs any and tries again next round).
            driver = await self._driver()
            cursor = await driver.execute(_DUE_SQLITE, (sqlite_instant(now), limit))
            found = await cursor.fetchall()
            # Kept only under the write lock (lock_for_write), for this transaction alone.
            locked = driver.in_transaction
            self._due_rowids = {row[1]: row[0] for row in found} if locked else {}
            self._due_in = self._session.get_transaction() if locked else None
            return [DueMessage(*row[1:]) for row in found]
        statement = (
            select(
                _M.id,
                _M.channel_id,
                _M.wa_id,
                _M.status,
                _M.pricing_category,
                _M.body["biz_opaque_callback_data"].as_string(),
                _M.type,
            )
            .where(_M.next_status_at.is_not(None), _M.next_status_at <= now)
            .order_by(_M.next_status_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = (await self._session.execute(statement)).all()
        return [
            DueMessage(
                id=row[0],
                channel_id=row[1],
                wa_id=row[2],
                status=row[3],
                pricing_category=row[4],
                biz_opaque_callback_data=row[5],
                type=row[6],
            )
            for row in rows
        ]

    async def channels_by_id(self, channel_ids: set[str]) -> dict[str, Channel]:
        if not channel_ids:
            return {}
        rows = await self._session.scalars(select(Channel).where(_CH.id.in_(channel_ids)))
        return {c.id: c for c in rows.all()}

    async def wabas_by_id(self, waba_ids: set[str]) -> dict[str, WabaAccount]:
        if not waba_ids:
            return {}
        rows = await self._session.scalars(
            select(WabaAccount).where(tables.waba_accounts.c.id.in_(waba_ids))
        )
        return {w.id: w for w in rows.all()}

    async def partners_by_id(self, partner_ids: set[str]) -> dict[str, Partner]:
        if not partner_ids:
            return {}
        rows = await self._session.scalars(
            select(Partner).where(tables.partners.c.id.in_(partner_ids))
        )
        return {p.id: p for p in rows.all()}

    # The customer service window ----------------------------------------------------------

    async def last_inbound_pairs(
        self, pairs: set[tuple[str, str]]
    ) -> dict[tuple[str, str], datetime]:
        """When each (channel, user) pair last wrote to the channel, for many pairs at once."""
        if not pairs:
            return {}
        statement = select(_C.channel_id, _C.wa_id, _C.last_inbound_at).where(
            tuple_(_C.channel_id, _C.wa_id).in_(sorted(pairs))
        )
        rows = (await self._session.execute(statement)).all()
        return {(row[0], row[1]): row[2] for row in rows}

    async def move_statuses(
        self,
        ids: list[str],
        status: str,
        now: datetime,
        next_at: datetime | None,
        error: dict[str, Any] | None = None,
    ) -> None:
        """Give many messages the same new status and next due time: one set-based UPDATE per
        chunk of ids, so a round's cost does not grow with a bound parameter set per row."""
        dialect = self._dialect()
        if (
            dialect == "sqlite"
            and self._due_rowids
            and self._session.get_transaction() is self._due_in
            and all(i in self._due_rowids for i in ids)
        ):
            rowids = [self._due_rowids[i] for i in ids]
            await self._move_by_rowid(rowids, status, now, next_at, error)
            return
        for start in range(0, len(ids), _ID_CHUNK):
            await self._session.execute(
                _MOVE[dialect],
                {
                    "ids": ids[start : start + _ID_CHUNK],
                    "to_status": status,
                    "moved_at": now,
                    "next_at": next_at,
                    "to_error": error,
                },
            )

    async def _move_by_rowid(
        self,
        rowids: list[int],
        status: str,
        now: datetime,
        next_at: datetime | None,
        error: dict[str, Any] | None,
    ) -> None:
        driver = await self._driver()
        values = [
            status,
            sqlite_instant(now),
            None if next_at is None else sqlite_instant(next_at),
            json_text(error),  # JSON null when there is none, as the column's type writes it
        ]
        for start in range(0, len(rowids), _ID_CHUNK):
            chunk = rowids[start : start + _ID_CHUNK]
            # Only placeholders are joined in; every value is bound.
            sql = _MOVE_SQLITE + ", ".join("?" for _ in chunk) + ")"
            await driver.execute(sql, [*values, *chunk])

    async def record_inbound(
        self, channel_id: str, wa_id: str, at: datetime, profile_name: str
    ) -> None:
        """Open (or extend) the 24-hour window: an upsert, safe against concurrent inbounds."""
        values = {
            "channel_id": channel_id,
            "wa_id": wa_id,
            "last_inbound_at": at,
            "profile_name": profile_name,
        }
        table = tables.messaging_contacts
        dialect = self._dialect()
        if dialect == "postgresql":
            pg = postgresql.insert(table).values(**values)
            statement: Any = pg.on_conflict_do_update(
                index_elements=["channel_id", "wa_id"],
                set_={"last_inbound_at": at, "profile_name": profile_name},
            )
        else:
            lite = sqlite.insert(table).values(**values)
            statement = lite.on_conflict_do_update(
                index_elements=["channel_id", "wa_id"],
                set_={"last_inbound_at": at, "profile_name": profile_name},
            )
        await self._session.execute(statement)

    # Emulator: unreachable numbers --------------------------------------------------------

    async def unreachable_codes(self, wa_ids: set[str]) -> dict[str, int]:
        if not wa_ids:
            return {}
        t = tables.unreachable_numbers.c
        statement = select(t.wa_id, t.error_code).where(t.wa_id.in_(wa_ids))
        return {row[0]: int(row[1]) for row in (await self._session.execute(statement)).all()}

    async def set_unreachable(self, wa_id: str, error_code: int | None) -> None:
        table = tables.unreachable_numbers
        await self._session.execute(delete(table).where(table.c.wa_id == wa_id))
        if error_code is not None:
            await self._session.execute(table.insert().values(wa_id=wa_id, error_code=error_code))

    # MM Lite terms ---------------------------------------------------------------------------

    async def mm_lite_accepted_at(self, waba_account_id: str) -> datetime | None:
        t = tables.mm_lite_terms.c
        statement = select(t.accepted_at).where(t.waba_account_id == waba_account_id)
        found: datetime | None = await self._session.scalar(statement)
        return found

    async def set_mm_lite_accepted(self, waba_account_id: str, at: datetime | None) -> None:
        table = tables.mm_lite_terms
        await self._session.execute(delete(table).where(table.c.waba_account_id == waba_account_id))
        if at is not None:
            await self._session.execute(
                table.insert().values(waba_account_id=waba_account_id, accepted_at=at)
            )
