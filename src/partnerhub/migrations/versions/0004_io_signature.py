"""IO signature for onboarding links: the partner switch and the used signatures.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(
            sa.Column("io_signature_enabled", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_table(
        "io_signatures",
        sa.Column("digest", sa.String(128)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("used_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("digest", name="pk_io_signatures"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_io_signatures_partner_id_partners",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("io_signatures")
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("io_signature_enabled")
