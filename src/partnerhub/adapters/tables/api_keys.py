"""Partner API keys."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    String,
    Table,
)

from partnerhub.adapters.tables.base import UTCDateTime, metadata

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


Index(
    "ix_partner_api_keys_partner_created",
    partner_api_keys.c.partner_id,
    partner_api_keys.c.created_at,
)
