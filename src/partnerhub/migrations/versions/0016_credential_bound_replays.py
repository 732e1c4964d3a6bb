"""Issue 20: Idempotency-Key answers replay only to the credential that claimed them; channel
keys left live on numbers whose permission the client revoked are revoked.

``idempotency_keys.credential_id`` records who claimed a key (API key id or token family id).
Rows written before it belong to no credential, so they replay to nobody (at most 24 hours).

Earlier versions revoked the partner's permission for a number without revoking the number's
channel keys; this revokes every such key now, as a revoke does from this version on.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("credential_id", sa.String(64)))
    keys = sa.table(
        "channel_api_keys",
        sa.column("channel_id", sa.String),
        sa.column("revoked_at", UTCDateTime),
    )
    channels = sa.table("channels", sa.column("id", sa.String), sa.column("permission", sa.Boolean))
    without_permission = sa.select(channels.c.id).where(channels.c.permission.is_(sa.false()))
    op.get_bind().execute(
        sa.update(keys)
        .where(keys.c.revoked_at.is_(None), keys.c.channel_id.in_(without_permission))
        .values(revoked_at=datetime.now(UTC))
    )


def downgrade() -> None:
    # The revoked keys stay revoked: a downgrade must not bring a credential back.
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("credential_id")
