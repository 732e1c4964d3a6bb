"""Events (the outbox), their deliveries and every delivery attempt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (or the first)
    DELIVERED = "delivered"  # a 2xx answer
    FAILED = "failed"  # every attempt used, 410 Gone, or no URL to send to


@dataclass
class Event:
    """One partner webhook event. ``body`` is the exact JSON sent, stable across retries."""

    id: str
    partner_id: str
    type: str
    body: str
    created_at: datetime
    channel_id: str | None = None  # set for Messaging API webhooks (the channel's URL)


@dataclass
class Delivery:
    id: str
    event_id: str
    partner_id: str
    event_type: str
    status: str
    created_at: datetime
    next_attempt_at: datetime
    attempt_count: int = 0
    lease_until: datetime | None = None
    last_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    # A copy to this ``/multi_webhook`` destination (by name); None: the main webhook.
    destination: str | None = None


@dataclass
class DeliveryAttempt:
    """Written when the attempt starts (``finished_at`` None: in flight) and completed with the
    answer, so that a worker killed mid-request still leaves the attempt in the log."""

    id: str
    delivery_id: str
    attempted_at: datetime
    status_code: int | None
    latency_ms: float
    response_body: str | None
    error: str | None
    request_headers: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    finished_at: datetime | None = None


ABANDONED = "abandoned: the worker stopped before it recorded the answer"


@dataclass
class EmulatorState:
    """Process-independent emulator knobs, kept in the database so every worker sees them."""

    id: int
    clock_offset_seconds: float = 0.0
    # Bumped by a clock reset, so that every process drops its offset (VirtualClock.catch_up).
    clock_epoch: int = 0
    fail_next: int = 0
    fail_status: int = 500
    delay_ms: int = 0
