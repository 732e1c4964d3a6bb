"""A phone number is unique among the channels that use it, not among every channel ever made.

Before, ``channels.phone_number`` was unique over the whole table, so a terminated channel held
its number for ever: a number squatted through the public onboarding page could not be given
back to its owner, and a number a client cancelled could never be signed up again. Now a
partial unique index covers the channels in use (status neither ``terminated`` nor
``cancelled``), and a plain index keeps lookups by number fast (issue 20, finding 4).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

IN_USE = sa.text("status NOT IN ('terminated', 'cancelled')")


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.drop_constraint("uq_channels_phone_number", type_="unique")
    op.create_index("ix_channels_phone_number", "channels", ["phone_number"])
    op.create_index(
        "uq_channels_phone_number_in_use",
        "channels",
        ["phone_number"],
        unique=True,
        sqlite_where=IN_USE,
        postgresql_where=IN_USE,
    )


def downgrade() -> None:
    # Fails (as it should) when a released number has been signed up again: two channels then
    # share it, which the old rule cannot hold.
    op.drop_index("uq_channels_phone_number_in_use", "channels")
    op.drop_index("ix_channels_phone_number", "channels")
    with op.batch_alter_table("channels") as batch:
        batch.create_unique_constraint("uq_channels_phone_number", ["phone_number"])
