"""WhatsApp Flows of a WABA account (issue 18 item 1)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint

from partnerhub.adapters.tables.base import UTCDateTime, metadata

flows = Table(
    "flows",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), nullable=False),
    Column(
        "waba_account_id",
        String(32),
        ForeignKey("waba_accounts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(200), nullable=False),
    Column("categories", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("endpoint_uri", String(2048)),
    Column("flow_json", Text),
    Column("json_version", String(16)),
    Column("data_api_version", String(16)),
    Column("validation_errors", JSON, nullable=False),
    Column("preview_token", String(64)),
    Column("preview_expires_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    # Meta: a Flow's name is unique within its WABA.
    UniqueConstraint("waba_account_id", "name"),
)
Index("ix_flows_partner", flows.c.partner_id)
