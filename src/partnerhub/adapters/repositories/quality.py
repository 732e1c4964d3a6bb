"""Queries of the messaging limits and quality (issue 17): the business-initiated
conversations a number's tier counts, the simulator's quality state, and what the health status
reads besides the channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain.messaging.model import Budget, BudgetQuery, minute_of
from partnerhub.domain.messaging.quality import limit_of

_BC = tables.business_conversations.c
_BN = tables.business_conversation_counts.c
_PQ = tables.phone_quality.c
_CH = tables.channels.c
_TP = tables.waba_templates.c
_K = tables.channel_api_keys.c
_PAIRS_PER_QUERY = 200


def upsert(dialect: str, table: Any, values: list[dict[str, Any]], keys: list[str]) -> Any:
    """INSERT … ON CONFLICT (keys) DO UPDATE every other column, on SQLite or PostgreSQL."""
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    statement = insert.values(values)
    changed = {c.name: statement.excluded[c.name] for c in table.c if c.name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=changed)


class QualityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _dialect(self) -> str:
        return self._session.bind.dialect.name if self._session.bind is not None else ""

    # The tier budget ------------------------------------------------------------------------

    async def budgets(self, query: BudgetQuery) -> dict[str, Budget]:
        """Each number's :class:`Budget` for a send batch (see :class:`BudgetQuery`)."""
        channel_ids = {channel_id for channel_id, _ in query.pairs}
        if not channel_ids:
            return {}
        # The numbers' rows are locked (in id order) for the rest of the batch's transaction, so
        # that batches of other processes read the budget after this one's conversations are
        # counted. FOR NO KEY UPDATE: message inserts (their foreign key's KEY SHARE) still pass.
        tiers = await self._session.execute(
            select(_CH.id, _CH.current_limit)
            .where(_CH.id.in_(channel_ids))
            .order_by(_CH.id)
            .with_for_update(key_share=True)
        )
        budgets = {row[0]: Budget(limit_of(row[1])) for row in tiers.all()}
        limited = {cid for cid, budget in budgets.items() if budget.limit is not None}
        if not limited:
            return budgets
        used = await self._session.execute(
            select(_BN.channel_id, func.sum(_BN.opened))
            .where(_BN.channel_id.in_(limited), _BN.minute >= query.since_minute)
            .group_by(_BN.channel_id)
        )
        for channel_id, count in used.all():
            budgets[channel_id].used = int(count)
        limited_ids = set(limited)
        users: dict[str, list[str]] = {}
        for channel_id, wa_id in sorted(query.pairs):
            if channel_id in limited_ids:
                users.setdefault(channel_id, []).append(wa_id)
        for channel_id, wa_ids in users.items():
            for start in range(0, len(wa_ids), _PAIRS_PER_QUERY):
                counted = await self._session.scalars(
                    select(_BC.wa_id).where(
                        _BC.channel_id == channel_id,
                        _BC.wa_id.in_(wa_ids[start : start + _PAIRS_PER_QUERY]),
                        _BC.opened_at > query.since,
                    )
                )
                budgets[channel_id].counted.update(counted.all())
        return budgets

    async def open_conversations(self, budgets: dict[str, Budget], query: BudgetQuery) -> None:
        """Record the conversations a send batch opened (:attr:`Budget.opened`): the users, the
        minute's counts, and the counts that left the window pruned."""
        opened = {cid: budget.opened for cid, budget in budgets.items() if budget.opened}
        if not opened:
            return
        dialect = self._dialect()
        rows = [
            {"channel_id": channel_id, "wa_id": wa_id, "opened_at": query.now}
            for channel_id, wa_ids in opened.items()
            for wa_id in wa_ids
        ]
        table = tables.business_conversations
        await self._session.execute(upsert(dialect, table, rows, ["channel_id", "wa_id"]))
        counts = tables.business_conversation_counts
        insert = postgresql.insert(counts) if dialect == "postgresql" else sqlite.insert(counts)
        statement = insert.values(
            [
                {"channel_id": channel_id, "minute": query.minute, "opened": len(wa_ids)}
                for channel_id, wa_ids in sorted(opened.items())
            ]
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["channel_id", "minute"],
                set_={"opened": counts.c.opened + statement.excluded.opened},
            )
        )
        await self._session.execute(
            delete(counts).where(_BN.channel_id.in_(opened), _BN.minute < query.since_minute)
        )

    async def conversations_since(self, channel_id: str, since: datetime) -> int:
        found = await self._session.scalar(
            select(func.sum(_BN.opened)).where(
                _BN.channel_id == channel_id, _BN.minute >= minute_of(since)
            )
        )
        return int(found or 0)

    # The simulator's quality state ---------------------------------------------------------

    async def get_state(self, channel_id: str) -> tuple[int, datetime | None] | None:
        row = (
            await self._session.execute(
                select(_PQ.spam_reports, _PQ.red_since).where(_PQ.channel_id == channel_id)
            )
        ).first()
        return None if row is None else (int(row[0]), row[1])

    async def save_state(
        self, channel_id: str, spam_reports: int, red_since: datetime | None
    ) -> None:
        values = {"channel_id": channel_id, "spam_reports": spam_reports, "red_since": red_since}
        await self._session.execute(
            upsert(self._dialect(), tables.phone_quality, [values], ["channel_id"])
        )

    async def red_due(self, before: datetime, limit: int) -> list[str]:
        """The numbers red since ``before`` or earlier (a tier drop is due), oldest first."""
        statement = (
            select(_PQ.channel_id)
            .where(_PQ.red_since <= before)
            .order_by(_PQ.red_since, _PQ.channel_id)
            .limit(limit)
        )
        return list((await self._session.scalars(statement)).all())

    # What the health status reads ----------------------------------------------------------

    async def paused_templates(self, waba_account_id: str) -> int:
        found = await self._session.scalar(
            select(func.count()).where(
                _TP.waba_account_id == waba_account_id,
                or_(_TP.status == "paused", _TP.status == "disabled"),
            )
        )
        return int(found or 0)

    async def app_id_of_key(self, key_id: str) -> str | None:
        found = await self._session.scalar(select(_K.app_id).where(and_(_K.id == key_id)))
        return None if found is None else str(found)
