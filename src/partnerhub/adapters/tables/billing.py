"""Prepaid balances and usage records."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from partnerhub.adapters.tables.base import UTCDateTime, metadata

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
