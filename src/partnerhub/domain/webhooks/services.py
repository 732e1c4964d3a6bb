"""Partner-facing webhook operations: URL and headers, platform secret, test events, the log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.partners.rules import validate_url
from partnerhub.domain.partners.services import load_partner
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks import outbox, signing
from partnerhub.domain.webhooks.model import Delivery, DeliveryAttempt, DeliveryStatus
from partnerhub.domain.webhooks.ssrf import validate_webhook_destination
from partnerhub.wire import events as wire

DELIVERY_SORTABLE = ("created_at", "next_attempt_at", "attempt_count", "status", "event")
DELIVERY_FILTERABLE = {
    "id": str,
    "event": str,
    "event_id": str,
    "status": str,
    "destination": str,  # a /multi_webhook destination's copies (issue 17 item 5)
}

_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")
# Headers we set ourselves, or that only the HTTP layer may set.
_RESERVED = {
    "content-type",
    "content-length",
    "host",
    "connection",
    "transfer-encoding",
    "user-agent",
    "x-360dialog-signature",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
}
MAX_HEADERS = 20


def validate_headers(headers: dict[str, str]) -> dict[str, str]:
    if len(headers) > MAX_HEADERS:
        raise InvalidInput("headers", f"at most {MAX_HEADERS} headers")
    for name, value in headers.items():
        if not _HEADER_NAME.match(name):
            raise InvalidInput(f"headers.{name}", "is not a valid HTTP header name")
        if name.lower() in _RESERVED:
            raise InvalidInput(f"headers.{name}", "is set by partnerhub and cannot be overridden")
        if len(value) > 1024 or any(ch in value for ch in "\r\n\0"):
            raise InvalidInput(f"headers.{name}", "must be at most 1024 characters, on one line")
    return dict(headers)


async def check_webhook_url(url: str | None, *, hub_mode: bool) -> str | None:
    """Form first (absolute http(s)), then, in hub mode, the SSRF rules."""
    if url is None:
        return None
    cleaned = validate_url("webhook_url", url)
    await validate_webhook_destination("webhook_url", cleaned, hub_mode=hub_mode)
    return cleaned


def webhook_url_columns(url: str | None, clock: Clock) -> dict[str, Any]:
    """What setting the partner webhook URL changes: setting a URL (even the same one)
    re-enables delivery after a 410 Gone disabled it."""
    return {"webhook_url": url, "webhook_disabled_at": None, "modified_at": clock.now()}


def apply_webhook_url(partner: Partner, url: str | None, clock: Clock) -> None:
    for name, value in webhook_url_columns(url, clock).items():
        setattr(partner, name, value)


async def set_webhook(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    url: str | None,
    headers: dict[str, str] | None,
    *,
    replace_headers: bool,
    hub_mode: bool,
) -> Partner:
    cleaned = await check_webhook_url(url, hub_mode=hub_mode)
    partner = await load_partner(uow, partner_id)
    if replace_headers:
        partner.webhook_headers = validate_headers(headers or {})
    apply_webhook_url(partner, cleaned, clock)
    await uow.commit()
    return partner


MAX_GRACE_SECONDS = 30 * 86400


@dataclass(frozen=True)
class RotatedSecret:
    secret: str
    previous_valid_until: datetime | None  # None: the previous secret stopped at once


def validate_grace(seconds: int) -> int:
    if not 0 <= seconds <= MAX_GRACE_SECONDS:
        raise InvalidInput(
            "grace_period_seconds", f"must be between 0 and {MAX_GRACE_SECONDS} (30 days)"
        )
    return seconds


async def regenerate_platform_secret(
    uow: UnitOfWork, clock: Clock, master_key: str, partner_id: str, grace_seconds: int = 0
) -> RotatedSecret:
    """A new secret, shown once. The one it replaces keeps verifying for ``grace_seconds``
    (0: it stops with the next delivery, for a leaked secret); a secret still in its grace from
    an earlier rotation is dropped, so at most two are valid at once."""
    validate_grace(grace_seconds)
    partner = await load_partner(uow, partner_id)
    now = clock.now()
    until = now + timedelta(seconds=grace_seconds) if grace_seconds else None
    if until is not None and partner.platform_secret_nonce is not None:
        partner.previous_platform_secret_nonce = partner.platform_secret_nonce
        partner.previous_platform_secret_until = until
    else:
        partner.previous_platform_secret_nonce = None
        partner.previous_platform_secret_until = None
    partner.platform_secret_nonce = signing.new_nonce()
    partner.modified_at = now
    await uow.commit()
    return RotatedSecret(
        signing.derive_platform_secret(master_key, partner.id, partner.platform_secret_nonce),
        partner.previous_platform_secret_until,
    )


async def reveal_platform_secret(uow: UnitOfWork, master_key: str, partner_id: str) -> str:
    """The current secret, for the dashboard's "show" button: every partner has one from
    creation, and it must be readable to be used (it keys an HMAC, so it cannot be hashed)."""
    partner = await load_partner(uow, partner_id)
    if partner.platform_secret_nonce is None:  # a row no migration reached: give it one now
        partner.platform_secret_nonce = signing.new_nonce()
        await uow.commit()
    return signing.derive_platform_secret(master_key, partner.id, partner.platform_secret_nonce)


MAX_TEST_EVENTS = 1000


def new_test_event(partner_id: str, sequence: int | None = None) -> wire.WebhookTest:
    """A ``webhook_test`` event; ``sequence`` numbers the events of a burst."""
    data = wire.WebhookTestData(partner_id, "Test event from partnerhub", sequence)
    return wire.WebhookTest(outbox.new_event_id(), data)


@dataclass(frozen=True)
class SentTest:
    event_ids: list[str]
    delivery_ids: list[str]


async def send_test_events(
    uow: UnitOfWork, clock: Clock, partner_id: str, count: int = 1
) -> SentTest:
    """``count`` webhook_test events in one transaction (a burst, to load-test a receiver)."""
    if not 1 <= count <= MAX_TEST_EVENTS:
        raise InvalidInput("count", f"must be between 1 and {MAX_TEST_EVENTS}")
    partner = await load_partner(uow, partner_id)
    if not partner.webhook_url:
        raise InvalidInput("webhook_url", "is not set; set it before sending a test event")
    if partner.webhook_disabled_at is not None:
        raise InvalidInput("webhook_url", "was disabled by a 410 Gone; set it again to re-enable")
    emitted = await outbox.emit_many(
        uow,
        clock,
        partner,
        [new_test_event(partner.id, n if count > 1 else None) for n in range(1, count + 1)],
    )
    event_ids = [item.event.id for item in emitted]
    delivery_ids = [item.delivery.id for item in emitted if item.delivery is not None]
    await uow.commit()
    return SentTest(event_ids, delivery_ids)


DeliveryView = tuple[Delivery, list[DeliveryAttempt]]


async def list_deliveries(
    uow: UnitOfWork,
    partner_id: str,
    query: ListQuery,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> tuple[list[DeliveryView], int]:
    deliveries, total = await uow.webhooks.list_deliveries(
        partner_id, query, created_after, created_before
    )
    attempts = await uow.webhooks.attempts_for([d.id for d in deliveries])
    return [(d, attempts[d.id]) for d in deliveries], total


async def retry_delivery(
    uow: UnitOfWork, clock: Clock, partner_id: str, delivery_id: str
) -> DeliveryView:
    """Send again now, whatever its state; the schedule restarts from this attempt."""
    delivery = await uow.webhooks.get_delivery(partner_id, delivery_id)
    if delivery is None:
        raise NotFound("Webhook delivery not found")
    partner = await load_partner(uow, partner_id)
    if not partner.webhook_url or partner.webhook_disabled_at is not None:
        raise InvalidInput("webhook_url", "is not set or was disabled; set it before retrying")
    if delivery.lease_until is not None and delivery.lease_until > clock.now():
        raise Conflict("The delivery is being sent right now; retry once this attempt is logged")
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = clock.now()
    delivery.lease_until = None
    delivery.attempt_count = 0
    delivery.delivered_at = None
    uow.outbox_written = True
    await uow.commit()
    attempts = await uow.webhooks.attempts_for([delivery.id])
    return delivery, attempts[delivery.id]
