"""The ports: what the domain needs from the world outside it, as ``typing.Protocol`` classes.

The domain's services take these types and never the concrete ones, so a service can run against
in-memory fakes (a unit test with no database) as well as against the SQLAlchemy adapters under
:mod:`partnerhub.adapters`, which satisfy them structurally (mypy checks it wherever the server
hands its concrete unit of work to a service, and in :mod:`partnerhub.adapters.ports_check`).

- :class:`UnitOfWork`: one transaction and the repositories that act inside it. Each repository
  Protocol lists exactly the methods the domain calls, with the concrete signatures.
- The outbox: :class:`Outbox` (the two inserts :mod:`domain.webhooks.outbox` makes, part of the
  webhook repository) and :attr:`UnitOfWork.outbox_written` (wakes the delivery engine on commit).
- :class:`ReadCache`: the auth hot path's cache, invalidated per key by the commits that touch it.
- :class:`CredentialReads`: the auth hot path's misses, one query each outside a transaction.
- :class:`RateLimits`: counts a request against a :class:`~partnerhub.domain.ratelimit.Rule`.
- :class:`AuthMetrics`: what the login path counts (see :mod:`partnerhub.domain.auth.counters`).
- The clock is :class:`partnerhub.domain.clock.Clock`.

Repositories are read-only properties of the unit of work: a Protocol attribute would be
invariant, and the concrete unit of work's attributes have the concrete repository types.
"""

from __future__ import annotations

from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterable,
    Mapping,
    Sequence,
)
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from partnerhub.domain.auth.model import RefreshToken, TokenFamily
from partnerhub.domain.billing.model import Balance, Funds, PeriodUsage, UsagePoint, UsageRecord
from partnerhub.domain.billing.periods import Granularity
from partnerhub.domain.catalogs.model import Catalog, Product
from partnerhub.domain.clients.model import Channel, Client, ClientLogin, WabaAccount
from partnerhub.domain.flows.model import EndpointRequest, Flow
from partnerhub.domain.hub.model import HubSession, NumberRow, SignedIn, TimelineEntry
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.media.model import MediaFile
from partnerhub.domain.messaging.model import (
    Budget,
    BudgetQuery,
    ChannelApiKey,
    DueMessage,
    Message,
)
from partnerhub.domain.messaging.profile_model import (
    BusinessEncryptionKey,
    BusinessProfile,
    UploadSession,
)
from partnerhub.domain.migration.model import NumberMigration, TwoStepSetting
from partnerhub.domain.partner_change.model import PartnerChangeRequest
from partnerhub.domain.partners.model import Partner, PartnerUser
from partnerhub.domain.ratelimit import Rule
from partnerhub.domain.templates.model import Template
from partnerhub.domain.webhooks.model import Delivery, DeliveryAttempt, Event


class PartnerRepository(Protocol):
    def add(self, partner: Partner) -> None: ...
    async def get(self, partner_id: str) -> Partner | None: ...
    async def update_columns(self, partner_id: str, values: Mapping[str, Any]) -> Partner | None:
        """Set ``values`` (attribute names) in one statement and return the partner as it now
        is, or None when there is no such partner."""
        ...

    async def count(self) -> int: ...
    async def list_all(self) -> list[Partner]: ...


class UserRepository(Protocol):
    def add(self, user: PartnerUser) -> None: ...
    async def get(self, user_id: str) -> PartnerUser | None: ...
    async def get_by_email(self, email: str) -> PartnerUser | None: ...
    async def list_for_partner(self, partner_id: str) -> list[PartnerUser]: ...


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> None: ...
    async def get_active_by_digest(self, digest: str) -> ApiKey | None: ...
    async def get_active(self, partner_id: str, key_id: str) -> ApiKey | None: ...
    async def list_active(self, partner_id: str, query: ListQuery) -> tuple[list[ApiKey], int]: ...


