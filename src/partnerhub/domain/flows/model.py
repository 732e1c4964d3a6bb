"""A WhatsApp Flow of a WABA account and its states (Meta's Flows API, as 360dialog's Partner
API passes it through; docs/fidelity.md "WhatsApp Flows")."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class FlowStatus(StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    DEPRECATED = "DEPRECATED"
    BLOCKED = "BLOCKED"
    THROTTLED = "THROTTLED"


CATEGORIES = (
    "SIGN_UP",
    "SIGN_IN",
    "APPOINTMENT_BOOKING",
    "LEAD_GENERATION",
    "CONTACT_US",
    "CUSTOMER_SUPPORT",
    "SURVEY",
    "OTHER",
)


@dataclass(frozen=True)
class Flow:
    id: str
    partner_id: str
    waba_account_id: str
    name: str
    categories: list[str]
    status: str
    created_at: datetime
    modified_at: datetime
    endpoint_uri: str | None = None
    # The uploaded Flow JSON (None until the first upload), what was read from it and the
    # errors Meta's rules found in it.
    flow_json: str | None = None
    json_version: str | None = None
    data_api_version: str | None = None
    validation_errors: list[dict[str, Any]] = field(default_factory=list)
    preview_token: str | None = None
    preview_expires_at: datetime | None = None

    def but(self, **changes: Any) -> Flow:
        return replace(self, **changes)


PING = "ping"  # WhatsApp's health check of a Flow's endpoint


@dataclass(frozen=True)
class EndpointRequest:
    """One request WhatsApp made to a Flow's endpoint (docs/fidelity.md "WhatsApp Flows")."""

    id: str
    flow_id: str
    at: datetime
    action: str
    error_type: str | None  # Meta's metric key; None: the request succeeded
    latency_ms: int

    @property
    def is_ping(self) -> bool:
        return self.action == PING
