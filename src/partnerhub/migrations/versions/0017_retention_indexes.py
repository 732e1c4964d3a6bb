"""Issue 16: indexes on the age of the tables retention prunes (adapters/retention.py).

Retention chooses its batches oldest first and ``/metrics`` reports each table's oldest row;
without an index on ``created_at`` both would scan the whole table.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_webhook_events_created", "webhook_events", ["created_at"])
    op.create_index("ix_messages_created", "messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_messages_created", table_name="messages")
    op.drop_index("ix_webhook_events_created", table_name="webhook_events")
