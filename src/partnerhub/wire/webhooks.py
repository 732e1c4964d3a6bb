"""Webhook settings, the delivery log, and the partner webhook envelope [ours + spec §7]."""

from __future__ import annotations

from typing import Any

import msgspec


class WebhookEvent(msgspec.Struct):
    """What a partner's webhook URL receives (spec §7); ``id`` is stable across retries."""

    id: str
    event: str
    data: dict[str, Any]


class DeliveryAttempt(msgspec.Struct):
    attempted_at: str
    status_code: int | None
    latency_ms: float
    response_body: str | None
    error: str | None


class Delivery(msgspec.Struct):
    id: str
    event_id: str
    event: str
    status: str
    attempt_count: int
    created_at: str
    next_attempt_at: str | None
    last_attempt_at: str | None
    delivered_at: str | None
    attempts: list[DeliveryAttempt]
    # A copy to this ``/multi_webhook`` destination (by name); null: the main webhook.
    destination: str | None = None


class DeliveryList(msgspec.Struct):
    limit: int
    offset: int
    sort: list[str]
    total: int
    count: int
    filters: dict[str, Any]
    webhook_deliveries: list[Delivery]


class TestEventRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Optional body of ``POST …/webhook_url/test``: how many test events to send at once."""

    count: int = 1


class TestEventSent(msgspec.Struct):
    """The first event's ids, and every delivery id when ``count`` > 1."""

    event_id: str
    delivery_id: str
    count: int
    delivery_ids: list[str]


class PlatformSecretRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Optional body of ``POST …/platform_secret``: how long the replaced secret keeps
    verifying (default ``PARTNERHUB_PLATFORM_SECRET_GRACE_SECONDS``; 0 ends it at once)."""

    grace_period_seconds: int | None = None


class PlatformSecret(msgspec.Struct):
    """The new secret (shown once) and until when the one it replaced still verifies (ISO 8601;
    ``null`` when it stopped at once)."""

    platform_secret: str
    previous_secret_valid_until: str | None = None
