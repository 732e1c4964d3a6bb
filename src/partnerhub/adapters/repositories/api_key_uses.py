"""When each Partner API key was last used: written off the request path, at most once per
resolution per key (see :class:`partnerhub.domain.auth.services.Authenticator`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables

_K = tables.partner_api_keys


class ApiKeyUseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def touch(self, key_id: str, now: datetime) -> None:
        """Set the key's ``last_used_at``, unless it was revoked (or deleted) meanwhile."""
        await self._session.execute(
            update(_K)
            .where(_K.c.id == key_id, _K.c.revoked_at.is_(None))
            .values(last_used_at=now)
            .execution_options(cache_tags=())  # last use is nothing the auth cache relies on
        )