class TokenRepository(Protocol):
    def add_family(self, family: TokenFamily) -> None: ...
    def add_refresh(self, token: RefreshToken) -> None: ...
    async def get_family(self, family_id: str) -> TokenFamily | None: ...
    async def spend_refresh(self, token_id: str, now: datetime) -> bool:
        """Mark a refresh token used, atomically: True for exactly one of any concurrent callers."""
        ...

    async def revoke_family(self, family_id: str, now: datetime) -> None: ...
    async def revoke_user_families(self, user_id: str, now: datetime) -> int:
        """End every live login of one user (password change, revoke, disable); how many."""
        ...

    async def get_refresh_by_digest(self, digest: str) -> RefreshToken | None: ...


class Outbox(Protocol):
    """Where :mod:`partnerhub.domain.webhooks.outbox` writes events and their deliveries, in the
    caller's transaction (plain rows: a simulator round may write hundreds at once)."""

    async def insert_events(self, rows: list[dict[str, Any]]) -> None: ...
    async def insert_deliveries(self, rows: list[dict[str, Any]]) -> None: ...


class WebhookRepository(Outbox, Protocol):
    async def get_delivery(self, partner_id: str, delivery_id: str) -> Delivery | None: ...
    async def list_deliveries(
        self,
        partner_id: str,
        query: ListQuery,
        created_after: datetime | None,
        created_before: datetime | None,
    ) -> tuple[list[Delivery], int]: ...
    async def attempts_for(
        self, delivery_ids: Sequence[str]
    ) -> dict[str, list[DeliveryAttempt]]: ...


class ClientRepository(Protocol):
    def add(self, item: Client | WabaAccount | Channel) -> None: ...
    async def get_client(
        self, partner_id: str, client_id: str, *, for_update: bool = False
    ) -> Client | None: ...
    async def get_waba(self, partner_id: str, waba_id: str) -> WabaAccount | None: ...
    async def get_channel(
        self, partner_id: str, channel_id: str, *, for_update: bool = False
    ) -> Channel | None: ...
    async def owner_of_channel(self, channel_id: str) -> str | None:
        """For the emulator, which acts across partners."""
        ...

    async def owner_of_client(self, client_id: str) -> str | None:
        """For the emulator, which acts across partners."""
        ...

    async def phone_taken(self, phone_numbers: Sequence[str]) -> list[str]:
        """The numbers a channel in use holds (terminated and cancelled ones hold none)."""
        ...

    async def add_numbers(self, channels: Sequence[Channel]) -> bool:
        """Insert new channels; False, changing nothing, when the database refuses one's number
        because a concurrent transaction took it after our :meth:`phone_taken` check (the
        unique index on numbers in use is the one arbiter), or its Meta id (``external_id``,
        unique among channels in use). A savepoint keeps the rest of the unit of work, and the
        objects it read, usable for the answer. Any other integrity error propagates."""
        ...

    async def add_client_and_waba(self, client: Client | None, waba: WabaAccount) -> bool:
        """Insert a new WABA, and the new client that holds it when given, all or nothing;
        False, changing nothing, when a concurrent transaction filed a WABA with the same Meta
        id (``external_id``, unique) since the caller's check. Once False, a read sees it."""
        ...

    async def holder_of_number(self, phone_number: str) -> Channel | None:
        """The channel in use that holds the number, whichever partner's (for the operator)."""
        ...

    async def waba_by_external_id(self, external_id: str) -> WabaAccount | None:
        """The WABA with this Meta id, whichever partner's (account sharing's duplicate check)."""
        ...

    async def channel_by_external_id(self, external_id: str) -> Channel | None:
        """The channel in use with this Meta phone-number id, whichever partner's."""
        ...

    async def channels_of_client(self, client_id: str) -> list[Channel]: ...
    async def waba_of_client(self, client_id: str) -> WabaAccount | None:
        """The client's WABA (onboarding creates exactly one; the oldest if there were more)."""
        ...

    async def count_channels(self, client_id: str) -> int: ...
    async def list_clients(self, partner_id: str, query: ListQuery) -> tuple[list[Client], int]: ...
    async def list_channels(
        self, partner_id: str, query: ListQuery, text: str | None
    ) -> tuple[list[Channel], int]: ...
    async def clients_by_id(self, client_ids: Sequence[str]) -> dict[str, Client]: ...
    async def wabas_by_id(self, waba_ids: Sequence[str]) -> dict[str, WabaAccount]: ...
    async def due_steps(self, now: datetime, limit: int) -> list[Channel]:
        """Channels whose next simulated step is due, locked for this transaction."""
        ...

    async def due_history_phases(self, now: datetime, limit: int) -> list[Channel]:
        """Coexistence numbers whose next history phase is due, locked for this transaction."""
        ...

    async def due_compliance(self, now: datetime, limit: int) -> list[Channel]:
        """Channels whose display-name review or restriction end is due (domain/compliance),
        locked for this transaction."""
        ...

    async def compliance_watched(self, partner_id: str, limit: int) -> list[Channel]:
        """The partner's channels the compliance simulator will look at again (a display-name
        review or a restriction pending), soonest first; not locked."""
        ...


