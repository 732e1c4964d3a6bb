"""Partner Hub dashboard: login sessions and failed logins (for the lockout).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_sessions",
        sa.Column("id", sa.String(32)),
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(32)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_hub_sessions"),
        sa.UniqueConstraint("token_digest", name="uq_hub_sessions_token_digest"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["partner_users.id"],
            name="fk_hub_sessions_user_id_partner_users",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_hub_sessions_partner_id_partners",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_hub_sessions_user_id", "hub_sessions", ["user_id"])
    op.create_table(
        "hub_login_failures",
        sa.Column("id", sa.String(32)),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("failed_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hub_login_failures"),
    )
    op.create_index("ix_hub_login_failures_email", "hub_login_failures", ["email", "failed_at"])


def downgrade() -> None:
    op.drop_index("ix_hub_login_failures_email", "hub_login_failures")
    op.drop_table("hub_login_failures")
    op.drop_index("ix_hub_sessions_user_id", "hub_sessions")
    op.drop_table("hub_sessions")
