"""Issue 17, MM Lite: the WABAs whose business accepted the Marketing Messages Lite API terms.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mm_lite_terms",
        sa.Column(
            "waba_account_id",
            sa.String(32),
            sa.ForeignKey(
                "waba_accounts.id",
                ondelete="CASCADE",
                name="fk_mm_lite_terms_waba_account_id_waba_accounts",
            ),
            nullable=False,
        ),
        sa.Column("accepted_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("waba_account_id", name="pk_mm_lite_terms"),
    )


def downgrade() -> None:
    op.drop_table("mm_lite_terms")
