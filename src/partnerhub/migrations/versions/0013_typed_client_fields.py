"""Fields typed clients read (issue 14): who created and last changed each message template
(``created_by`` / ``modified_by``), and each balance's last top-up (``last_renewal``).

Templates from before this migration have no author and are shown as created by their partner;
balances have no renewal until their next top-up (docs/fidelity.md).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("waba_templates") as batch:
        batch.add_column(sa.Column("created_by", sa.JSON))
        batch.add_column(sa.Column("modified_by", sa.JSON))
    with op.batch_alter_table("balances") as batch:
        batch.add_column(sa.Column("last_renewal_at", UTCDateTime))
        batch.add_column(sa.Column("last_renewal_micros", sa.BigInteger))


def downgrade() -> None:
    with op.batch_alter_table("balances") as batch:
        batch.drop_column("last_renewal_micros")
        batch.drop_column("last_renewal_at")
    with op.batch_alter_table("waba_templates") as batch:
        batch.drop_column("modified_by")
        batch.drop_column("created_by")
