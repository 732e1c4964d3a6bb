"""Business profiles and resumable upload sessions (issue 17). The uploaded bytes are files
(``adapters/upload_files.py``), never rows."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, Table, Text

from partnerhub.adapters.tables.base import UTCDateTime, metadata

upload_sessions = Table(
    "upload_sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("channel_id", String(32), ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("file_length", BigInteger, nullable=False),
    Column("file_type", String(64), nullable=False),
    Column("file_offset", BigInteger, nullable=False),
    Column("handle", String(128), unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("completed_at", UTCDateTime),
)
Index("ix_upload_sessions_channel_id", upload_sessions.c.channel_id)

business_profiles = Table(
    "business_profiles",
    metadata,
    Column(
        "channel_id", String(32), ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("about", String(139)),
    Column("address", String(256)),
    Column("description", String(512)),
    Column("email", String(128)),
    Column("websites", JSON, nullable=False),
    Column("vertical", String(32)),
    Column("picture_id", String(32), ForeignKey("upload_sessions.id", ondelete="SET NULL")),
    Column("updated_at", UTCDateTime),
)
Index("ix_business_profiles_picture_id", business_profiles.c.picture_id)

# Issue 18: the business public key WhatsApp Flows' data exchange is encrypted with.
business_encryption_keys = Table(
    "business_encryption_keys",
    metadata,
    Column(
        "channel_id", String(32), ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("public_key", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