class BillingRepository(Protocol):
    async def get_balance(self, owner_id: str) -> Balance | None: ...
    def add_balance(self, balance: Balance) -> None: ...
    async def debit(
        self,
        owner_id: str,
        partner_id: str,
        client_id: str | None,
        micros: int,
        currency: str,
        now: datetime,
    ) -> Funds:
        """Take ``micros`` off a balance (creating it at zero first) and return what is left."""
        ...

    def add_usage(self, record: UsageRecord) -> None: ...
    async def insert_usage(self, rows: list[dict[str, Any]]) -> None:
        """Many usage records in one statement (the simulator charging a batch of deliveries)."""
        ...

    async def usage_by_period(
        self, client_id: str, start: datetime, end: datetime, granularity: Granularity
    ) -> list[PeriodUsage]:
        """The client's usage in ``[start, end)``, one row per period that has any."""
        ...

    async def usage_points(
        self,
        channel_id: str,
        start: datetime,
        end: datetime,
        granularity: Granularity,
        countries: frozenset[str] | None,
    ) -> list[UsagePoint]:
        """The channel's usage in ``[start, end)`` per period, country, category and type."""
        ...


class ClientLoginRepository(Protocol):
    def add(self, login: ClientLogin) -> None: ...
    async def candidates(
        self, partner_id: str, email: str, client_id: str | None, limit: int
    ) -> list[ClientLogin]:
        """The partner's client logins with this email (of ``client_id`` only, when given)."""
        ...


class MessagingRepository(Protocol):
    def add_key(self, key: ChannelApiKey) -> None: ...
    async def revoke_channel_keys(
        self, channel_id: str, now: datetime, key_id: str | None = None
    ) -> list[ChannelApiKey]:
        """Revoke the channel's live keys (or the one ``key_id``); the keys revoked, as they are
        now (read locked first, so the answer names exactly what this call revoked)."""
        ...

    async def list_active_keys(
        self, channel_id: str, query: ListQuery
    ) -> tuple[list[ChannelApiKey], int]: ...
    async def key_and_channel(self, secret_digest: str) -> tuple[ChannelApiKey, Channel] | None:
        """The live key with this digest and its channel, in one indexed lookup."""
        ...

    async def live_key_permissions(self, key_ids: set[str]) -> dict[str, bool]:
        """For each of these keys still live, whether its number's permission is granted."""
        ...

    async def touch_key(self, key_id: str, now: datetime) -> None: ...
    def add_message(self, message: Message) -> None: ...
    async def insert_messages(self, rows: list[dict[str, Any]]) -> None:
        """Many new messages in one statement (the send path's group commit)."""
        ...

    async def get_message(self, message_id: str) -> Message | None: ...
    async def due_messages(self, now: datetime, limit: int) -> list[DueMessage]:
        """Outbound messages whose next status update is due, locked for this transaction."""
        ...

    async def channels_by_id(self, channel_ids: set[str]) -> dict[str, Channel]: ...
    async def wabas_by_id(self, waba_ids: set[str]) -> dict[str, WabaAccount]: ...
    async def partners_by_id(self, partner_ids: set[str]) -> dict[str, Partner]: ...
    async def last_inbound_pairs(
        self, pairs: set[tuple[str, str]]
    ) -> dict[tuple[str, str], datetime]:
        """When each (channel, user) pair last wrote to the channel, for many pairs at once."""
        ...

    async def move_statuses(
        self,
        ids: list[str],
        status: str,
        now: datetime,
        next_at: datetime | None,
        error: dict[str, Any] | None = None,
    ) -> None:
        """Give many messages the same new status and next due time: one set-based UPDATE per
        chunk of ids, so a round's cost does not grow with a bound parameter set per row."""
        ...

    async def record_inbound(
        self, channel_id: str, wa_id: str, at: datetime, profile_name: str
    ) -> None:
        """Open (or extend) the 24-hour window: an upsert, safe against concurrent inbounds."""
        ...

    async def unreachable_codes(self, wa_ids: set[str]) -> dict[str, int]: ...
    async def set_unreachable(self, wa_id: str, error_code: int | None) -> None: ...
    # MM Lite: when the WABA accepted the terms (None: not accepted)
    async def mm_lite_accepted_at(self, waba_account_id: str) -> datetime | None: ...
    async def set_mm_lite_accepted(self, waba_account_id: str, at: datetime | None) -> None: ...


