"""Repositories: the queries each aggregate needs, and nothing else. Services never write SQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain.auth.model import RefreshToken, TokenFamily
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.partners.model import Partner, PartnerUser


async def fetch_page(
    session: AsyncSession,
    statement: Select[Any],
    query: ListQuery,
    columns: Mapping[str, ColumnElement[Any]],
    default_order: Sequence[ColumnElement[Any]],
) -> tuple[list[Any], int]:
    """Apply a validated :class:`ListQuery` (filters, sort, paging) and count the total."""
    for name, value in query.filters.items():
        statement = statement.where(columns[name] == value)
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    order = [
        columns[k.field].desc() if k.descending else columns[k.field].asc() for k in query.sort
    ]
    statement = statement.order_by(*order, *default_order).limit(query.limit).offset(query.offset)
    items = list((await session.scalars(statement)).all())
    return items, int(total or 0)


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


class ApiKeyRepository:
    COLUMNS: Mapping[str, ColumnElement[Any]] = {
        "id": tables.partner_api_keys.c.id,
        "name": tables.partner_api_keys.c.name,
        "prefix": tables.partner_api_keys.c.prefix,
        "created_at": tables.partner_api_keys.c.created_at,
        "last_used_at": tables.partner_api_keys.c.last_used_at,
    }

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, key: ApiKey) -> None:
        self._session.add(key)

    async def get_active_by_digest(self, digest: str) -> ApiKey | None:
        c = tables.partner_api_keys.c
        statement = select(ApiKey).where(c.secret_digest == digest, c.revoked_at.is_(None))
        return (await self._session.scalars(statement)).first()

    async def get_active(self, partner_id: str, key_id: str) -> ApiKey | None:
        c = tables.partner_api_keys.c
        statement = select(ApiKey).where(
            c.id == key_id, c.partner_id == partner_id, c.revoked_at.is_(None)
        )
        return (await self._session.scalars(statement)).first()

    async def list_active(self, partner_id: str, query: ListQuery) -> tuple[list[ApiKey], int]:
        c = tables.partner_api_keys.c
        statement = select(ApiKey).where(c.partner_id == partner_id, c.revoked_at.is_(None))
        return await fetch_page(
            self._session, statement, query, self.COLUMNS, [c.created_at.desc(), c.id]
        )


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add_family(self, family: TokenFamily) -> None:
        self._session.add(family)

    def add_refresh(self, token: RefreshToken) -> None:
        self._session.add(token)

    async def get_family(self, family_id: str) -> TokenFamily | None:
        return await self._session.get(TokenFamily, family_id)

    async def get_refresh_by_digest(self, digest: str) -> RefreshToken | None:
        statement = select(RefreshToken).where(tables.refresh_tokens.c.token_digest == digest)
        return (await self._session.scalars(statement)).first()
