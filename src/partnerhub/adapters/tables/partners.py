"""Partners, their users and the single-use I/O signatures."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    String,
    Table,
)
from sqlalchemy.sql.expression import false

from partnerhub.adapters.tables.base import UTCDateTime, metadata

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