class QualityRepository(Protocol):
    """Messaging limits and quality (issue 17; :mod:`partnerhub.domain.messaging.quality`)."""

    async def budgets(self, query: BudgetQuery) -> dict[str, Budget]:
        """Each number's tier budget for a send batch's template sends."""
        ...

    async def open_conversations(self, budgets: dict[str, Budget], query: BudgetQuery) -> None:
        """Record the business-initiated conversations a send batch opened."""
        ...

    async def conversations_since(self, channel_id: str, since: datetime) -> int: ...
    async def get_state(self, channel_id: str) -> tuple[int, datetime | None] | None:
        """The number's spam reports and since when it is red (None: never stored)."""
        ...

    async def save_state(
        self, channel_id: str, spam_reports: int, red_since: datetime | None
    ) -> None: ...
    async def red_due(self, before: datetime, limit: int) -> list[str]:
        """The numbers red since ``before`` or earlier, oldest first (the simulator's round)."""
        ...

    async def paused_templates(self, waba_account_id: str) -> int: ...
    async def app_id_of_key(self, key_id: str) -> str | None: ...


class TemplateRepository(Protocol):
    async def insert_unique(self, template: Template) -> bool:
        """Add and flush; False when (WABA, name, language) is taken after all (a concurrent twin
        on PostgreSQL). The transaction is then spoilt: the caller must end it."""
        ...

    async def delete(self, template: Template) -> None: ...
    async def get(self, template_id: str, *, for_update: bool = False) -> Template | None: ...
    async def find(self, waba_account_id: str, name: str, language: str) -> Template | None: ...
    async def names(self, waba_account_id: str, name: str) -> list[Template]:
        """Every language of one template name."""
        ...

    async def count_names(self, waba_account_id: str) -> int: ...
    async def list_for_waba(
        self, waba_account_id: str, query: ListQuery
    ) -> tuple[list[Template], int]: ...
    async def any_due(self, now: datetime) -> bool:
        """A cheap look before taking the write lock: is any review due at all?"""
        ...

    async def due_reviews(self, now: datetime, limit: int) -> list[Template]:
        """Templates whose simulated review is due, locked for this transaction."""
        ...


class HubRepository(Protocol):
    async def add_session(self, hub_session: HubSession) -> None: ...
    async def signed_in(self, token_digest: str, now: datetime) -> SignedIn | None:
        """The live session with this digest, its user and partner: one query per page view."""
        ...

    async def revoke_session(self, token_digest: str, now: datetime) -> None: ...
    async def revoke_user_sessions(
        self, user_id: str, now: datetime, keep_id: str | None = None
    ) -> int:
        """End every live dashboard session of one user but ``keep_id``; how many."""
        ...

    async def delete_expired_sessions(self, user_id: str, now: datetime) -> None:
        """Housekeeping at each login, so the table holds live sessions and little else."""
        ...

    async def client_counts(self, partner_id: str) -> dict[str, int]: ...
    async def channel_counts(self, partner_id: str) -> dict[str, int]:
        """From the per-status counters kept with every status change: one small read."""
        ...

    async def delivery_counts(self, partner_id: str, since: datetime) -> dict[str, int]: ...
    async def recent_events(self, partner_id: str, limit: int) -> list[Event]: ...
    async def number_rows(
        self, partner_id: str, status: str | None, text: str | None, limit: int, offset: int
    ) -> tuple[list[NumberRow], int]: ...
    async def channel_events(
        self, partner_id: str, channel_id: str, limit: int
    ) -> list[TimelineEntry]:
        """The partner events about this number, newest first."""
        ...

    async def event(self, partner_id: str, event_id: str) -> Event | None: ...


