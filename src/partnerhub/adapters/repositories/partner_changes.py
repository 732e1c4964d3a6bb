"""Partner change requests (issue 18 item 5): Core SQL over ``partner_change_requests``, and the
bulk part of a move (the rows of a client that are not mapped domain objects)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.partner_change.model import PartnerChangeRequest

_R = tables.partner_change_requests


def _pcr(row: Any) -> PartnerChangeRequest:
    return PartnerChangeRequest(
        id=row.id,
        status=row.status,
        client_id=row.client_id,
        source_partner_id=row.source_partner_id,
        target_partner_id=row.target_partner_id,
        channel_ids=tuple(row.channel_ids),
        created_at=row.created_at,
        updated_at=row.updated_at,
        is_full_migration=row.is_full_migration,
    )


def _order(query: ListQuery) -> list[Any]:
    """Newest first unless ``sort=created_at`` asks for the oldest first (the one sort key)."""
    oldest_first = bool(query.sort) and not query.sort[0].descending
    if oldest_first:
        return [_R.c.created_at.asc(), _R.c.id.asc()]
    return [_R.c.created_at.desc(), _R.c.id.desc()]


class PartnerChangeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, pcr: PartnerChangeRequest) -> bool:
        """Insert the request; False when the client has a pending one already (another
        transaction may have filed it since the caller looked: the partial unique index)."""
        bind = self._session.bind
        make_insert = (
            postgresql.insert
            if bind is not None and bind.dialect.name == "postgresql"
            else sqlite.insert
        )
        result = await self._session.execute(
            make_insert(_R)
            .values(
                id=pcr.id,
                status=pcr.status,
                is_full_migration=pcr.is_full_migration,
                client_id=pcr.client_id,
                source_partner_id=pcr.source_partner_id,
                target_partner_id=pcr.target_partner_id,
                channel_ids=list(pcr.channel_ids),
                created_at=pcr.created_at,
                updated_at=pcr.updated_at,
            )
            .on_conflict_do_nothing()
        )
        return getattr(result, "rowcount", 1) != 0

    async def save(self, pcr: PartnerChangeRequest) -> None:
        await self._session.execute(
            update(_R)
            .where(_R.c.id == pcr.id)
            .values(status=pcr.status, updated_at=pcr.updated_at, channel_ids=list(pcr.channel_ids))
        )

    async def get(self, pcr_id: str, *, for_update: bool = False) -> PartnerChangeRequest | None:
        statement = select(_R).where(_R.c.id == pcr_id)
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).first()
        return None if row is None else _pcr(row)

    async def pending_for_client(self, client_id: str) -> PartnerChangeRequest | None:
        row = (
            await self._session.execute(
                select(_R).where(_R.c.client_id == client_id, _R.c.status == "pending")
            )
        ).first()
        return None if row is None else _pcr(row)

    async def list_for_target(
        self, partner_id: str, query: ListQuery, status: str | None = None
    ) -> tuple[list[PartnerChangeRequest], int]:
        where = [_R.c.target_partner_id == partner_id]
        if status is not None:
            where.append(_R.c.status == status)
        total = (await self._session.execute(select(func.count()).where(*where))).scalar_one()
        rows = await self._session.execute(
            select(_R)
            .where(*where)
            .order_by(*_order(query))
            .limit(query.limit)
            .offset(query.offset)
        )
        return [_pcr(row) for row in rows], int(total)

    async def move_client_rows(
        self,
        client_id: str,
        waba_ids: Sequence[str],
        channel_ids: Sequence[str],
        target_partner_id: str,
        now: datetime,
    ) -> None:
        """Hand the client's unmapped rows to ``target_partner_id``: its login, its WABAs'
        templates and catalogs, its numbers' media. (The client, WABAs and channels are mapped
        objects the service moves.)"""
        session = self._session
        await session.execute(
            update(tables.client_logins)
            .where(tables.client_logins.c.client_id == client_id)
            .values(partner_id=target_partner_id)
        )
        if waba_ids:
            for table in (tables.waba_templates, tables.catalogs):
                await session.execute(
                    update(table)
                    .where(table.c.waba_account_id.in_(list(waba_ids)))
                    .values(partner_id=target_partner_id)
                )
        if channel_ids:
            await session.execute(
                update(tables.media_files)
                .where(tables.media_files.c.channel_id.in_(list(channel_ids)))
                .values(partner_id=target_partner_id)
            )
