"""Clients, WABA accounts and channels; the partner's billing model.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(
            sa.Column("billing_model", sa.String(16), nullable=False, server_default="partner")
        )
    op.create_table(
        "clients",
        sa.Column("id", sa.String(32)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("organisation", sa.String(255)),
        sa.Column("partner_payload", sa.Text),
        sa.Column("max_channels", sa.Integer, nullable=False),
        sa.Column("meta_info", sa.JSON, nullable=False),
        sa.Column("contact_info", sa.JSON, nullable=False),
        sa.Column("contact_user", sa.JSON, nullable=False),
        sa.Column("created_by", sa.JSON, nullable=False),
        sa.Column("modified_by", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("modified_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clients"),
        _fk("clients", "partner_id", "partners"),
    )
    op.create_index("ix_clients_partner_id", "clients", ["partner_id"])
    op.create_index("ix_clients_partner_created", "clients", ["partner_id", "created_at"])
    op.create_table(
        "waba_accounts",
        sa.Column("id", sa.String(32)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("client_id", sa.String(32)),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(32), nullable=False),
        sa.Column("fb_business_id", sa.String(32), nullable=False),
        sa.Column("namespace", sa.String(64), nullable=False),
        sa.Column("timezone_id", sa.String(8), nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("modified_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_waba_accounts"),
        _fk("waba_accounts", "partner_id", "partners"),
        _fk("waba_accounts", "client_id", "clients"),
    )
    op.create_index("ix_waba_accounts_partner_id", "waba_accounts", ["partner_id"])
    op.create_index("ix_waba_accounts_client_id", "waba_accounts", ["client_id"])
    op.create_table(
        "channels",
        sa.Column("id", sa.String(32)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("client_id", sa.String(32)),
        sa.Column("waba_account_id", sa.String(32)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("phone_number", sa.String(32), nullable=False),
        sa.Column("phone_name", sa.String(255), nullable=False),
        sa.Column("external_id", sa.String(32), nullable=False),
        sa.Column("account_mode", sa.String(16), nullable=False),
        sa.Column("billing_started_at", UTCDateTime),
        sa.Column("terminated_at", UTCDateTime),
        sa.Column("current_limit", sa.String(32), nullable=False),
        sa.Column("current_quality_rating", sa.String(16), nullable=False),
        sa.Column("was_in_use", sa.Boolean, nullable=False),
        sa.Column("verification_method", sa.String(16), nullable=False),
        sa.Column("default_language", sa.String(16), nullable=False),
        sa.Column("permission", sa.Boolean, nullable=False),
        sa.Column("next_step_at", UTCDateTime),
        sa.Column("cancellation_requested_at", UTCDateTime),
        sa.Column("cancellation_date", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("modified_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_channels"),
        _fk("channels", "partner_id", "partners"),
        _fk("channels", "client_id", "clients"),
        _fk("channels", "waba_account_id", "waba_accounts"),
        sa.UniqueConstraint("phone_number", name="uq_channels_phone_number"),
    )
    op.create_index("ix_channels_client_id", "channels", ["client_id"])
    op.create_index("ix_channels_waba_account_id", "channels", ["waba_account_id"])
    op.create_index("ix_channels_partner_created", "channels", ["partner_id", "created_at"])
    op.create_index(
        "ix_channels_partner_status_created", "channels", ["partner_id", "status", "created_at"]
    )
    op.create_index("ix_channels_next_step", "channels", ["next_step_at"])


def downgrade() -> None:
    op.drop_table("channels")
    op.drop_table("waba_accounts")
    op.drop_table("clients")
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("billing_model")