class LoginAttemptRepository(Protocol):
    async def record_failure(
        self, account: str, address: str, now: datetime, forget_before: datetime
    ) -> str:
        """Add one failure (its id is returned) and drop this account's and this address's
        failures too old to count any more, so the table stays as small as the window."""
        ...

    async def forget_failure(self, failure_id: str) -> None: ...
    async def account_failures(
        self, account: str, since: datetime, address: str | None = None
    ) -> list[datetime]:
        """When this account's failures in the window happened, oldest first (only those from
        ``address`` when given)."""
        ...

    async def address_failures(self, address: str, since: datetime) -> list[datetime]:
        """When this address's failures in the window happened (any account), oldest first."""
        ...

    async def clear_failures(self, account: str, address: str) -> None:
        """A success forgets the failures of this account from this address (not those of other
        addresses: they may be an attack still going on)."""
        ...

    async def is_trusted(self, account: str, address: str, since: datetime) -> bool: ...
    async def trust(
        self, account: str, address: str, now: datetime, forget_before: datetime
    ) -> None:
        """Remember that this address passed this account's password now (one row per pair,
        upserted: two logins racing from one address must not collide)."""
        ...


class IoSignatureRepository(Protocol):
    """The onboarding links' IO signatures already used (replay protection, spec §8)."""

    async def is_spent(self, digest: str) -> bool: ...
    async def spend(self, digest: str, partner_id: str, now: datetime) -> bool:
        """Record it as used; False when another transaction spent it first."""
        ...


class ApiKeyUseRepository(Protocol):
    """Partner API keys' ``last_used_at``, written off the request path."""

    async def touch(self, key_id: str, now: datetime) -> None:
        """Set ``last_used_at`` of the key, unless it was revoked."""
        ...


class BusinessProfileRepository(Protocol):
    """Business profiles and the resumable upload sessions of a channel (issue 17)."""

    async def get_profile(self, channel_id: str, *, lock: bool = False) -> BusinessProfile | None:
        """The channel's profile; ``lock``: the channel locked first, so that concurrent
        updates of one profile run one after the other."""
        ...

    async def save_profile(self, profile: BusinessProfile) -> None:
        """Insert or replace the channel's profile."""
        ...

    async def add_upload(self, session: UploadSession) -> None: ...
    async def get_upload(
        self, channel_id: str, session_id: str, *, lock: bool = False
    ) -> UploadSession | None:
        """This channel's session (locked for the transaction when ``lock``)."""
        ...

    async def save_upload(self, session: UploadSession) -> None:
        """Write the session's offset, handle and completion."""
        ...

    async def upload_by_handle(self, channel_id: str, handle: str) -> UploadSession | None: ...
    async def profile_picture(self, picture_id: str) -> UploadSession | None:
        """The upload that is some profile's picture now (pictures no profile uses are not
        served)."""
        ...

    # Issue 18: the number's business public key (WhatsApp Flows).
    async def get_encryption_key(self, channel_id: str) -> BusinessEncryptionKey | None: ...
    async def save_encryption_key(self, key: BusinessEncryptionKey) -> None:
        """Insert or replace the channel's key."""
        ...


class CatalogRepository(Protocol):
    """Product catalogs connected to a WABA, and their products (issue 17)."""

    async def add_catalog(self, catalog: Catalog) -> bool: ...  # False: the WABA has one
    async def get_catalog(self, catalog_id: str) -> Catalog | None: ...
    async def catalog_of_waba(self, waba_account_id: str) -> Catalog | None: ...
    async def put_products(
        self, catalog_id: str, products: Sequence[Product], now: datetime
    ) -> None: ...
    async def products(
        self, catalog_id: str, retailer_ids: Collection[str] | None = None
    ) -> dict[str, Product]: ...


