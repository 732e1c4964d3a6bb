"""Every partner signs its webhooks; rotation keeps the previous secret for a grace period;
template edits are counted.

- ``partners.previous_platform_secret_nonce`` / ``previous_platform_secret_until``: the secret
  a rotation replaced, still accepted (and used in ``webhook-signature``) until that time.
- Every partner without a platform secret gets one here (a fresh random nonce: the secret is
  derived from it with the server's master key, so no key is needed to migrate), so that every
  webhook event carries ``x-360dialog-signature`` after the upgrade, as 360dialog documents.
- ``waba_templates.approved_edits``: when the template was edited while approved (Meta limits
  those edits to one a day and ten in 30 days).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("previous_platform_secret_nonce", sa.String(64)))
        batch.add_column(sa.Column("previous_platform_secret_until", UTCDateTime))
    with op.batch_alter_table("waba_templates") as batch:
        batch.add_column(sa.Column("approved_edits", sa.JSON, nullable=False, server_default="[]"))
    partners = sa.table(
        "partners", sa.column("id", sa.String), sa.column("platform_secret_nonce", sa.String)
    )
    bind = op.get_bind()
    missing = bind.execute(
        sa.select(partners.c.id).where(partners.c.platform_secret_nonce.is_(None))
    ).scalars()
    for partner_id in list(missing):
        bind.execute(
            partners.update()
            .where(partners.c.id == partner_id)
            .values(platform_secret_nonce=secrets.token_hex(16))
        )


def downgrade() -> None:
    # The nonces given to partners that had none are kept: a secret they may already use.
    with op.batch_alter_table("waba_templates") as batch:
        batch.drop_column("approved_edits")
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("previous_platform_secret_until")
        batch.drop_column("previous_platform_secret_nonce")
