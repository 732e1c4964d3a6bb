"""One failure store for every password check, by account and client address (issue 20).

``login_failures`` replaces ``hub_login_failures`` and ``client_login_failures`` (their rows are
carried over, with the address ``unknown``, so an upgrade lifts no lockout), and
``login_trusted_addresses`` remembers which addresses recently passed an account's password.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.String(32)),
        sa.Column("account", sa.String(400), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("failed_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failures"),
    )
    op.create_index("ix_login_failures_account", "login_failures", ["account", "failed_at"])
    op.create_index("ix_login_failures_address", "login_failures", ["address", "failed_at"])
    op.create_table(
        "login_trusted_addresses",
        sa.Column("account", sa.String(400)),
        sa.Column("address", sa.String(64)),
        sa.Column("last_success_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("account", "address", name="pk_login_trusted_addresses"),
    )
    op.execute(
        "INSERT INTO login_failures (id, account, address, failed_at) "
        "SELECT id, 'user:' || email, 'unknown', failed_at FROM hub_login_failures"
    )
    op.execute(
        "INSERT INTO login_failures (id, account, address, failed_at) "
        "SELECT id, 'client:' || partner_id || ':' || email, 'unknown', failed_at "
        "FROM client_login_failures"
    )
    op.drop_index("ix_hub_login_failures_email", "hub_login_failures")
    op.drop_table("hub_login_failures")
    op.drop_index("ix_client_login_failures_partner_email", "client_login_failures")
    op.drop_table("client_login_failures")


def downgrade() -> None:
    op.create_table(
        "hub_login_failures",
        sa.Column("id", sa.String(32)),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("failed_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hub_login_failures"),
    )
    op.create_index("ix_hub_login_failures_email", "hub_login_failures", ["email", "failed_at"])
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
    # Failures are short-lived (one window): the downgrade starts the old tables empty.
    op.drop_table("login_trusted_addresses")
    op.drop_index("ix_login_failures_address", "login_failures")
    op.drop_index("ix_login_failures_account", "login_failures")
    op.drop_table("login_failures")
