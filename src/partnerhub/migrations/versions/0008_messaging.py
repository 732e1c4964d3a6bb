"""Messaging API: channel keys, templates, messages, contacts, messaging webhooks.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def upgrade() -> None:
    with op.batch_alter_table("webhook_events") as batch:
        batch.add_column(sa.Column("channel_id", sa.String(32)))
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("messaging_webhook_url", sa.String(2048)))
        batch.add_column(
            sa.Column("messaging_webhook_headers", sa.JSON, nullable=False, server_default="{}")
        )

    op.create_table(
        "channel_api_keys",
        sa.Column("id", sa.String(32)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("secret_digest", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime),
        sa.Column("last_used_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_channel_api_keys"),
        sa.UniqueConstraint("secret_digest", name="uq_channel_api_keys_secret_digest"),
        _fk("channel_api_keys", "partner_id", "partners"),
        _fk("channel_api_keys", "channel_id", "channels"),
    )
    op.create_index("ix_channel_api_keys_partner_id", "channel_api_keys", ["partner_id"])
    op.create_index(
        "ix_channel_api_keys_channel_created", "channel_api_keys", ["channel_id", "created_at"]
    )

    op.create_table(
        "waba_templates",
        sa.Column("id", sa.String(32)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("waba_account_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("components", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rejected_reason", sa.String(255)),
        sa.Column("namespace", sa.String(64), nullable=False),
        sa.Column("review_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("modified_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_waba_templates"),
        sa.UniqueConstraint(
            "waba_account_id",
            "name",
            "language",
            name="uq_waba_templates_waba_account_id_name_language",
        ),
        _fk("waba_templates", "partner_id", "partners"),
        _fk("waba_templates", "waba_account_id", "waba_accounts"),
    )
    op.create_index("ix_waba_templates_partner_id", "waba_templates", ["partner_id"])
    op.create_index(
        "ix_waba_templates_waba_created_id",
        "waba_templates",
        ["waba_account_id", "created_at", "id"],
    )
    op.create_index("ix_waba_templates_review_at", "waba_templates", ["review_at"])

    op.create_table(
        "messages",
        sa.Column("id", sa.String(128)),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("wa_id", sa.String(32), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("pricing_category", sa.String(16)),
        sa.Column("error", sa.JSON),
        sa.Column("next_status_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("modified_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        _fk("messages", "partner_id", "partners"),
        _fk("messages", "client_id", "clients"),
        _fk("messages", "channel_id", "channels"),
    )
    op.create_index("ix_messages_channel_created", "messages", ["channel_id", "created_at"])
    op.create_index("ix_messages_next_status", "messages", ["next_status_at"])

    op.create_table(
        "messaging_contacts",
        sa.Column("channel_id", sa.String(32)),
        sa.Column("wa_id", sa.String(32)),
        sa.Column("last_inbound_at", UTCDateTime, nullable=False),
        sa.Column("profile_name", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "wa_id", name="pk_messaging_contacts"),
        _fk("messaging_contacts", "channel_id", "channels"),
    )
    op.create_table(
        "unreachable_numbers",
        sa.Column("wa_id", sa.String(32)),
        sa.Column("error_code", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("wa_id", name="pk_unreachable_numbers"),
    )


def downgrade() -> None:
    op.drop_table("unreachable_numbers")
    op.drop_table("messaging_contacts")
    op.drop_index("ix_messages_next_status", "messages")
    op.drop_index("ix_messages_channel_created", "messages")
    op.drop_table("messages")
    op.drop_index("ix_waba_templates_review_at", "waba_templates")
    op.drop_index("ix_waba_templates_waba_created_id", "waba_templates")
    op.drop_index("ix_waba_templates_partner_id", "waba_templates")
    op.drop_table("waba_templates")
    op.drop_index("ix_channel_api_keys_channel_created", "channel_api_keys")
    op.drop_index("ix_channel_api_keys_partner_id", "channel_api_keys")
    op.drop_table("channel_api_keys")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("messaging_webhook_headers")
        batch.drop_column("messaging_webhook_url")
    with op.batch_alter_table("webhook_events") as batch:
        batch.drop_column("channel_id")
