"""Issue 18 item 1: WhatsApp Flows of a WABA account (``…/waba_accounts/{id}/flows``).

Revision ID: 0027
Revises: 0023
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flows",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "partner_id",
            sa.String(32),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "waba_account_id",
            sa.String(32),
            sa.ForeignKey("waba_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("endpoint_uri", sa.String(2048)),
        sa.Column("flow_json", sa.Text),
        sa.Column("json_version", sa.String(16)),
        sa.Column("data_api_version", sa.String(16)),
        sa.Column("validation_errors", sa.JSON, nullable=False),
        sa.Column("preview_token", sa.String(64)),
        sa.Column("preview_expires_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("modified_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("waba_account_id", "name"),
    )
    op.create_index("ix_flows_partner", "flows", ["partner_id"])


def downgrade() -> None:
    op.drop_index("ix_flows_partner", table_name="flows")
    op.drop_table("flows")
