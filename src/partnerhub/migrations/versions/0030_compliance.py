"""Issue 18 items 6 and 7: display names, policy enforcement and Click-to-WhatsApp signals.

A WABA keeps the restrictions Meta put on it (``restriction_info``); each channel keeps a copy
(``restrictions``, read with the key on the send path), its display-name requests, the current
name's review status, whether CTWA signals are enabled, and when the compliance simulator next
looks at it (a pending review or a restriction ending).

Revision ID: 0030
Revises: 0023
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("waba_accounts") as batch:
        batch.add_column(
            sa.Column("restriction_info", sa.JSON, nullable=False, server_default="[]")
        )
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("restrictions", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("display_name_requests", sa.JSON, nullable=False, server_default="[]")
        )
        batch.add_column(
            sa.Column("name_status", sa.String(32), nullable=False, server_default="APPROVED")
        )
        batch.add_column(
            sa.Column("ctwa_enabled", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("compliance_due_at", UTCDateTime))
    op.create_index("ix_channels_compliance_due", "channels", ["compliance_due_at"])


def downgrade() -> None:
    op.drop_index("ix_channels_compliance_due", table_name="channels")
    with op.batch_alter_table("channels") as batch:
        for name in (
            "compliance_due_at",
            "ctwa_enabled",
            "name_status",
            "display_name_requests",
            "restrictions",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("waba_accounts") as batch:
        batch.drop_column("restriction_info")
