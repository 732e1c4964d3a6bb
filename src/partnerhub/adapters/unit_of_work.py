"""Unit of work: one transaction, with the repositories that act inside it.

A service does all its reads and writes through one ``UnitOfWork`` and calls ``commit()`` once;
leaving the block without committing rolls everything back. Later the outbox rides in the same
transaction, so a state change and the event it causes commit together or not at all.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from functools import cached_property
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partnerhub.adapters import cache_tags, channel_counts
from partnerhub.adapters.repositories import (
    ApiKeyRepository,
    ApiKeyUseRepository,
    BillingRepository,
    BusinessProfileRepository,
    CatalogRepository,
    ClientLoginRepository,
    ClientRepository,
    FlowRepository,
    HubRepository,
    IoSignatureRepository,
    LoginAttemptRepository,
    MessagingRepository,
    MigrationRepository,
    PartnerChangeRepository,
    PartnerRepository,
    QualityRepository,
    TemplateRepository,
    TokenRepository,
    UserRepository,
    WebhookRepository,
)

OUTBOX_CHANNEL = "partnerhub_outbox"

# One write gate per SQLite engine of this process (see UnitOfWork.lock_for_write).
_WRITE_GATES: weakref.WeakKeyDictionary[object, asyncio.Lock] = weakref.WeakKeyDictionary()


def sqlite_write_gate(bind: object) -> asyncio.Lock:
    """This process's write gate for one SQLite engine (see :meth:`UnitOfWork.lock_for_write`):
    every in-process writer of that database queues on it."""
    gate = _WRITE_GATES.get(bind)
    if gate is None:
        gate = _WRITE_GATES[bind] = asyncio.Lock()
    return gate


class UnitOfWork:
    # The repositories are made on first use: a unit of work touches two or three of twenty.

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        on_outbox_commit: Callable[[], None] | None = None,
        on_cache_commit: Callable[[frozenset[str]], None] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._on_outbox_commit = on_outbox_commit
        # Told the cached things this unit's commit changed (adapters/cache_tags.py), right
        # after the commit: this process refuses a revoked key at once.
        self._on_cache_commit = on_cache_commit
        # Set when an event was written: after the commit, the delivery engine is woken up.
        self.outbox_written = False
        self._gate: asyncio.Lock | None = None

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessionmaker()
        return self

    @cached_property
    def partners(self) -> PartnerRepository:
        return PartnerRepository(self.session)

    @cached_property
    def users(self) -> UserRepository:
        return UserRepository(self.session)

    @cached_property
    def api_keys(self) -> ApiKeyRepository:
        return ApiKeyRepository(self.session)

    @cached_property
    def tokens(self) -> TokenRepository:
        return TokenRepository(self.session)

    @cached_property
    def webhooks(self) -> WebhookRepository:
        return WebhookRepository(self.session)

    @cached_property
    def clients(self) -> ClientRepository:
        return ClientRepository(self.session)

    @cached_property
    def billing(self) -> BillingRepository:
        return BillingRepository(self.session)

    @cached_property
    def client_logins(self) -> ClientLoginRepository:
        return ClientLoginRepository(self.session)

    @cached_property
    def messaging(self) -> MessagingRepository:
        return MessagingRepository(self.session)

    @cached_property
    def templates(self) -> TemplateRepository:
        return TemplateRepository(self.session)

    @cached_property
    def hub(self) -> HubRepository:
        return HubRepository(self.session)

    @cached_property
    def logins(self) -> LoginAttemptRepository:
        return LoginAttemptRepository(self.session)

    @cached_property
    def io_signatures(self) -> IoSignatureRepository:
        return IoSignatureRepository(self.session)

    @cached_property
    def api_key_uses(self) -> ApiKeyUseRepository:
        return ApiKeyUseRepository(self.session)

    @cached_property
    def profiles(self) -> BusinessProfileRepository:
        return BusinessProfileRepository(self.session)

    @cached_property
    def catalogs(self) -> CatalogRepository:
        return CatalogRepository(self.session)

    @cached_property
    def quality(self) -> QualityRepository:
        return QualityRepository(self.session)

    @cached_property
    def migrations(self) -> MigrationRepository:
        return MigrationRepository(self.session)

    @cached_property
    def flows(self) -> FlowRepository:
        return FlowRepository(self.session)

    @cached_property
    def partner_changes(self) -> PartnerChangeRepository:
        return PartnerChangeRepository(self.session)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() ends an uncommitted transaction with a rollback but, unlike rollback(), does
        # not expire what was loaded: objects returned by services stay readable afterwards.
        try:
            await self.session.close()
        finally:
            self._release_gate()

    async def commit(self) -> None:
        # Each call into the async session is a greenlet hand-off: a unit of work that wrote
        # only with statements (a settings change) has nothing for the ORM to flush. The
        # counters below are statements too, and ``session.commit`` flushes what is left.
        if self.session.new or self.session.dirty or self.session.deleted:
            await self.session.flush()
        await channel_counts.apply(self.session)
        touched = cache_tags.take(self.session)
        notifications = await cache_tags.publish(self.session, touched) if touched else []
        bind = self.session.bind
        if self.outbox_written and bind is not None and bind.dialect.name == "postgresql":
            notifications.append((OUTBOX_CHANNEL, ""))  # wakes the delivery workers
        if notifications:
            await cache_tags.notify(self.session, notifications)
        await self.session.commit()
        self._release_gate()
        if touched and self._on_cache_commit is not None:
            self._on_cache_commit(touched)
        if self.outbox_written:
            self.outbox_written = False
            if self._on_outbox_commit is not None:
                self._on_outbox_commit()

    async def lock_for_write(self) -> None:
        """Call first in a read-modify-write service: what it reads cannot change before it writes.

        SQLite's driver only opens a transaction at the first INSERT/UPDATE, so the reads before
        it see whatever another connection commits in between (a lost update: two simulator
        rounds both moving one number on). ``BEGIN IMMEDIATE`` takes the single write lock now
        and waits (``busy_timeout``) for a writer in progress. PostgreSQL needs nothing here:
        the services lock the rows they change with ``SELECT … FOR UPDATE``.

        Within one process the writers queue on an asyncio lock first (the write gate), held
        until the unit of work ends: SQLite's busy handler waits by sleeping in growing steps
        (up to 100 ms), which under load turned a 1 ms wait into tens of milliseconds; the gate
        hands the lock over the moment it is free. Other processes still meet busy_timeout.
        """
        bind = self.session.bind
        if bind is None or bind.dialect.name != "sqlite":
            return
        await self.write_gate()
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        # Already writing (an INSERT/UPDATE opened the transaction): the lock is held.
        if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
            await connection.exec_driver_sql("BEGIN IMMEDIATE")

    async def write_gate(self) -> None:
        """Queue behind this process's other SQLite writers (see :meth:`lock_for_write`), for a
        unit of work whose first statement writes anyway, so needs no ``BEGIN IMMEDIATE``."""
        bind = self.session.bind
        if bind is None or bind.dialect.name != "sqlite" or self._gate is not None:
            return
        gate = sqlite_write_gate(bind)
        await gate.acquire()
        self._gate = gate

    def _release_gate(self) -> None:
        if self._gate is not None:
            self._gate.release()
            self._gate = None

    async def flush(self) -> None:
        await self.session.flush()


class ReadUnitOfWork(UnitOfWork):
    """A unit of work for reads only, on the read sessions (:func:`db.create_read_sessionmaker`):
    no transaction around its statements. Committing one is a bug: it refuses."""

    async def commit(self) -> None:
        raise RuntimeError("a read-only unit of work cannot commit")

    async def lock_for_write(self) -> None:
        raise RuntimeError("a read-only unit of work cannot write")
