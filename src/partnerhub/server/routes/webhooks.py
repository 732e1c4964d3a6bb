"""Partner webhook operations [ours]: test event, platform secret, delivery log and replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from partnerhub.domain.clock import isoformat, parse_timestamp
from partnerhub.domain.webhooks import services
from partnerhub.server import presenters
from partnerhub.server.auth import app_state, require_partner
from partnerhub.server.body import decode
from partnerhub.server.listing import ListParams, envelope
from partnerhub.wire import webhooks as wire


@post(
    "/webhook_url/test",
    description='Optional body {"count": N} (1-1000) sends a burst of N test events.',
    summary="Send a webhook_test event through the delivery engine",
    tags=["Webhooks"],
    status_code=202,
)
async def send_test_event(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> wire.TestEventSent:
    await require_partner(request, partner_id)
    raw = await request.body()
    content_type = request.headers.get("content-type", "application/json").lower()
    body = (
        decode(raw, content_type, wire.TestEventRequest) if raw.strip() else wire.TestEventRequest()
    )
    state = app_state(request)
    async with state.uow() as uow:
        sent = await services.send_test_events(uow, state.clock, partner_id, body.count)
    return wire.TestEventSent(
        event_id=sent.event_ids[0],
        delivery_id=sent.delivery_ids[0],
        count=len(sent.event_ids),
        delivery_ids=sent.delivery_ids,
    )


@post(
    "/platform_secret",
    summary=(
        "Rotate the platform secret (the new one is shown once; the old one keeps verifying "
        "for a grace period, 24 h by default)"
    ),
    description=(
        'Optional body {"grace_period_seconds": N} (0 to 2592000): how long the replaced secret '
        "still verifies; 0 ends it at once (a leaked secret). During the grace period "
        "x-360dialog-signature is made with the new secret, webhook-signature carries both "
        "(v1,<new> v1,<old>) and IO signatures made with either are accepted."
    ),
    tags=["Webhooks"],
    status_code=201,
)
async def regenerate_platform_secret(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> wire.PlatformSecret:
    await require_partner(request, partner_id)
    raw = await request.body()
    content_type = request.headers.get("content-type", "application/json").lower()
    body = (
        decode(raw, content_type, wire.PlatformSecretRequest)
        if raw.strip()
        else wire.PlatformSecretRequest()
    )
    state = app_state(request)
    grace = body.grace_period_seconds
    async with state.uow() as uow:
        rotated = await services.regenerate_platform_secret(
            uow,
            state.clock,
            state.master_key,
            partner_id,
            state.settings.platform_secret_grace_seconds if grace is None else grace,
        )
    return wire.PlatformSecret(
        platform_secret=rotated.secret,
        previous_secret_valid_until=isoformat(rotated.previous_valid_until),
    )


def _moment(field: str, raw: str | None) -> datetime | None:
    if not raw:
        return None
    return parse_timestamp(field, raw, require_zone=True, earliest_year=1970, whole_seconds=False)


@get("/webhook_deliveries", summary="The webhook delivery log", tags=["Webhooks"])
async def list_deliveries(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    page: NamedDependency[ListParams],
    created_after: FromQuery[str | None] = None,
    created_before: FromQuery[str | None] = None,
) -> wire.DeliveryList:
    await require_partner(request, partner_id)
    query = page.parse(services.DELIVERY_SORTABLE, services.DELIVERY_FILTERABLE)
    after, before = (
        _moment("created_after", created_after),
        _moment("created_before", created_before),
    )
    async with app_state(request).reads() as uow:
        rows, total = await services.list_deliveries(uow, partner_id, query, after, before)
    return wire.DeliveryList(
        **envelope(query, total, len(rows)),
        webhook_deliveries=[presenters.delivery(d, attempts) for d, attempts in rows],
    )


@post(
    "/webhook_deliveries/{delivery_id:str}/retry",
    summary="Re-send a delivery now",
    tags=["Webhooks"],
    status_code=202,
)
async def retry_delivery(
    request: Request[Any, Any, Any], partner_id: FromPath[str], delivery_id: FromPath[str]
) -> wire.Delivery:
    await require_partner(request, partner_id)
    state = app_state(request)
    async with state.uow() as uow:
        delivery, attempts = await services.retry_delivery(
            uow, state.clock, partner_id, delivery_id
        )
    return presenters.delivery(delivery, attempts)


HANDLERS = [send_test_event, regenerate_platform_secret, list_deliveries, retry_delivery]
