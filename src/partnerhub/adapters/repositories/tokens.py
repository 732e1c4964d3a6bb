"""Token families and refresh tokens (rotation, reuse detection, revocation)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain import cache_keys
from partnerhub.domain.auth.model import RefreshToken, TokenFamily


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add_family(self, family: TokenFamily) -> None:
        self._session.add(family)

    def add_refresh(self, token: RefreshToken) -> None:
        self._session.add(token)

    async def get_family(self, family_id: str) -> TokenFamily | None:
        return await self._session.get(TokenFamily, family_id)

    async def spend_refresh(self, token_id: str, now: datetime) -> bool:
        """Mark a refresh token used, atomically: True for exactly one of any concurrent callers.

        A plain read-then-write would let two requests racing with the same token both win,
        which is the very reuse that rotation exists to detect.
        """
        c = tables.refresh_tokens.c
        result = await self._session.execute(
            update(tables.refresh_tokens)
            .where(c.id == token_id, c.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def revoke_family(self, family_id: str, now: datetime) -> None:
        c = tables.token_families.c
        await self._session.execute(
            update(tables.token_families)
            .where(c.id == family_id, c.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False, cache_tags=[cache_keys.family(family_id)])
        )

    async def revoke_user_families(self, user_id: str, now: datetime) -> int:
        """End every live login of one user (password change, revoke, disable); how many."""
        c = tables.token_families.c
        result = await self._session.execute(
            update(tables.token_families)
            .where(c.user_id == user_id, c.revoked_at.is_(None))
            .values(revoked_at=now)
            # The cached bearer checks carry their user's tag (domain/auth/services.py).
            .execution_options(synchronize_session=False, cache_tags=[cache_keys.user(user_id)])
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def get_refresh_by_digest(self, digest: str) -> RefreshToken | None:
        statement = select(RefreshToken).where(tables.refresh_tokens.c.token_digest == digest)
        return (await self._session.scalars(statement)).first()
