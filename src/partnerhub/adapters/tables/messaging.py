"""The Messaging API: channel keys, messages, contacts and unreachable numbers."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    text,
)

from partnerhub.adapters.tables.base import UTCDateTime, metadata

# The Messaging API (issue 5): channel keys, templates, messages, the customer service window.
channel_api_keys = Table(
    "channel_api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), index=True),
    Column("channel_id", String(32), ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("secret_digest", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("last_used_at", UTCDateTime),
)
Index(
    "ix_channel_api_keys_channel_created",
    channel_api_keys.c.channel_id,
    channel_api_keys.c.created_at,
)


messages = Table(
    "messages",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), nullable=False),
    Column("client_id", String(32), ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", String(32), ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("wa_id", String(32), nullable=False),
    Column("type", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("body", JSON, nullable=False),
    Column("pricing_category", String(16)),
    Column("error", JSON),
    Column("next_status_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
)
# Two partial indexes that split the messages between them (migration 0032). Every index on
# this table costs each send batch its own rewritten pages (SQLite appends to an index by
# rebalancing its last leaves, about three pages a commit): a full created_at index and an unused
# (channel_id, created_at) one cost a send on SQLite about 5 % (docs/benchmarks.md).
# The messages in flight, soonest due first: the simulator's rounds.
IN_FLIGHT = text("next_status_at IS NOT NULL")
Index(
    "ix_messages_next_status",
    messages.c.next_status_at,
    sqlite_where=IN_FLIGHT,
    postgresql_where=IN_FLIGHT,
)
# The finished ones, oldest first: retention's batches and /metrics' oldest row. A message
# enters it when its last status leaves nothing due, in a simulator round of thousands, not in
# the send batch.
FINISHED = text("next_status_at IS NULL")
Index(
    "ix_messages_finished_created",
    messages.c.created_at,
    sqlite_where=FINISHED,
    postgresql_where=FINISHED,
)

messaging_contacts = Table(
    "messaging_contacts",
    metadata,
    Column(
        "channel_id",
        String(32),
        ForeignKey("channels.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("wa_id", String(32), primary_key=True),
    Column("last_inbound_at", UTCDateTime, nullable=False),
    Column("profile_name", String(255), nullable=False),
)

# Numbers the emulator marks unreachable: messages to them fail with this Meta error code.
unreachable_numbers = Table(
    "unreachable_numbers",
    metadata,
    Column("wa_id", String(32), primary_key=True),
    Column("error_code", Integer, nullable=False),
)
