"""Channel API keys (D360-API-KEY), messages and the customer service window."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass
class ChannelApiKey:
    """A channel key (D360-API-KEY) as stored: digest and display prefix, never the secret."""

    id: str
    partner_id: str
    channel_id: str
    app_id: str
    prefix: str
    secret_digest: str
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class MessageStatus(StrEnum):
    ACCEPTED = "accepted"  # answered 200, nothing reported yet
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    RECEIVED = "received"  # an inbound message


class Direction(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


@dataclass
class Message:
    id: str  # the wamid
    partner_id: str
    client_id: str
    channel_id: str
    direction: str
    wa_id: str  # the WhatsApp user on the other side
    type: str
    status: str
    created_at: datetime
    modified_at: datetime
    body: dict[str, Any] = field(default_factory=dict)
    pricing_category: str | None = None
    error: dict[str, Any] | None = None
    # The simulator's schedule: when this message's next status update is due.
    next_status_at: datetime | None = None


@dataclass(slots=True)
class DueMessage:
    """What a status step needs of a message: read with a plain query, not as a mapped object,
    so the simulator's bulk UPDATE is the only write (a mapped object changed in place would
    be flushed a second time, row by row)."""

    id: str
    channel_id: str
    wa_id: str
    status: str
    pricing_category: str | None
    biz_opaque_callback_data: str | None
    type: str = ""  # the message type: some delivery faults fail media messages only


@dataclass
class Contact:
    """A WhatsApp user who has written to a channel: the last inbound message opens the
    24-hour customer service window for free-form replies."""

    channel_id: str
    wa_id: str
    last_inbound_at: datetime
    profile_name: str = ""


TemplateKey = tuple[str, str, str]  # WABA account id, template name, language


@dataclass(frozen=True)
class StoredTemplate:
    """What a template send is checked against."""

    status: str
    category: str
    components: list[dict[str, Any]]
    # The template's id and version (its modified_at): what its compiled send rules are cached
    # by (domain/messaging/template_sends.py); empty: not cached.
    id: str = ""
    version: str = ""


@dataclass(frozen=True)
class SendReads:
    """What a send batch reads before it decides: each (channel, user) pair's last inbound
    message, the templates named, by :data:`TemplateKey` (absent: no such template), and for
    each sending key still live whether its number's permission is granted (absent: revoked)."""

    windows: dict[tuple[str, str], datetime]
    templates: dict[TemplateKey, StoredTemplate]
    keys: dict[str, bool] = field(default_factory=dict)
    # Messaging limits (issue 17): per number sending templates in the batch, its budget.
    budgets: dict[str, Budget] = field(default_factory=dict)


@dataclass(frozen=True)
class BudgetQuery:
    """What a send batch asks of the messaging limits: for these (number, user) pairs of its
    template sends, each number's tier and the users it opened business-initiated
    conversations with after ``since``; ``now`` is when new ones open."""

    pairs: frozenset[tuple[str, str]]
    since: datetime
    now: datetime

    @property
    def since_minute(self) -> datetime:
        """The oldest per-minute count still in the window: conversations are counted to the
        minute, so one opened in the window's first minute counts until that minute is out
        (up to a minute longer than Meta's exact 24 hours, never shorter)."""
        return minute_of(self.since)

    @property
    def minute(self) -> datetime:
        return minute_of(self.now)


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass
class Budget:
    """A number's tier budget in one send batch: ``limit`` unique users per rolling 24 hours
    (None: unlimited), ``used`` of them so far, which of the batch's users are ``counted``
    already; the plan appends to ``opened`` the users whose conversation this batch opens,
    and the store records them in the same transaction."""

    limit: int | None
    used: int = 0
    counted: set[str] = field(default_factory=set)
    opened: list[str] = field(default_factory=list)
