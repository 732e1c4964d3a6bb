"""Issue 18 item 5: partner change requests (a client moving to another 360dialog partner).

Revision ID: 0029
Revises: 0023
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables.base import UTCDateTime

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_change_requests",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("is_full_migration", sa.Boolean, nullable=False),
        sa.Column(
            "client_id",
            sa.String(32),
            sa.ForeignKey("clients.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "source_partner_id",
            sa.String(32),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "target_partner_id",
            sa.String(32),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("channel_ids", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index(
        "ix_partner_change_requests_client_id", "partner_change_requests", ["client_id"]
    )
    op.create_index(
        "ix_partner_change_requests_target_created",
        "partner_change_requests",
        ["target_partner_id", "created_at"],
    )
    pending = sa.text("status = 'pending'")
    op.create_index(
        "uq_partner_change_requests_pending_client",
        "partner_change_requests",
        ["client_id"],
        unique=True,
        sqlite_where=pending,
        postgresql_where=pending,
    )


def downgrade() -> None:
    op.drop_index("uq_partner_change_requests_pending_client", "partner_change_requests")
    op.drop_index("ix_partner_change_requests_target_created", "partner_change_requests")
    op.drop_index("ix_partner_change_requests_client_id", "partner_change_requests")
    op.drop_table("partner_change_requests")
