"""Webhook deliveries and their attempt log on the wire."""

from __future__ import annotations

from partnerhub.domain.clock import isoformat
from partnerhub.domain.webhooks.model import Delivery, DeliveryAttempt, DeliveryStatus
from partnerhub.wire import webhooks as wire_webhooks


def delivery(d: Delivery, attempts: list[DeliveryAttempt]) -> wire_webhooks.Delivery:
    return wire_webhooks.Delivery(
        id=d.id,
        event_id=d.event_id,
        event=d.event_type,
        status=d.status,
        attempt_count=d.attempt_count,
        created_at=isoformat(d.created_at) or "",
        next_attempt_at=isoformat(d.next_attempt_at)
        if d.status == DeliveryStatus.PENDING
        else None,
        last_attempt_at=isoformat(d.last_attempt_at),
        delivered_at=isoformat(d.delivered_at),
        attempts=[
            wire_webhooks.DeliveryAttempt(
                attempted_at=isoformat(a.attempted_at) or "",
                status_code=a.status_code,
                latency_ms=a.latency_ms,
                response_body=a.response_body,
                error=a.error if a.finished_at is not None else "in flight",
            )
            for a in attempts
        ],
        destination=d.destination,
    )
