"""The fake unit of work: the repositories of :mod:`tests.fakes.repositories` over a copy of
the :class:`FakeDatabase`, written back on :meth:`FakeUnitOfWork.commit` only.

Attribute names are those of ``partnerhub.adapters.unit_of_work.UnitOfWork``, so a service
cannot tell the two apart. What the real one does for concurrency (``lock_for_write``, the
SQLite write gate) has no meaning in one task: the calls are counted, nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from partnerhub.domain.auth.model import RefreshToken, TokenFamily
from partnerhub.domain.billing.model import Balance, UsageRecord
from partnerhub.domain.clients.model import Channel, Client, ClientLogin, WabaAccount
from partnerhub.domain.hub.model import HubSession
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.messaging.model import ChannelApiKey, Contact, Message
from partnerhub.domain.partners.model import Partner, PartnerUser
from partnerhub.domain.templates.model import Template
from partnerhub.domain.webhooks.model import Delivery, DeliveryAttempt, Event
from tests.fakes.repositories import (
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
from tests.fakes.store import Tables, clone, clone_tables, decoded


@dataclass
class FakeDatabase:
    """What has been committed, and how often; shared by every unit of work of one test."""

    tables: Tables = field(default_factory=Tables)
    commits: int = 0
    # How often a commit carried an event to deliver (the delivery engine's wake-ups).
    outbox_wakeups: int = 0

    def seed(self, *items: Any) -> None:
        """Store objects as if committed earlier (a test's starting state)."""
        uow = FakeUnitOfWork(self)
        uow.begin()
        for item in items:
            uow.store(item)
        self.tables = clone_tables(uow.tables)

    # The outbox as a receiver would see it: committed events and deliveries.

    def events(self, event_type: str | None = None) -> list[Event]:
        found = sorted(self.tables.events.values(), key=lambda e: e.created_at)  # then as written
        return [e for e in found if event_type is None or e.type == event_type]

    def event_types(self) -> list[str]:
        return [e.type for e in self.events()]

    def bodies(self, event_type: str | None = None) -> list[dict[str, Any]]:
        return [decoded(e) for e in self.events(event_type)]

    def deliveries(self) -> list[Delivery]:
        return sorted(self.tables.deliveries.values(), key=lambda d: d.created_at)


class FakeUnitOfWork:
    def __init__(
        self, db: FakeDatabase, on_outbox_commit: Callable[[], None] | None = None
    ) -> None:
        self._db = db
        self._on_outbox_commit = on_outbox_commit
        self.outbox_written = False
        self.write_locks = 0
        self.tables = Tables()

    def begin(self) -> None:
        self.tables = clone_tables(self._db.tables)
        t = self.tables
        self.partners = PartnerRepository(t)
        self.users = UserRepository(t)
        self.api_keys = ApiKeyRepository(t)
        self.tokens = TokenRepository(t)
        self.webhooks = WebhookRepository(t)
        self.clients = ClientRepository(t)
        self.billing = BillingRepository(t)
        self.client_logins = ClientLoginRepository(t)
        self.messaging = MessagingRepository(t)
        self.templates = TemplateRepository(t)
        self.hub = HubRepository(t)
        self.logins = LoginAttemptRepository(t)
        self.io_signatures = IoSignatureRepository(t)
        self.api_key_uses = ApiKeyUseRepository(t)
        self.profiles = BusinessProfileRepository(t)

        self.catalogs = CatalogRepository(t)
        self.migrations = MigrationRepository(t)

        self.quality = QualityRepository(t)
        self.flows = FlowRepository(t)
        self.partner_changes = PartnerChangeRepository(t)

    async def __aenter__(self) -> FakeUnitOfWork:
        self.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Whatever was not committed is dropped with the working copy; the objects handed out
        # stay readable, as the real unit of work's do after close().
        self.outbox_written = False

    async def commit(self) -> None:
        self._db.tables = clone_tables(self.tables)
        self._db.commits += 1
        if self.outbox_written:
            self.outbox_written = False
            self._db.outbox_wakeups += 1
            if self._on_outbox_commit is not None:
                self._on_outbox_commit()

    async def flush(self) -> None:
        return None

    async def lock_for_write(self) -> None:
        self.write_locks += 1

    async def write_gate(self) -> None:
        self.write_locks += 1

    def store(self, item: Any) -> None:
        """Put any stored domain object in its table (seeding; not a port method)."""
        t = self.tables
        item = clone(item)
        keyed: dict[type[Any], tuple[dict[Any, Any], Any]] = {
            Partner: (t.partners, lambda i: i.id),
            PartnerUser: (t.users, lambda i: i.id),
            ApiKey: (t.api_keys, lambda i: i.id),
            TokenFamily: (t.token_families, lambda i: i.id),
            RefreshToken: (t.refresh_tokens, lambda i: i.id),
            Event: (t.events, lambda i: i.id),
            Delivery: (t.deliveries, lambda i: i.id),
            DeliveryAttempt: (t.attempts, lambda i: i.id),
            Client: (t.clients, lambda i: i.id),
            WabaAccount: (t.wabas, lambda i: i.id),
            Channel: (t.channels, lambda i: i.id),
            ClientLogin: (t.client_logins, lambda i: i.client_id),
            Template: (t.templates, lambda i: i.id),
            Balance: (t.balances, lambda i: i.owner_id),
            UsageRecord: (t.usage, lambda i: i.id),
            HubSession: (t.hub_sessions, lambda i: i.id),
            ChannelApiKey: (t.channel_keys, lambda i: i.id),
            Message: (t.messages, lambda i: i.id),
            Contact: (t.contacts, lambda i: (i.channel_id, i.wa_id)),
        }
        table, key = keyed[type(item)]
        table[key(item)] = item
