"""Issue 17 item 5: multiple webhooks per number (``/multi_webhook``).

Each channel keeps its extra destinations (at most three, each ``{name, url, headers}``) and
whether they are enabled; a delivery names the destination it copies the main webhook to (NULL:
the main webhook, or a partner event).

Revision ID: 0023
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(
            sa.Column(
                "multi_webhook_enabled", sa.Boolean, nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(
            sa.Column("multi_webhook_destinations", sa.JSON, nullable=False, server_default="[]")
        )
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("destination", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("destination")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("multi_webhook_destinations")
        batch.drop_column("multi_webhook_enabled")
