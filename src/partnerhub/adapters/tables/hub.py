"""The Partner Hub dashboard's login sessions."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    String,
    Table,
)

from partnerhub.adapters.tables.base import UTCDateTime, metadata

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
