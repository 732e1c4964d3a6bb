"""Media files of the Messaging API (issue 17): metadata only; the bytes are in the media
storage (a directory or an S3-compatible bucket, adapters/media_storage.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table

from partnerhub.adapters.tables.base import UTCDateTime, metadata

media_files = Table(
    "media_files",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", String(32), ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("mime_type", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("storage_key", String(64), nullable=False),
    Column("origin", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
Index("ix_media_files_channel", media_files.c.channel_id)
Index("ix_media_files_expires", media_files.c.expires_at)
