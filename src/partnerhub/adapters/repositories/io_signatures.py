"""The onboarding links' IO signatures already used (spec §8): a link works once.

The rules that decide when a signature is needed and valid are in
:mod:`partnerhub.domain.clients.signup`; this is only where the used ones are kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables

_S = tables.io_signatures


class IoSignatureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def is_spent(self, digest: str) -> bool:
        used = await self._session.scalar(select(_S.c.digest).where(_S.c.digest == digest))
        return used is not None

    async def spend(self, digest: str, partner_id: str, now: datetime) -> bool:
        """Record the signature as used; False when another transaction spent it first.

        ``ON CONFLICT DO NOTHING`` turns the collision into "no row inserted" rather than a
        failure on the primary key at commit: of posts racing with one signature, the losers
        wait on the winner's row (PostgreSQL) or on the write lock (SQLite) and find it there.
        """
        bind = self._session.bind
        make_insert = (
            postgresql.insert
            if bind is not None and bind.dialect.name == "postgresql"
            else sqlite.insert
        )
        result = await self._session.execute(
            make_insert(_S)
            .values(digest=digest, partner_id=partner_id, used_at=now)
            .on_conflict_do_nothing(index_elements=["digest"])
        )
        return getattr(result, "rowcount", 1) != 0
