"""Issue 17: messaging limits and quality.

``business_conversations`` holds the unique users a number opened business-initiated
conversations with, ``business_conversation_counts`` how many per minute (a rolling 24 hours of
them is the tier's budget used); ``phone_quality`` is the
simulator's quality state per number (spam reports, since when it is red).

Revision ID: 0024
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables.base import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "business_conversations",
        sa.Column(
            "channel_id",
            sa.String(32),
            sa.ForeignKey("channels.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("wa_id", sa.String(32), primary_key=True),
        sa.Column("opened_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "business_conversation_counts",
        sa.Column(
            "channel_id",
            sa.String(32),
            sa.ForeignKey("channels.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("minute", UTCDateTime, primary_key=True),
        sa.Column("opened", sa.Integer, nullable=False),
    )
    op.create_table(
        "phone_quality",
        sa.Column(
            "channel_id",
            sa.String(32),
            sa.ForeignKey("channels.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("spam_reports", sa.Integer, nullable=False),
        sa.Column("red_since", UTCDateTime),
    )


def downgrade() -> None:
    op.drop_table("phone_quality")
    op.drop_table("business_conversation_counts")
    op.drop_table("business_conversations")
