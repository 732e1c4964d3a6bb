"""Table definitions, and the imperative mapping of the domain dataclasses onto them.

The domain classes stay plain dataclasses (no SQLAlchemy base class); this module is the only
place that knows how they are laid out in the database. Alembic migrations mirror it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    TypeDecorator,
)
from sqlalchemy.orm import registry

from partnerhub.domain.auth.model import RefreshToken, TokenFamily
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.partners.model import Partner, PartnerUser

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

Index(
    "ix_partner_api_keys_partner_created",
    partner_api_keys.c.partner_id,
    partner_api_keys.c.created_at,
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
    _MAPPED = True
