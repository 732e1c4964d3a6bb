"""Partner change requests (issue 18 item 5): a client asking to move, with all its numbers, from
its partner (``source``) to another 360dialog partner (``target``)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, String, Table, text

from partnerhub.adapters.tables.base import UTCDateTime, metadata

partner_change_requests = Table(
    "partner_change_requests",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("is_full_migration", Boolean, nullable=False),
    Column(
        "client_id",
        String(32),
        ForeignKey("clients.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column(
        "source_partner_id",
        String(32),
        ForeignKey("partners.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "target_partner_id",
        String(32),
        ForeignKey("partners.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("channel_ids", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

Index(
    "ix_partner_change_requests_target_created",
    partner_change_requests.c.target_partner_id,
    partner_change_requests.c.created_at,
)
# At most one pending request per client, also when two arrive at once.
PENDING = text("status = 'pending'")
Index(
    "uq_partner_change_requests_pending_client",
    partner_change_requests.c.client_id,
    unique=True,
    sqlite_where=PENDING,
    postgresql_where=PENDING,
)
