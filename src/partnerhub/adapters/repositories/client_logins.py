"""Client passwords for the onboarding page's login."""

from __future__ import annotations

from sqlalchemy import (
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain.clients.model import ClientLogin


class ClientLoginRepository:
    """Client passwords for the onboarding page's login (failures: :mod:`login_attempts`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, login: ClientLogin) -> None:
        self._session.add(login)

    async def candidates(
        self, partner_id: str, email: str, client_id: str | None, limit: int
    ) -> list[ClientLogin]:
        """The partner's client logins with this email (of ``client_id`` only, when given)."""
        c = tables.client_logins.c
        statement = select(ClientLogin).where(c.partner_id == partner_id, c.email == email)
        if client_id is not None:
            statement = statement.where(c.client_id == client_id)
        statement = statement.order_by(c.created_at, c.client_id).limit(limit)
        return list((await self._session.scalars(statement)).all())
