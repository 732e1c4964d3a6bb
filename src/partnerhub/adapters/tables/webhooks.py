"""The webhook outbox: events, deliveries and attempts."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from partnerhub.adapters.tables.base import UTCDateTime, metadata

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
    # A copy of a messaging webhook to one ``/multi_webhook`` destination, by name (0022);
    # NULL for the main webhook and for partner events.
    Column("destination", String(64)),
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


Index(
    "ix_webhook_deliveries_due", webhook_deliveries.c.status, webhook_deliveries.c.next_attempt_at
)
Index(
    "ix_webhook_deliveries_partner_created",
    webhook_deliveries.c.partner_id,
    webhook_deliveries.c.created_at,
)
# Retention's batches (oldest first) and /metrics' oldest row (0017).
Index("ix_webhook_events_created", webhook_events.c.created_at)
