"""Messaging limits and quality (issue 17): the business-initiated conversations counted
against a number's tier, and the simulator's quality state per number."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from partnerhub.adapters.tables.base import UTCDateTime, metadata

# One row per (number, WhatsApp user) a template opened a business-initiated conversation with;
# ``opened_at`` moves on when a later one opens after the rolling 24 hours. It says whether a
# user is counted already (looked up by its primary key; how many are is read from the
# per-minute counts below, so no index on ``opened_at``).
business_conversations = Table(
    "business_conversations",
    metadata,
    Column(
        "channel_id",
        String(32),
        ForeignKey("channels.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("wa_id", String(32), primary_key=True),
    Column("opened_at", UTCDateTime, nullable=False),
)

# Conversations opened per number and minute: the tier's budget used is the sum of at most 1440
# rows (a rolling 24 hours to the minute), whatever the tier; rows older than that are pruned as
# new ones are written.
business_conversation_counts = Table(
    "business_conversation_counts",
    metadata,
    Column(
        "channel_id",
        String(32),
        ForeignKey("channels.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("minute", UTCDateTime, primary_key=True),
    Column("opened", Integer, nullable=False),
)

# The simulator's quality state of a number (absent: no spam reported, never red).
phone_quality = Table(
    "phone_quality",
    metadata,
    Column(
        "channel_id",
        String(32),
        ForeignKey("channels.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("spam_reports", Integer, nullable=False),
    Column("red_since", UTCDateTime),
)
# The simulator's round finds the numbers red for seven days (migration 0031).
Index("ix_phone_quality_red_since", phone_quality.c.red_since)
