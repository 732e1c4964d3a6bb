"""Issue 18 item 3: WhatsApp Coexistence (a number that stays on the WhatsApp Business app).

Each channel says whether it is on the WhatsApp Business app (``is_on_biz_app``), keeps what the
simulated app holds for the sync (``smb_app_state``: the address book, the chat history, whether
the business shares it), when each one-time sync (``POST /synchronization``) was started, and
which phase of the history sync the simulated Meta side sends next, and when.

Revision ID: 0028
Revises: 0023
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(
            sa.Column("is_on_biz_app", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("smb_app_state", sa.JSON, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("smb_contacts_synced_at", UTCDateTime))
        batch.add_column(sa.Column("smb_history_synced_at", UTCDateTime))
        batch.add_column(sa.Column("smb_history_next_phase", sa.Integer))
        batch.add_column(sa.Column("smb_history_next_at", UTCDateTime))
        batch.create_index("ix_channels_smb_history_next_at", ["smb_history_next_at"])


def downgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.drop_index("ix_channels_smb_history_next_at")
        batch.drop_column("smb_history_next_at")
        batch.drop_column("smb_history_next_phase")
        batch.drop_column("smb_history_synced_at")
        batch.drop_column("smb_contacts_synced_at")
        batch.drop_column("smb_app_state")
        batch.drop_column("is_on_biz_app")
