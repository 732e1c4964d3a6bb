"""MM Lite: the WABAs whose business accepted the Marketing Messages Lite API terms."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table

from partnerhub.adapters.tables.base import UTCDateTime, metadata

mm_lite_terms = Table(
    "mm_lite_terms",
    metadata,
    Column(
        "waba_account_id",
        String(32),
        ForeignKey("waba_accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("accepted_at", UTCDateTime, nullable=False),
)