class MigrationRepository(Protocol):
    """Numbers migrated into a client and the Meta-side two-step flags (issue 18 item 4)."""

    def add(self, item: NumberMigration | TwoStepSetting) -> None: ...
    async def get_migration(
        self, channel_id: str, *, for_update: bool = False
    ) -> NumberMigration | None: ...
    async def two_step(self, phone_number: str) -> TwoStepSetting | None: ...
    async def migrations_of_partner(self, partner_id: str) -> list[NumberMigration]: ...


class FlowRepository(Protocol):
    """WhatsApp Flows of the WABA accounts (issue 18 item 1)."""

    async def add(self, flow: Flow) -> bool: ...  # False: the WABA has a Flow of that name
    async def save(self, flow: Flow) -> None: ...
    async def delete(self, flow_id: str) -> None: ...
    async def get(self, flow_id: str) -> Flow | None: ...
    async def find_by_name(self, waba_account_id: str, name: str) -> Flow | None: ...
    async def list_for_waba(self, waba_account_id: str) -> list[Flow]: ...
    async def list_for_partner(self, partner_id: str) -> list[Flow]: ...
    async def add_endpoint_request(self, request: EndpointRequest) -> None: ...
    async def endpoint_requests(
        self, flow_id: str, since: datetime, until: datetime
    ) -> list[EndpointRequest]:
        """The Flow's endpoint requests after ``since`` up to ``until``, oldest first."""
        ...

    async def endpoint_alerts(self, flow_id: str) -> dict[str, int]:
        """The level in force of each endpoint alert of the Flow (absent: none)."""
        ...

    async def set_endpoint_alert(self, flow_id: str, event: str, level: int) -> None: ...


class PartnerChangeRepository(Protocol):
    """Partner change requests (issue 18 item 5)."""

    async def add(self, pcr: PartnerChangeRequest) -> bool:
        """False (nothing written) when the client has a pending request already."""
        ...

    async def save(self, pcr: PartnerChangeRequest) -> None: ...
    async def get(
        self, pcr_id: str, *, for_update: bool = False
    ) -> PartnerChangeRequest | None: ...
    async def pending_for_client(self, client_id: str) -> PartnerChangeRequest | None: ...
    async def list_for_target(
        self, partner_id: str, query: ListQuery, status: str | None = None
    ) -> tuple[list[PartnerChangeRequest], int]: ...
    async def move_client_rows(
        self,
        client_id: str,
        waba_ids: Sequence[str],
        channel_ids: Sequence[str],
        target_partner_id: str,
        now: datetime,
    ) -> None:
        """Hand the client's rows that are not mapped objects (login, templates, catalogs,
        media) to the target partner."""
        ...


