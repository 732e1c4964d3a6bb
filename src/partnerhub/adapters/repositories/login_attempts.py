"""The failed password checks and trusted addresses behind every login's lockout.

One store for every password check (``POST /api/v2/token``, ``/hub/login`` and the onboarding
page's client login), kept in the database so that every process sees the same counts and a
restart forgets nothing. The policy that reads it is :mod:`partnerhub.domain.auth.lockout`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain import ids

_F = tables.login_failures
_T = tables.login_trusted_addresses


class LoginAttemptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record_failure(
        self, account: str, address: str, now: datetime, forget_before: datetime
    ) -> str:
        """Add one failure (its id is returned) and drop this account's and this address's
        failures too old to count any more, so the table stays as small as the window.

        On PostgreSQL the transaction first takes an advisory lock on the account, held until it
        ends: attempts on one account are decided one after the other, each seeing the failures
        the ones before it left. Without it, a burst of simultaneous guesses all saw each
        other's rows, were all refused, all forgot their rows, and left no lockout behind.
        (SQLite serialises writers by itself.)"""
        if self._session.get_bind().dialect.name == "postgresql":
            await self._session.execute(
                select(func.pg_advisory_xact_lock(func.hashtext("login:" + account)))
            )
        await self._session.execute(
            delete(_F).where(
                (_F.c.account == account) | (_F.c.address == address),
                _F.c.failed_at <= forget_before,
            )
        )
        failure_id = ids.new_id("LF", 14)
        await self._session.execute(
            insert(_F).values(id=failure_id, account=account, address=address, failed_at=now)
        )
        return failure_id

    async def forget_failure(self, failure_id: str) -> None:
        await self._session.execute(delete(_F).where(_F.c.id == failure_id))

    async def account_failures(
        self, account: str, since: datetime, address: str | None = None
    ) -> list[datetime]:
        """When this account's failures in the window happened, oldest first (only those from
        ``address`` when given)."""
        statement = select(_F.c.failed_at).where(_F.c.account == account, _F.c.failed_at > since)
        if address is not None:
            statement = statement.where(_F.c.address == address)
        return list((await self._session.scalars(statement.order_by(_F.c.failed_at))).all())

    async def address_failures(self, address: str, since: datetime) -> list[datetime]:
        """When this address's failures in the window happened (any account), oldest first."""
        statement = (
            select(_F.c.failed_at)
            .where(_F.c.address == address, _F.c.failed_at > since)
            .order_by(_F.c.failed_at)
        )
        return list((await self._session.scalars(statement)).all())

    async def clear_failures(self, account: str, address: str) -> None:
        """A success forgets the failures of this account from this address (not those of
        other addresses: they may be an attack still going on)."""
        await self._session.execute(
            delete(_F).where(_F.c.account == account, _F.c.address == address)
        )

    async def is_trusted(self, account: str, address: str, since: datetime) -> bool:
        statement = select(func.count()).where(
            _T.c.account == account, _T.c.address == address, _T.c.last_success_at > since
        )
        return bool(await self._session.scalar(statement))

    async def trust(
        self, account: str, address: str, now: datetime, forget_before: datetime
    ) -> None:
        """Remember that this address passed this account's password now (one row per pair,
        upserted: two logins racing from one address must not collide)."""
        await self._session.execute(
            delete(_T).where(_T.c.account == account, _T.c.last_success_at <= forget_before)
        )
        bind = self._session.bind
        dialect = bind.dialect.name if bind is not None else "sqlite"
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = upsert(_T).values(account=account, address=address, last_success_at=now)
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[_T.c.account, _T.c.address], set_={"last_success_at": now}
            )
        )

    async def delete_all(self) -> None:
        """Forget every failure and trusted address (the emulator's reset)."""
        await self._session.execute(delete(_F))
        await self._session.execute(delete(_T))
