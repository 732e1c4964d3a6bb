"""Webhook outbox: events, deliveries, attempts; partner webhook settings; emulator state.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("webhook_headers", sa.JSON, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("webhook_disabled_at", UTCDateTime))
        batch.add_column(sa.Column("platform_secret_nonce", sa.String(64)))

    op.create_table(
        "webhook_events",
        sa.Column("id", sa.String(32)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_events"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_webhook_events_partner_id_partners",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_webhook_events_partner_id", "webhook_events", ["partner_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(32)),
        sa.Column("event_id", sa.String(32)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempt_count", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("lease_until", UTCDateTime),
        sa.Column("last_attempt_at", UTCDateTime),
        sa.Column("delivered_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["webhook_events.id"],
            name="fk_webhook_deliveries_event_id_webhook_events",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_webhook_deliveries_partner_id_partners",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_webhook_deliveries_event_id", "webhook_deliveries", ["event_id"])
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_partner_created", "webhook_deliveries", ["partner_id", "created_at"]
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.String(32)),
        sa.Column("delivery_id", sa.String(32)),
        sa.Column("attempted_at", UTCDateTime, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("response_body", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("request_headers", sa.JSON, nullable=False),
        sa.Column("url", sa.String(2048)),
        sa.Column("finished_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_attempts"),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name="fk_webhook_attempts_delivery_id_webhook_deliveries",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_webhook_attempts_delivery_id", "webhook_attempts", ["delivery_id"])
    op.create_table(
        "emulator_state",
        sa.Column("id", sa.Integer, autoincrement=False),
        sa.Column("clock_offset_seconds", sa.Float, nullable=False),
        sa.Column("fail_next", sa.Integer, nullable=False),
        sa.Column("fail_status", sa.Integer, nullable=False),
        sa.Column("delay_ms", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_emulator_state"),
    )


def downgrade() -> None:
    op.drop_table("emulator_state")
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_events")
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("platform_secret_nonce")
        batch.drop_column("webhook_disabled_at")
        batch.drop_column("webhook_headers")
