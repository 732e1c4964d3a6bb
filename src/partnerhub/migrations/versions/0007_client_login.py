"""Client login on the onboarding page (next=login): passwords and failed attempts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_logins",
        sa.Column("client_id", sa.String(32)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("client_id", name="pk_client_logins"),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name="fk_client_logins_client_id_clients",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_client_logins_partner_id_partners",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_client_logins_partner_email", "client_logins", ["partner_id", "email"])
    op.create_table(
        "client_login_failures",
        sa.Column("id", sa.String(32)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("failed_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_client_login_failures"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_client_login_failures_partner_id_partners",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_client_login_failures_partner_email",
        "client_login_failures",
        ["partner_id", "email", "failed_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_client_login_failures_partner_email", "client_login_failures")
    op.drop_table("client_login_failures")
    op.drop_index("ix_client_logins_partner_email", "client_logins")
    op.drop_table("client_logins")
