"""A message template as the Partner API shows it (spec §5 Template)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class TemplateStatus(StrEnum):
    SUBMITTED = "submitted"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAUSED = "paused"
    DISABLED = "disabled"


class TemplateCategory(StrEnum):
    AUTHENTICATION = "AUTHENTICATION"
    MARKETING = "MARKETING"
    UTILITY = "UTILITY"


@dataclass
class Template:
    id: str
    partner_id: str
    waba_account_id: str
    name: str
    language: str
    category: str
    status: str
    namespace: str
    created_at: datetime
    modified_at: datetime
    components: list[dict[str, Any]] = field(default_factory=list)
    rejected_reason: str | None = None
    # The simulator's schedule: when the pending review decides (None: nothing scheduled).
    review_at: datetime | None = None
    # When each edit of this template made while it was approved happened (ISO 8601, newest
    # last, only the last 30 days kept): Meta limits those edits (templates/services.py).
    approved_edits: list[str] = field(default_factory=list)
