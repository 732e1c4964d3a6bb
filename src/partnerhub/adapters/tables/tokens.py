"""Token families and refresh tokens."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    String,
    Table,
)

from partnerhub.adapters.tables.base import UTCDateTime, metadata

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
