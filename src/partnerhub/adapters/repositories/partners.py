"""Partners: the tenants of the hub."""

from __future__ import annotations

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain.partners.model import Partner


class PartnerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, partner: Partner) -> None:
        self._session.add(partner)

    async def get(self, partner_id: str) -> Partner | None:
        return await self._session.get(Partner, partner_id)

    async def count(self) -> int:
        return int(
            await self._session.scalar(select(func.count()).select_from(tables.partners)) or 0
        )

    async def list_all(self) -> list[Partner]:
        result = await self._session.scalars(select(Partner).order_by(tables.partners.c.created_at))
        return list(result.all())
