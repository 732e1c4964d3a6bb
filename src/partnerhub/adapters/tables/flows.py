"""WhatsApp Flows of a WABA account (issue 18 item 1)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

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

# Each request WhatsApp (the emulator's data-exchange control) made to a Flow's endpoint (0031):
# what the Flow's metrics count and its health alerts watch. ``error_type`` is Meta's metric key
# (``timeout_error``, ``unexpected_http_status_code``, ``no_http_response_error``,
# ``cannot_be_served``), null when the exchange succeeded; ``at`` on the virtual clock.
flow_endpoint_requests = Table(
    "flow_endpoint_requests",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("flow_id", String(32), ForeignKey("flows.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("action", String(16), nullable=False),
    Column("error_type", String(32)),
    Column("latency_ms", Integer, nullable=False),
)
Index(
    "ix_flow_endpoint_requests_flow_at",
    flow_endpoint_requests.c.flow_id,
    flow_endpoint_requests.c.at,
)

Index("ix_flow_endpoint_requests_at", flow_endpoint_requests.c.at)  # retention's sweep

# The endpoint health alerts in force per Flow (0031): ``level`` is the highest threshold
# reached for ``ENDPOINT_ERROR_RATE`` (5, 10 or 50), the threshold breached (90) for
# ``ENDPOINT_AVAILABILITY``; no row (or 0) when none is.
flow_endpoint_alerts = Table(
    "flow_endpoint_alerts",
    metadata,
    Column("flow_id", String(32), ForeignKey("flows.id", ondelete="CASCADE"), primary_key=True),
    Column("event", String(32), primary_key=True),
    Column("level", Integer, nullable=False),
)
