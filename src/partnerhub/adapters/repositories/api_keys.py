"""Partner API keys: found by digest, listed per partner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.adapters.repositories.paging import fetch_page
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.listing import ListQuery


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
        return await fetch_page(self._session, statement, query, self.COLUMNS)
