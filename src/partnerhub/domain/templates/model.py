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
    # Who created / last changed it through an API, ``{"user_id", "user_name"}`` as on
    # clients; None on templates stored before these were kept (see :func:`author`).
    created_by: dict[str, str] | None = None
    modified_by: dict[str, str] | None = None
    # When each edit of this template made while it was approved happened (ISO 8601, newest
    # last, only the last 30 days kept): Meta limits those edits (templates/services.py).
    approved_edits: list[str] = field(default_factory=list)


def partner_author(partner_id: str) -> dict[str, str]:
    """The author of a change made through the Partner API (the clients' convention)."""
    return {"user_id": "partner", "user_name": partner_id}


def client_author(client_id: str) -> dict[str, str]:
    """The author of a change made with a client's channel key (the Messaging API)."""
    return {"user_id": "client", "user_name": client_id}


SEED_AUTHOR = {"user_id": "seed", "user_name": "seed"}


def author(recorded: dict[str, str] | None, template: Template) -> dict[str, str]:
    """``created_by`` / ``modified_by`` as shown: the recorded author, or for a template from
    before authors were recorded, its partner (the Partner API made most of them)."""
    return dict(recorded) if recorded else partner_author(template.partner_id)
