"""Fewer indexes for a stored message to update: only what a query reads.

Every index on ``messages`` is written by each send batch. SQLite appends to an index by
rebalancing its last leaves, so each one cost a batch about three rewritten pages in its WAL
(measured: 14.7 pages a commit of 15 messages with four indexes, 10.9 with the two below), and
sends with statuses flowing were about 5 % slower on SQLite for it (docs/benchmarks.md).

- ``ix_messages_channel_created`` (channel_id, created_at) is dropped: no query reads it, and
  no channel is deleted on its own (the emulator's wipe empties ``messages`` before
  ``channels``), so its foreign key's cascade is left like those on ``partner_id`` and
  ``client_id``, which never had an index.
- ``ix_messages_created`` (created_at) becomes ``ix_messages_finished_created``, partial on
  ``next_status_at IS NULL``: retention deletes only finished messages, oldest first, and a
  message enters the index when its last status leaves nothing due, in the simulator's round
  (thousands at a time), not in the send batch.
- ``ix_messages_next_status`` becomes partial on ``next_status_at IS NOT NULL``: the simulator
  reads only the messages in flight, and the finished ones no longer pile up in it (where
  SQLite's planner would also have chosen it for retention's ``IS NULL`` and sorted them all).

``/metrics``' oldest message is the older of the oldest finished one and the oldest in flight,
each off its own index.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

FINISHED = "next_status_at IS NULL"
IN_FLIGHT = "next_status_at IS NOT NULL"


def _partial(name: str, column: str, where: str) -> None:
    condition = sa.text(where)
    op.create_index(name, "messages", [column], sqlite_where=condition, postgresql_where=condition)


def upgrade() -> None:
    op.drop_index("ix_messages_channel_created", "messages")
    op.drop_index("ix_messages_created", "messages")
    op.drop_index("ix_messages_next_status", "messages")
    _partial("ix_messages_next_status", "next_status_at", IN_FLIGHT)
    _partial("ix_messages_finished_created", "created_at", FINISHED)


def downgrade() -> None:
    op.drop_index("ix_messages_finished_created", "messages")
    op.drop_index("ix_messages_next_status", "messages")
    op.create_index("ix_messages_next_status", "messages", ["next_status_at"])
    op.create_index("ix_messages_created", "messages", ["created_at"])
    op.create_index("ix_messages_channel_created", "messages", ["channel_id", "created_at"])
