"""Issue 17: product catalogs connected to a WABA, and their products, which product messages
(``product``, ``product_list``, ``catalog_message``, product carousels) are checked against.

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables.base import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("partner_id", sa.String(32), sa.ForeignKey("partners.id", ondelete="CASCADE")),
        sa.Column(
            "waba_account_id",
            sa.String(32),
            sa.ForeignKey("waba_accounts.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_catalogs_partner_id", "catalogs", ["partner_id"])
    op.create_table(
        "catalog_products",
        sa.Column(
            "catalog_id",
            sa.String(32),
            sa.ForeignKey("catalogs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("retailer_id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("price", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("availability", sa.String(32), nullable=False),
        sa.Column("modified_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("catalog_products")
    op.drop_index("ix_catalogs_partner_id", table_name="catalogs")
    op.drop_table("catalogs")
