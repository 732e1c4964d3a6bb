"""Users of a partner (dashboard and token logins)."""

from __future__ import annotations

from sqlalchemy import (
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain.partners.model import PartnerUser


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, user: PartnerUser) -> None:
        self._session.add(user)

    async def get(self, user_id: str) -> PartnerUser | None:
        return await self._session.get(PartnerUser, user_id)

    async def get_by_email(self, email: str) -> PartnerUser | None:
        statement = select(PartnerUser).where(tables.partner_users.c.email == email.lower())
        return (await self._session.scalars(statement)).first()

    async def list_for_partner(self, partner_id: str) -> list[PartnerUser]:
        c = tables.partner_users.c
        statement = (
            select(PartnerUser).where(c.partner_id == partner_id).order_by(c.created_at, c.id)
        )
        return list((await self._session.scalars(statement)).all())
