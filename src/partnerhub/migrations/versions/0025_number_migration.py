"""Issue 18 item 4: number migration.

``number_migrations``: one row per number migrated into a client (its one-time code, the code's
expiry, wrong tries); ``two_step_settings``: whether a phone number has two-step verification
where it is now (the emulator sets it; a migration is refused while it is on).

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "number_migrations",
        sa.Column(
            "channel_id",
            sa.String(32),
            sa.ForeignKey("channels.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "partner_id",
            sa.String(32),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            index=True,
        ),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("phone_number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("code_method", sa.String(8)),
        sa.Column("language", sa.String(16)),
        sa.Column("code", sa.String(6)),
        sa.Column("code_expires_at", UTCDateTime),
        sa.Column("wrong_codes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("completed_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("modified_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "two_step_settings",
        sa.Column("phone_number", sa.String(32), primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("modified_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("two_step_settings")
    op.drop_table("number_migrations")
