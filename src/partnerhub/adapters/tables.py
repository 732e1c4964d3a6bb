"""Table definitions, and the imperative mapping of the domain dataclasses onto them.

The domain classes stay plain dataclasses (no SQLAlchemy base class); this module is the only
place that knows how they are laid out in the database. Alembic migrations mirror it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import registry
from sqlalchemy.sql.expression import false

from partnerhub.domain.auth.model import RefreshToken, TokenFamily
from partnerhub.domain.billing.model import Balance, UsageRecord
from partnerhub.domain.clients.model import Channel, Client, ClientLogin, WabaAccount
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.messaging.model import ChannelApiKey, Contact, Message
from partnerhub.domain.partners.model import Partner, PartnerUser
from partnerhub.domain.templates.model import Template
from partnerhub.domain.webhooks.model import (
    Delivery,
    DeliveryAttempt,
    EmulatorState,
    Event,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC, whatever the backend does with time zones."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not allowed; use timezone-aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


partners = Table(
    "partners",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("brand_name", String(255), nullable=False),
    Column("country", String(8)),
    Column("logo_url", String(2048)),
    Column("webhook_url", String(2048)),
    Column("partner_redirect_url", String(2048)),
    Column("allow_client_to_add_phone_no", Boolean, nullable=False),
    Column("settings", JSON, nullable=False),
    Column("billing_system", String(32), nullable=False),
    Column("payment_required", Boolean, nullable=False),
    Column("payment_plan", JSON, nullable=False),
    Column("onboarding_deeplink_add_params", Boolean, nullable=False),
    Column("blocked_new_submission", Boolean, nullable=False),
    Column("publishable_key", String(255)),
    Column("bearer_auth_enabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    Column("webhook_headers", JSON, nullable=False, server_default="{}"),
    Column("webhook_disabled_at", UTCDateTime),
    Column("platform_secret_nonce", String(64)),
    Column("previous_platform_secret_nonce", String(64)),
    Column("previous_platform_secret_until", UTCDateTime),
    Column("billing_model", String(16), nullable=False, server_default="partner"),
    Column("io_signature_enabled", Boolean, nullable=False, server_default=false()),
)

io_signatures = Table(
    "io_signatures",
    metadata,
    Column("digest", String(128), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE")),
    Column("used_at", UTCDateTime, nullable=False),
)

partner_users = Table(
    "partner_users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), index=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
)

partner_api_keys = Table(
    "partner_api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), index=True),
    Column("name", String(255), nullable=False),
    Column("prefix", String(32), nullable=False),
    Column("secret_digest", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

token_families = Table(
    "token_families",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(32), ForeignKey("partner_users.id", ondelete="CASCADE"), index=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "family_id", String(32), ForeignKey("token_families.id", ondelete="CASCADE"), index=True
    ),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), index=True),
    Column("type", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Set for Messaging API webhooks: they go to this channel's messaging webhook URL, not to
    # the partner's. No foreign key: the delivery log outlives what it reports on.
    Column("channel_id", String(32)),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("event_id", String(32), ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE")),
    Column("event_type", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempt_count", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime),
    Column("last_attempt_at", UTCDateTime),
    Column("delivered_at", UTCDateTime),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "delivery_id",
        String(32),
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
        index=True,
    ),
    Column("attempted_at", UTCDateTime, nullable=False),
    Column("status_code", Integer),
    Column("latency_ms", Float, nullable=False),
    Column("response_body", Text),
    Column("error", Text),
    Column("request_headers", JSON, nullable=False),
    Column("url", String(2048)),
    Column("finished_at", UTCDateTime),
)

clients = Table(
    "clients",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), index=True),
    Column("name", String(255), nullable=False),
    Column("status", String(32), nullable=False),
    Column("organisation", String(255)),
    Column("partner_payload", Text),
    Column("max_channels", Integer, nullable=False),
    Column("meta_info", JSON, nullable=False),
    Column("contact_info", JSON, nullable=False),
    Column("contact_user", JSON, nullable=False),
    Column("created_by", JSON, nullable=False),
    Column("modified_by", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
)

waba_accounts = Table(
    "waba_accounts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), index=True),
    Column("client_id", String(32), ForeignKey("clients.id", ondelete="CASCADE"), index=True),
    Column("name", String(255), nullable=False),
    Column("status", String(32), nullable=False),
    Column("external_id", String(32), nullable=False),
    Column("fb_business_id", String(32), nullable=False),
    Column("namespace", String(64), nullable=False),
    Column("timezone_id", String(8), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
)

channels = Table(
    "channels",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE")),
    Column("client_id", String(32), ForeignKey("clients.id", ondelete="CASCADE"), index=True),
    Column(
        "waba_account_id",
        String(32),
        ForeignKey("waba_accounts.id", ondelete="CASCADE"),
        index=True,
    ),
    Column("status", String(32), nullable=False),
    Column("phone_number", String(32), nullable=False, index=True),
    Column("phone_name", String(255), nullable=False),
    Column("external_id", String(32), nullable=False),
    Column("account_mode", String(16), nullable=False),
    Column("billing_started_at", UTCDateTime),
    Column("terminated_at", UTCDateTime),
    Column("current_limit", String(32), nullable=False),
    Column("current_quality_rating", String(16), nullable=False),
    Column("was_in_use", Boolean, nullable=False),
    Column("verification_method", String(16), nullable=False),
    Column("default_language", String(16), nullable=False),
    Column("permission", Boolean, nullable=False),
    Column("type", String(32), nullable=False, server_default="whatsapp"),
    Column("version", Integer, nullable=False, server_default="2"),
    Column("is_migrated", Boolean, nullable=False, server_default=false()),
    Column("availability_status", String(32), nullable=False, server_default="available"),
    Column("next_step_at", UTCDateTime),
    Column("cancellation_requested_at", UTCDateTime),
    Column("cancellation_date", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    Column("messaging_webhook_url", String(2048)),
    Column("messaging_webhook_headers", JSON, nullable=False, server_default="{}"),
)

Index("ix_clients_partner_created", clients.c.partner_id, clients.c.created_at)
# A number belongs to at most one channel in use; terminated and cancelled channels keep their
# number for the record but no longer hold it (migration 0011, `partnerhub channels release`).
NUMBER_IN_USE = text("status NOT IN ('terminated', 'cancelled')")
Index(
    "uq_channels_phone_number_in_use",
    channels.c.phone_number,
    unique=True,
    sqlite_where=NUMBER_IN_USE,
    postgresql_where=NUMBER_IN_USE,
)
# Newest-first pages (ORDER BY created_at DESC, id DESC) read straight off these two indexes.
Index("ix_channels_partner_created_id", channels.c.partner_id, channels.c.created_at, channels.c.id)
Index(
    "ix_channels_partner_status_created_id",
    channels.c.partner_id,
    channels.c.status,
    channels.c.created_at,
    channels.c.id,
)

# How many channels each partner has in each status, kept in step with ``channels`` by
# adapters/channel_counts.py, so a list's ``total`` costs one row read instead of a COUNT(*)
# over millions of rows.
channel_counts = Table(
    "channel_counts",
    metadata,
    Column(
        "partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("status", String(32), primary_key=True),
    Column("n", Integer, nullable=False),
)
Index("ix_channels_next_step", channels.c.next_step_at)

# The onboarding page's client login (next=login): one password per client (its failed
# attempts are in login_failures, with every other password check's).
client_logins = Table(
    "client_logins",
    metadata,
    Column("client_id", String(32), ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE")),
    Column("email", String(320), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_client_logins_partner_email", client_logins.c.partner_id, client_logins.c.email)

emulator_state = Table(
    "emulator_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("clock_offset_seconds", Float, nullable=False),
    Column("clock_epoch", Integer, nullable=False, server_default="0"),
    Column("fail_next", Integer, nullable=False),
    Column("fail_status", Integer, nullable=False),
    Column("delay_ms", Integer, nullable=False),
)

Index(
    "ix_webhook_deliveries_due", webhook_deliveries.c.status, webhook_deliveries.c.next_attempt_at
)
Index(
    "ix_webhook_deliveries_partner_created",
    webhook_deliveries.c.partner_id,
    webhook_deliveries.c.created_at,
)
Index(
    "ix_partner_api_keys_partner_created",
    partner_api_keys.c.partner_id,
    partner_api_keys.c.created_at,
)

# Prepaid balances: one row per partner, and one per client of a direct-paid hub. Money in
# micro-units (see domain/billing/model.py).
balances = Table(
    "balances",
    metadata,
    Column("owner_id", String(32), primary_key=True),
    Column(
        "partner_id",
        String(32),
        ForeignKey("partners.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("client_id", String(32), ForeignKey("clients.id", ondelete="CASCADE")),
    Column("total_micros", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    # The last top-up (0013): when and by how much; null until the first one.
    Column("last_renewal_at", UTCDateTime),
    Column("last_renewal_micros", BigInteger),
)

usage_records = Table(
    "usage_records",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), nullable=False),
    Column("client_id", String(32), ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", String(32), ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("country", String(2), nullable=False),
    Column("pricing_category", String(16), nullable=False),
    Column("pricing_type", String(32), nullable=False),
    Column("initiated_by", String(16), nullable=False),
    Column("volume", Integer, nullable=False),
    Column("cost_micros", BigInteger, nullable=False),
    Column("paid_by", String(16), nullable=False),
)

# The two reports: a client's usage over a time range, and a channel's.
Index("ix_usage_records_client_occurred", usage_records.c.client_id, usage_records.c.occurred_at)
Index("ix_usage_records_channel_occurred", usage_records.c.channel_id, usage_records.c.occurred_at)

# The Messaging API (issue 5): channel keys, templates, messages, the customer service window.
channel_api_keys = Table(
    "channel_api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), index=True),
    Column("channel_id", String(32), ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("secret_digest", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("last_used_at", UTCDateTime),
)
Index(
    "ix_channel_api_keys_channel_created",
    channel_api_keys.c.channel_id,
    channel_api_keys.c.created_at,
)

waba_templates = Table(
    "waba_templates",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), index=True),
    Column(
        "waba_account_id",
        String(32),
        ForeignKey("waba_accounts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(512), nullable=False),
    Column("language", String(16), nullable=False),
    Column("category", String(32), nullable=False),
    Column("components", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("rejected_reason", String(255)),
    Column("namespace", String(64), nullable=False),
    Column("review_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    # {"user_id", "user_name"} of who made / last changed it (0013; null on older rows).
    Column("created_by", JSON),
    Column("modified_by", JSON),
    Column("approved_edits", JSON, nullable=False, server_default="[]"),
    UniqueConstraint("waba_account_id", "name", "language"),
)
Index(
    "ix_waba_templates_waba_created_id",
    waba_templates.c.waba_account_id,
    waba_templates.c.created_at,
    waba_templates.c.id,
)
Index("ix_waba_templates_review_at", waba_templates.c.review_at)

messages = Table(
    "messages",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), nullable=False),
    Column("client_id", String(32), ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", String(32), ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("wa_id", String(32), nullable=False),
    Column("type", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("body", JSON, nullable=False),
    Column("pricing_category", String(16)),
    Column("error", JSON),
    Column("next_status_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
)
Index("ix_messages_channel_created", messages.c.channel_id, messages.c.created_at)
Index("ix_messages_next_status", messages.c.next_status_at)

messaging_contacts = Table(
    "messaging_contacts",
    metadata,
    Column(
        "channel_id",
        String(32),
        ForeignKey("channels.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("wa_id", String(32), primary_key=True),
    Column("last_inbound_at", UTCDateTime, nullable=False),
    Column("profile_name", String(255), nullable=False),
)

# Numbers the emulator marks unreachable: messages to them fail with this Meta error code.
unreachable_numbers = Table(
    "unreachable_numbers",
    metadata,
    Column("wa_id", String(32), primary_key=True),
    Column("error_code", Integer, nullable=False),
)

# The Partner Hub dashboard (/hub): login sessions (the cookie holds a random token, the table
# its SHA-256).
hub_sessions = Table(
    "hub_sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("user_id", String(32), ForeignKey("partner_users.id", ondelete="CASCADE"), index=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

# Every password check's failures (POST /api/v2/token, /hub/login, the onboarding page's client
# login), by account ("user:<email>" or "client:<partner id>:<email>") and client address, and
# the addresses that recently passed an account's password: the lockout of
# domain/auth/lockout.py, kept here so that it holds across processes and restarts.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(400), nullable=False),
    Column("address", String(64), nullable=False),
    Column("failed_at", UTCDateTime, nullable=False),
)
Index("ix_login_failures_account", login_failures.c.account, login_failures.c.failed_at)
Index("ix_login_failures_address", login_failures.c.address, login_failures.c.failed_at)

login_trusted_addresses = Table(
    "login_trusted_addresses",
    metadata,
    Column("account", String(400), primary_key=True),
    Column("address", String(64), primary_key=True),
    Column("last_success_at", UTCDateTime, nullable=False),
)

# Idempotency-Key (POSTs of the Partner API): one row per partner and key, found by the key's
# SHA-256; ``status_code`` stays NULL while the first request runs. The stored answer is
# encrypted with a key derived from the Idempotency-Key itself (server/idempotency.py), so the
# table alone never reveals a secret that a stored answer carried.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("partner_id", String(32), primary_key=True),
    Column("key_digest", String(64), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    # Who claimed the key (API key id or token family id): the only one it replays to.
    Column("credential_id", String(64)),
    Column("created_at", UTCDateTime, nullable=False, index=True),
    Column("status_code", Integer),
    Column("content_type", String(100)),
    Column("body", LargeBinary),
)

mapper_registry = registry(metadata=metadata)
_MAPPED = False


def map_domain() -> None:
    """Map the domain classes onto the tables, once per process."""
    global _MAPPED
    if _MAPPED:
        return
    mapper_registry.map_imperatively(Partner, partners)
    mapper_registry.map_imperatively(PartnerUser, partner_users)
    mapper_registry.map_imperatively(ApiKey, partner_api_keys)
    mapper_registry.map_imperatively(TokenFamily, token_families)
    mapper_registry.map_imperatively(RefreshToken, refresh_tokens)
    mapper_registry.map_imperatively(Event, webhook_events)
    mapper_registry.map_imperatively(Delivery, webhook_deliveries)
    mapper_registry.map_imperatively(DeliveryAttempt, webhook_attempts)
    mapper_registry.map_imperatively(EmulatorState, emulator_state)
    mapper_registry.map_imperatively(Client, clients)
    mapper_registry.map_imperatively(WabaAccount, waba_accounts)
    mapper_registry.map_imperatively(Channel, channels)
    mapper_registry.map_imperatively(Balance, balances)
    mapper_registry.map_imperatively(UsageRecord, usage_records)
    mapper_registry.map_imperatively(ClientLogin, client_logins)
    mapper_registry.map_imperatively(ChannelApiKey, channel_api_keys)
    mapper_registry.map_imperatively(Template, waba_templates)
    mapper_registry.map_imperatively(Message, messages)
    mapper_registry.map_imperatively(Contact, messaging_contacts)
    _MAPPED = True
