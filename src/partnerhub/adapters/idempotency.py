"""Where Idempotency-Key answers are kept: one row per (partner, key), claimed before the request
runs and filled in with its answer after.

A row belongs to the credential that claimed it (an API key id, or a login's token family id):
only that credential gets the answer replayed, since the answer may hold a secret shown once.
Another credential of the partner sending the same key is told so (:class:`OtherCredential`)
until the row expires; rows written before credentials were recorded belong to none.

The claim is a primary-key insert, so of two requests racing with one key exactly one runs; the
other is told it is in progress. A claim whose request never finished (its process died between
the write and the answer) is taken over after ``lock_seconds``, so a crash cannot wedge a key for
its whole lifetime. Rows older than ``ttl_seconds`` are treated as absent and purged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partnerhub.adapters.tables import idempotency_keys as _T
from partnerhub.domain.clock import Clock


@dataclass(frozen=True)
class Claimed:
    """This request holds the key: run it, then :meth:`IdempotencyStore.finish` or release."""


@dataclass(frozen=True)
class Stored:
    """The key's first request finished with this answer (the body as stored: encrypted)."""

    status_code: int
    content_type: str | None
    body: bytes


@dataclass(frozen=True)
class InProgress:
    """The key's first request is still running."""


@dataclass(frozen=True)
class Mismatch:
    """The key was first used for a different request."""


@dataclass(frozen=True)
class OtherCredential:
    """The key was first used by another credential of the partner."""


Claim = Claimed | Stored | InProgress | Mismatch | OtherCredential


class IdempotencyStore:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        ttl_seconds: float,
        lock_seconds: float = 60.0,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._lock = timedelta(seconds=lock_seconds)
        self._last_purge: datetime | None = None

    async def claim(
        self, partner_id: str, key_digest: str, fingerprint: str, credential_id: str
    ) -> Claim:
        now = self._clock.now()
        await self._purge_now_and_then(now)
        for _ in range(2):  # a lost insert race is read back once
            try:
                return await self._claim(partner_id, key_digest, fingerprint, credential_id, now)
            except IntegrityError:
                continue
        return InProgress()

    async def _claim(
        self,
        partner_id: str,
        key_digest: str,
        fingerprint: str,
        credential_id: str,
        now: datetime,
    ) -> Claim:
        where = (_T.c.partner_id == partner_id) & (_T.c.key_digest == key_digest)
        async with self._sessionmaker() as session, session.begin():
            row = (
                await session.execute(
                    select(
                        _T.c.fingerprint,
                        _T.c.credential_id,
                        _T.c.created_at,
                        _T.c.status_code,
                        _T.c.content_type,
                        _T.c.body,
                    ).where(where)
                )
            ).one_or_none()
            if row is None:
                await session.execute(
                    insert(_T).values(
                        partner_id=partner_id,
                        key_digest=key_digest,
                        fingerprint=fingerprint,
                        credential_id=credential_id,
                        created_at=now,
                    )
                )
                return Claimed()
            expired = row.created_at <= now - self._ttl
            own = row.credential_id == credential_id
            abandoned = own and row.status_code is None and row.created_at <= now - self._lock
            if not (expired or own):
                return OtherCredential()
            if expired or abandoned:
                # Take the row over only if it is still the one just read (another request may
                # be taking it over too).
                taken = await session.execute(
                    update(_T)
                    .where(where, _T.c.created_at == row.created_at)
                    .values(
                        fingerprint=fingerprint,
                        credential_id=credential_id,
                        created_at=now,
                        status_code=None,
                        content_type=None,
                        body=None,
                    )
                )
                return Claimed() if getattr(taken, "rowcount", 0) == 1 else InProgress()
            if row.fingerprint != fingerprint:
                return Mismatch()
            if row.status_code is None:
                return InProgress()
            return Stored(row.status_code, row.content_type, row.body or b"")

    async def finish(
        self,
        partner_id: str,
        key_digest: str,
        status_code: int,
        content_type: str | None,
        body: bytes,
    ) -> None:
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                update(_T)
                .where(
                    _T.c.partner_id == partner_id,
                    _T.c.key_digest == key_digest,
                    _T.c.status_code.is_(None),
                )
                .values(status_code=status_code, content_type=content_type, body=body)
            )

    async def release(self, partner_id: str, key_digest: str) -> None:
        """Forget an unfinished claim, so that the request may be sent again with its key."""
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                delete(_T).where(
                    _T.c.partner_id == partner_id,
                    _T.c.key_digest == key_digest,
                    _T.c.status_code.is_(None),
                )
            )

    async def _purge_now_and_then(self, now: datetime) -> None:
        """Delete expired rows, at most once a minute per process (claims ignore them anyway)."""
        if self._last_purge is not None and now - self._last_purge < timedelta(minutes=1):
            return
        self._last_purge = now
        async with self._sessionmaker() as session, session.begin():
            await session.execute(delete(_T).where(_T.c.created_at <= now - self._ttl))
