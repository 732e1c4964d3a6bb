"""Balances (partner, and client on direct-paid hubs) and usage records.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "balances",
        sa.Column("owner_id", sa.String(32)),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("client_id", sa.String(32)),
        sa.Column("total_micros", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("modified_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("owner_id", name="pk_balances"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_balances_partner_id_partners",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name="fk_balances_client_id_clients",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_balances_partner_id", "balances", ["partner_id"])
    op.create_table(
        "usage_records",
        sa.Column("id", sa.String(32)),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("occurred_at", UTCDateTime, nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("pricing_category", sa.String(16), nullable=False),
        sa.Column("pricing_type", sa.String(32), nullable=False),
        sa.Column("initiated_by", sa.String(16), nullable=False),
        sa.Column("volume", sa.Integer, nullable=False),
        sa.Column("cost_micros", sa.BigInteger, nullable=False),
        sa.Column("paid_by", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_usage_records"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_usage_records_partner_id_partners",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name="fk_usage_records_client_id_clients",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name="fk_usage_records_channel_id_channels",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_usage_records_client_occurred", "usage_records", ["client_id", "occurred_at"]
    )
    op.create_index(
        "ix_usage_records_channel_occurred", "usage_records", ["channel_id", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_table("usage_records")
    op.drop_table("balances")
