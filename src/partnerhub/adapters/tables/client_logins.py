"""The onboarding page's client logins."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    String,
    Table,
)

from partnerhub.adapters.tables.base import UTCDateTime, metadata

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
