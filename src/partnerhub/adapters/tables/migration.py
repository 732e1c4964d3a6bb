"""Number migration (issue 18 item 4): one row per number migrated into a client, and the
Meta-side two-step verification flag per phone number. Migration 0028."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, false

from partnerhub.adapters.tables.base import UTCDateTime, metadata

number_migrations = Table(
    "number_migrations",
    metadata,
    Column(
        "channel_id",
        String(32),
        ForeignKey("channels.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), index=True),
    Column("client_id", String(32), nullable=False),
    Column("phone_number", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("code_method", String(8)),
    Column("language", String(16)),
    Column("code", String(6)),
    Column("code_expires_at", UTCDateTime),
    Column("wrong_codes", Integer, nullable=False, server_default="0"),
    Column("completed_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
)

two_step_settings = Table(
    "two_step_settings",
    metadata,
    Column("phone_number", String(32), primary_key=True),
    Column("enabled", Boolean, nullable=False, server_default=false()),
    Column("modified_at", UTCDateTime, nullable=False),
)
