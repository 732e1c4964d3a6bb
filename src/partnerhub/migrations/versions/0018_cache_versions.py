"""Issue 16: per-key invalidation of the auth cache across processes on one SQLite file.

``cache_versions`` holds one row per cached thing a commit changed (an API key, a partner, a
channel key...), bumped to the next ``seq``; each process reads the rows above the ``seq`` it saw
last (adapters/cache.py). PostgreSQL sends ``NOTIFY`` instead; the table exists there too, empty.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cache_versions",
        sa.Column("tag", sa.String(200), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_cache_versions_seq", "cache_versions", ["seq"])


def downgrade() -> None:
    op.drop_index("ix_cache_versions_seq", table_name="cache_versions")
    op.drop_table("cache_versions")
