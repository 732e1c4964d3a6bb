"""Issue 18 item 1 (runtime): the business public key of a number, which WhatsApp Flows'
data exchange is encrypted with (``/whatsapp_business_encryption``).

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables.base import UTCDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "business_encryption_keys",
        sa.Column(
            "channel_id",
            sa.String(32),
            sa.ForeignKey(
                "channels.id",
                ondelete="CASCADE",
                name="fk_business_encryption_keys_channel_id_channels",
            ),
        ),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("channel_id", name="pk_business_encryption_keys"),
    )


def downgrade() -> None:
    op.drop_table("business_encryption_keys")
