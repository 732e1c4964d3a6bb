"""Emulator clock epoch: ``POST /_emulator/reset {"scope": "clock"}`` turns the virtual clock
back to real time in every process (each adopts the newest epoch's offset).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("emulator_state") as batch:
        batch.add_column(sa.Column("clock_epoch", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("emulator_state") as batch:
        batch.drop_column("clock_epoch")
