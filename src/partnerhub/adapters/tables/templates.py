"""Message templates of a WABA account."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
)

from partnerhub.adapters.tables.base import UTCDateTime, metadata

waba_templates = Table(
    "waba_templates",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), index=True),
    Column(
        "waba_account_id",
        String(32),
        ForeignKey("waba_accounts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(512), nullable=False),
    Column("language", String(16), nullable=False),
    Column("category", String(32), nullable=False),
    Column("components", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("rejected_reason", String(255)),
    Column("namespace", String(64), nullable=False),
    Column("review_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    # {"user_id", "user_name"} of who made / last changed it (0013; null on older rows).
    Column("created_by", JSON),
    Column("modified_by", JSON),
    Column("approved_edits", JSON, nullable=False, server_default="[]"),
    UniqueConstraint("waba_account_id", "name", "language"),
)
Index(
    "ix_waba_templates_waba_created_id",
    waba_templates.c.waba_account_id,
    waba_templates.c.created_at,
    waba_templates.c.id,
)
Index("ix_waba_templates_review_at", waba_templates.c.review_at)
