"""Channel filter columns, per-status channel counts, and indexes that end in ``id``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(
            sa.Column("type", sa.String(32), nullable=False, server_default="whatsapp")
        )
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="2"))
        batch.add_column(
            sa.Column("is_migrated", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column(
                "availability_status", sa.String(32), nullable=False, server_default="available"
            )
        )
    op.drop_index("ix_channels_partner_created", "channels")
    op.drop_index("ix_channels_partner_status_created", "channels")
    op.create_index(
        "ix_channels_partner_created_id", "channels", ["partner_id", "created_at", "id"]
    )
    op.create_index(
        "ix_channels_partner_status_created_id",
        "channels",
        ["partner_id", "status", "created_at", "id"],
    )
    op.create_table(
        "channel_counts",
        sa.Column(
            "partner_id",
            sa.String(32),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("status", sa.String(32), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    # Count what is already there.
    op.execute(
        "INSERT INTO channel_counts (partner_id, status, n) "
        "SELECT partner_id, status, COUNT(*) FROM channels GROUP BY partner_id, status"
    )


def downgrade() -> None:
    op.drop_table("channel_counts")
    op.drop_index("ix_channels_partner_status_created_id", "channels")
    op.drop_index("ix_channels_partner_created_id", "channels")
    op.create_index("ix_channels_partner_created", "channels", ["partner_id", "created_at"])
    op.create_index(
        "ix_channels_partner_status_created", "channels", ["partner_id", "status", "created_at"]
    )
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("availability_status")
        batch.drop_column("is_migrated")
        batch.drop_column("version")
        batch.drop_column("type")