class UnitOfWork(Protocol):
    """One transaction: use as ``async with factory() as uow:`` and call :meth:`commit` once;
    leaving the block without committing rolls everything back.

    The domain objects the repositories return (and those given to an ``add``) are tracked: a
    service changes one by assigning its attributes, and :meth:`flush` or :meth:`commit` writes
    the change. A fake must keep that promise too, e.g. by storing the very objects it returns.
    """

    # Set when an event with a delivery was written: after the commit, the delivery engine is
    # woken up (the outbox's signal; see :mod:`partnerhub.domain.webhooks.outbox`).
    outbox_written: bool

    @property
    def partners(self) -> PartnerRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def api_keys(self) -> ApiKeyRepository: ...
    @property
    def api_key_uses(self) -> ApiKeyUseRepository: ...
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def webhooks(self) -> WebhookRepository: ...
    @property
    def clients(self) -> ClientRepository: ...
    @property
    def billing(self) -> BillingRepository: ...
    @property
    def client_logins(self) -> ClientLoginRepository: ...
    @property
    def io_signatures(self) -> IoSignatureRepository: ...
    @property
    def messaging(self) -> MessagingRepository: ...
    @property
    def templates(self) -> TemplateRepository: ...
    @property
    def hub(self) -> HubRepository: ...
    @property
    def logins(self) -> LoginAttemptRepository: ...
    @property
    def profiles(self) -> BusinessProfileRepository: ...
    @property
    def catalogs(self) -> CatalogRepository: ...
    @property
    def quality(self) -> QualityRepository: ...
    @property
    def migrations(self) -> MigrationRepository: ...
    @property
    def flows(self) -> FlowRepository: ...
    @property
    def partner_changes(self) -> PartnerChangeRepository: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Make every change of this unit of work durable, at once."""
        ...

    async def flush(self) -> None:
        """Send the pending changes (still uncommitted), e.g. before a query that must see them."""
        ...

    async def lock_for_write(self) -> None:
        """Call first in a read-modify-write service: what it reads cannot change before it
        writes (a lost update otherwise)."""
        ...

    async def write_gate(self) -> None:
        """Queue behind this process's other writers, for a unit of work whose first statement
        writes anyway."""
        ...


class ReadCache(Protocol):
    """The auth hot path's cache, invalidated per key (names in :mod:`domain.cache_keys`) by the
    commits that change what it holds, within the bound docs/operations.md states.

    :meth:`fetch` is the way in: ``load`` returns the value and its *tags* (the names of the
    rows it was read from), runs once for all concurrent misses of a key, and its value is kept
    only if none of those tags was invalidated while it ran. :meth:`put` stores a second value
    a load read along (take :meth:`epoch` before reading)."""

    def get(self, key: Any) -> object | None: ...
    def epoch(self) -> int: ...
    def put(self, key: Any, value: object, epoch: int, tags: Iterable[str] = ()) -> None: ...
    async def fetch(
        self, key: Any, load: Callable[[], Awaitable[tuple[Any, Collection[str]]]]
    ) -> Any: ...


class CredentialReads(Protocol):
    """The auth hot path's misses, each one query outside any transaction (one round trip on
    PostgreSQL): the live key with what it authenticates."""

    async def api_key(self, digest: str) -> tuple[ApiKey, Partner] | None:
        """The live partner API key with this digest, and its partner."""
        ...

    async def partner(self, partner_id: str) -> Partner | None: ...

    async def channel_key(self, digest: str) -> tuple[ChannelApiKey, Channel] | None:
        """The live channel key with this digest, and its channel."""
        ...


class RateLimits(Protocol):
    async def hit(self, rule: Rule, identifier: str) -> None:
        """Count one request against ``rule`` for ``identifier``, or raise
        :class:`~partnerhub.domain.errors.RateLimited`."""
        ...


class AuthMetrics(Protocol):
    """The login path's counters, kept by an adapter (Prometheus) the domain does not know."""

    def password_checked(self) -> None:
        """One argon2 verification was made."""
        ...

    def locked_out(self, reason: str) -> None:
        """A password check was refused unlooked; ``reason`` is account, address or
        address_budget."""
        ...


# --- media (issue 17) -------------------------------------------------------------------------


class MediaStorage(Protocol):
    """Where media bytes live (never in the database): a directory, or an S3-compatible bucket.

    ``put`` consumes ``chunks`` as they arrive and makes the object visible only once all of
    them were written (a temporary file renamed, an S3 upload completed): when ``chunks`` raises
    (an upload refused for its size, a client gone) nothing is left under ``key``."""

    async def put(self, key: str, chunks: AsyncIterator[bytes]) -> None: ...

    def get(self, key: str) -> AsyncIterator[bytes]:
        """The bytes of ``key``, a chunk at a time (FileNotFoundError when there are none)."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; nothing happens when it is not there."""
        ...


class MediaCatalog(Protocol):
    """The media files' rows: id, channel, type, digest, size, dates, storage key."""

    async def add(self, media: MediaFile) -> None: ...

    async def get(self, media_id: str) -> MediaFile | None: ...

    async def remove(self, media_id: str) -> bool: ...

    async def existing(self, channel_id: str, ids: Collection[str], now: datetime) -> set[str]:
        """Those of ``ids`` that are ``channel_id``'s and not expired."""
        ...

    async def expired(self, now: datetime, limit: int) -> list[MediaFile]: ...
