"""Issue 17: media files of the Messaging API (metadata; the bytes are in the media storage).

Revision ID: 0022
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_files",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column(
            "partner_id",
            sa.String(32),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "channel_id",
            sa.String(32),
            sa.ForeignKey("channels.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("mime_type", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("file_size", sa.BigInteger, nullable=False),
        sa.Column("storage_key", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_media_files_channel", "media_files", ["channel_id"])
    op.create_index("ix_media_files_expires", "media_files", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_media_files_expires", table_name="media_files")
    op.drop_index("ix_media_files_channel", table_name="media_files")
    op.drop_table("media_files")
