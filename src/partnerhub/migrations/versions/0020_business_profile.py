"""Issue 17: business profiles and resumable upload sessions (the bytes are files).

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables.base import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "channel_id",
            sa.String(32),
            sa.ForeignKey(
                "channels.id",
                ondelete="CASCADE",
                name="fk_upload_sessions_channel_id_channels",
            ),
            nullable=False,
        ),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_length", sa.BigInteger, nullable=False),
        sa.Column("file_type", sa.String(64), nullable=False),
        sa.Column("file_offset", sa.BigInteger, nullable=False),
        sa.Column("handle", sa.String(128)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("completed_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_upload_sessions"),
        sa.UniqueConstraint("handle", name="uq_upload_sessions_handle"),
    )
    op.create_index("ix_upload_sessions_channel_id", "upload_sessions", ["channel_id"])
    op.create_table(
        "business_profiles",
        sa.Column(
            "channel_id",
            sa.String(32),
            sa.ForeignKey(
                "channels.id",
                ondelete="CASCADE",
                name="fk_business_profiles_channel_id_channels",
            ),
        ),
        sa.Column("about", sa.String(139)),
        sa.Column("address", sa.String(256)),
        sa.Column("description", sa.String(512)),
        sa.Column("email", sa.String(128)),
        sa.Column("websites", sa.JSON, nullable=False),
        sa.Column("vertical", sa.String(32)),
        sa.Column(
            "picture_id",
            sa.String(32),
            sa.ForeignKey(
                "upload_sessions.id",
                ondelete="SET NULL",
                name="fk_business_profiles_picture_id_upload_sessions",
            ),
        ),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("channel_id", name="pk_business_profiles"),
    )
    op.create_index("ix_business_profiles_picture_id", "business_profiles", ["picture_id"])


def downgrade() -> None:
    op.drop_index("ix_business_profiles_picture_id", table_name="business_profiles")
    op.drop_table("business_profiles")
    op.drop_index("ix_upload_sessions_channel_id", table_name="upload_sessions")
    op.drop_table("upload_sessions")
