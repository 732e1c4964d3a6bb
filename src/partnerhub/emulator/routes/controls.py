"""``/_emulator``: the operator controls a partner's test suite drives [ours].

Enabled only in emulator mode with ``PARTNERHUB_EMULATOR_TOKEN`` set; otherwise every path here
answers 404, as if it did not exist. Callers authenticate with ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Request, Router, get, post
from litestar.params import FromPath, FromQuery
from sqlalchemy import select

from partnerhub.adapters import tables
from partnerhub.domain.billing import services as billing
from partnerhub.domain.billing.model import from_micros
from partnerhub.domain.billing.queries import parse_instant
from partnerhub.domain.clients import services as client_services
from partnerhub.domain.clock import VirtualClock, isoformat
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.templates import services as template_services
from partnerhub.server import presenters
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body
from partnerhub.server.routes import emulator_messaging, emulator_partners, world
from partnerhub.server.routes.emulator_guard import guard
from partnerhub.wire import billing as wire_billing
from partnerhub.wire import templates as wire_templates


class ClockAdvance(msgspec.Struct, forbid_unknown_fields=True):
    seconds: float


class Faults(msgspec.Struct, forbid_unknown_fields=True):
    fail_next: int | None = None
    status: int | None = None
    delay_ms: int | None = None


class Reset(msgspec.Struct, forbid_unknown_fields=True):
    """What a reset forgets: ``data`` (the default, what a reset always did), ``clock`` or
    ``all``."""

    scope: Literal["data", "clock", "all"] = "data"


@post(
    "/reset",
    summary="Forget the webhook log, faults, rate-limit budgets and login lockouts (scope "
    "data, the default), turn the virtual clock back to real time (scope clock), or both "
    "(scope all)",
)
@documents_body(Reset, required=False)
async def reset(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """``data``: faults, every webhook event, delivery and attempt, and every rate-limit
    budget; partners, clients, numbers, templates and messages stay (a seed replaces those).
    ``clock``: the virtual clock's offset back to 0 in every process (a new clock epoch);
    what was scheduled in the virtual future (a retry, a lifecycle step) then waits for real
    time to get there. No body (or ``{}``) is ``data``, as before scopes existed."""
    await guard(request)
    body = await read_body(request, Reset) if (await request.body()).strip() else Reset()
    state = app_state(request)
    clock = state.clock
    async with state.uow() as uow:
        emulator = await uow.webhooks.emulator_state()
        if body.scope in ("data", "all"):
            emulator.fail_next, emulator.fail_status, emulator.delay_ms = 0, 500, 0
            await uow.webhooks.delete_all_events()
            await uow.logins.delete_all()  # the login lockouts are rate limits too
        if body.scope in ("clock", "all") and isinstance(clock, VirtualClock):
            emulator.clock_epoch = max(emulator.clock_epoch, clock.epoch) + 1
            emulator.clock_offset_seconds = 0.0
            clock.catch_up(0.0, emulator.clock_epoch)
        await uow.commit()
    if body.scope in ("data", "all"):
        # Rate limits run on real time, not the virtual clock (adapters/ratelimit.py): this is
        # how a test suite starts from full budgets.
        await state.rate_limits.reset()
    offset = clock.offset_seconds if isinstance(clock, VirtualClock) else 0.0
    return {
        "reset": True,
        "scope": body.scope,
        "now": isoformat(clock.now()),
        "offset_seconds": offset,
    }


@get("/clock", summary="The emulator's current (virtual) time")
async def read_clock(request: Request[Any, Any, Any]) -> dict[str, Any]:
    await guard(request)
    clock = app_state(request).clock
    offset = clock.offset_seconds if isinstance(clock, VirtualClock) else 0.0
    return {"now": isoformat(clock.now()), "offset_seconds": offset}


@post("/clock/advance", summary="Move the virtual clock forward and run what became due")
@documents_body(ClockAdvance)
async def advance_clock(request: Request[Any, Any, Any]) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, ClockAdvance)
    if not 0 <= body.seconds <= 10 * 365 * 86400:
        raise InvalidInput("seconds", "must be between 0 and ten years")
    state = app_state(request)
    assert isinstance(state.clock, VirtualClock)  # emulator mode always runs one
    clock = state.clock

    async def move_clock() -> None:
        async with state.uow() as uow:
            emulator = await uow.webhooks.emulator_state()
            clock.catch_up(emulator.clock_offset_seconds, emulator.clock_epoch)
            clock.advance(body.seconds)
            emulator.clock_offset_seconds = clock.offset_seconds
            await uow.commit()

    attempted = await state.delivery.drain(before=move_clock, also=state.simulator.run_due)
    return {
        "now": isoformat(state.clock.now()),
        "offset_seconds": state.clock.offset_seconds,
        "deliveries_attempted": attempted,
    }


@post("/webhooks/faults", summary="Fail or delay the next webhook deliveries")
@documents_body(Faults)
async def set_faults(request: Request[Any, Any, Any]) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, Faults)
    if body.fail_next is not None and not 0 <= body.fail_next <= 1_000_000:
        raise InvalidInput("fail_next", "must be between 0 and 1000000")
    if body.status is not None and not 100 <= body.status <= 599:
        raise InvalidInput("status", "must be an HTTP status code (100-599)")
    if body.delay_ms is not None and not 0 <= body.delay_ms <= 120_000:
        raise InvalidInput("delay_ms", "must be between 0 and 120000")
    async with app_state(request).uow() as uow:
        emulator = await uow.webhooks.emulator_state()
        if body.fail_next is not None:
            emulator.fail_next = body.fail_next
        if body.status is not None:
            emulator.fail_status = body.status
        if body.delay_ms is not None:
            emulator.delay_ms = body.delay_ms
        await uow.commit()
        return {
            "fail_next": emulator.fail_next,
            "status": emulator.fail_status,
            "delay_ms": emulator.delay_ms,
        }


@get("/webhooks/sent", summary="What the delivery engine sent: URL, headers, body, answer")
async def sent(
    request: Request[Any, Any, Any],
    limit: FromQuery[int] = 100,
    partner_id: FromQuery[str | None] = None,
) -> dict[str, Any]:
    await guard(request)
    if not 1 <= limit <= 1000:
        raise InvalidInput("limit", "must be between 1 and 1000")
    a, d, e = tables.webhook_attempts.c, tables.webhook_deliveries.c, tables.webhook_events.c
    statement = (
        select(
            a.attempted_at,
            a.url,
            a.request_headers,
            a.status_code,
            a.error,
            e.body,
            e.id,
            e.type,
            d.partner_id,
            d.id.label("delivery_id"),
        )
        .join(tables.webhook_deliveries, d.id == a.delivery_id)
        .join(tables.webhook_events, e.id == d.event_id)
        .order_by(a.attempted_at.desc(), a.id.desc())
        .limit(limit)
    )
    if partner_id:
        statement = statement.where(d.partner_id == partner_id)
    async with app_state(request).uow() as uow:
        rows = (await uow.session.execute(statement)).all()
    return {
        "sent": [
            {
                "attempted_at": isoformat(row.attempted_at),
                "partner_id": row.partner_id,
                "delivery_id": row.delivery_id,
                "event_id": row.id,
                "event": row.type,
                "url": row.url,
                "headers": row.request_headers,
                "body": msgspec.json.decode(row.body),
                "status_code": row.status_code,
                "error": row.error,
            }
            for row in rows
        ]
    }


class OnboardNumber(msgspec.Struct, forbid_unknown_fields=True):
    phone_number: str
    phone_name: str = ""


class OnboardClient(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    email: str
    contact_name: str = ""
    partner_payload: str | None = None
    organisation: str | None = None
    contact_info: dict[str, Any] = msgspec.field(default_factory=dict)
    meta_info: dict[str, Any] = msgspec.field(default_factory=dict)


class Onboard(msgspec.Struct, forbid_unknown_fields=True):
    partner_id: str
    client: OnboardClient
    phone_numbers: list[OnboardNumber | str]
    grant_permission: bool = True
    # The contact user's password, so that the client can log in on the onboarding page.
    password: str | None = None


class ChannelStatusIn(msgspec.Struct, forbid_unknown_fields=True):
    status: str
    violation_type: str | None = None


@post("/onboard", summary="A client signup without a browser (client, WABA, channels)")
@documents_body(Onboard)
async def onboard(request: Request[Any, Any, Any]) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, Onboard)
    state = app_state(request)
    numbers = [
        client_services.NewNumber(n, "")
        if isinstance(n, str)
        else client_services.NewNumber(n.phone_number, n.phone_name)
        for n in body.phone_numbers
    ]
    new_client = client_services.NewClient(
        name=body.client.name,
        contact_name=body.client.contact_name or body.client.name,
        email=body.client.email,
        partner_payload=body.client.partner_payload,
        organisation=body.client.organisation,
        contact_info=body.client.contact_info,
        meta_info=body.client.meta_info,
        password=body.password,
    )
    async with state.uow() as uow:
        done = await client_services.onboard(
            uow,
            state.clock,
            body.partner_id,
            new_client,
            numbers,
            grant_permission=body.grant_permission,
            step_seconds=state.settings.simulator_step_seconds,
        )
    return {
        "client_id": done.client.id,
        "waba_account_id": done.waba.id,
        "channel_ids": [c.id for c in done.channels],
    }


@post("/channels/{channel_id:str}/status", summary="Move a channel to any possible status")
@documents_body(ChannelStatusIn)
async def channel_status(
    request: Request[Any, Any, Any], channel_id: FromPath[str]
) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, ChannelStatusIn)
    state = app_state(request)
    async with state.uow() as uow:
        view = await client_services.force_status(
            uow, state.clock, channel_id, body.status, body.violation_type
        )
    return {
        "id": view.channel.id,
        "status": view.channel.status,
        "fb_account_status": view.waba.status,
    }


class PartnerBalanceIn(msgspec.Struct, forbid_unknown_fields=True):
    total: float
    currency: str | None = None


class ClientBalanceIn(msgspec.Struct, forbid_unknown_fields=True):
    total: float


class UsageIn(msgspec.Struct, forbid_unknown_fields=True):
    country: str
    pricing_category: str
    pricing_type: str = "REGULAR"
    initiated_by: str = "business"
    volume: int = 1
    cost: float | None = None
    at: str | None = None  # ISO 8601 with a zone; default: the clock's now


@post("/partners/{partner_id:str}/balance", summary="Set a partner's balance", status_code=200)
@documents_body(PartnerBalanceIn)
async def set_partner_balance(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> wire_billing.Balance:
    await guard(request)
    body = await read_body(request, PartnerBalanceIn)
    state = app_state(request)
    async with state.uow() as uow:
        funds = await billing.set_partner_balance(
            uow, state.clock, partner_id, body.total, body.currency
        )
    return presenters.balance(funds)


@post(
    "/clients/{client_id:str}/balance",
    summary="Set a direct-paid client's own balance",
    status_code=200,
)
@documents_body(ClientBalanceIn)
async def set_client_balance(
    request: Request[Any, Any, Any], client_id: FromPath[str]
) -> wire_billing.Balance:
    await guard(request)
    body = await read_body(request, ClientBalanceIn)
    state = app_state(request)
    async with state.uow() as uow:
        funds = await billing.set_client_balance(uow, state.clock, client_id, body.total)
    return presenters.balance(funds)


@post(
    "/channels/{channel_id:str}/usage",
    summary="Record delivered messages on a channel and debit whoever pays for them",
)
@documents_body(UsageIn)
async def record_usage(
    request: Request[Any, Any, Any], channel_id: FromPath[str]
) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, UsageIn)
    usage = billing.NewUsage(
        country=body.country,
        pricing_category=body.pricing_category,
        pricing_type=body.pricing_type,
        initiated_by=body.initiated_by,
        volume=body.volume,
        cost=body.cost,
        at=None if body.at is None else parse_instant("at", body.at),
    )
    state = app_state(request)
    async with state.uow() as uow:
        done = await billing.record_usage(uow, state.clock, channel_id, usage)
    record = done.record
    return {
        "id": record.id,
        "channel_id": record.channel_id,
        "client_id": record.client_id,
        "occurred_at": isoformat(record.occurred_at),
        "country": record.country,
        "pricing_category": record.pricing_category,
        "pricing_type": record.pricing_type,
        "initiated_by": record.initiated_by,
        "volume": record.volume,
        "cost": from_micros(record.cost_micros),
        "paid_by": done.payer,
        "balance": {
            "total": from_micros(done.balance.total_micros),
            "currency": done.balance.currency,
        },
    }


@post(
    "/templates/{template_id:str}/review",
    summary="Decide a template's review: any status (rejected with a reason), with its event",
    status_code=200,
)
@documents_body(wire_templates.TemplateReviewIn)
async def review_template(
    request: Request[Any, Any, Any], template_id: FromPath[str]
) -> wire_templates.Template:
    await guard(request)
    body = await read_body(request, wire_templates.TemplateReviewIn)
    state = app_state(request)
    async with state.uow() as uow:
        template = await template_services.review(
            uow,
            state.clock,
            template_id,
            body.status,
            body.rejected_reason,
            review_seconds=state.settings.template_review_delay,
        )
    return presenters.template(template)


def emulator_router() -> Router:
    return Router(
        path="/_emulator",
        route_handlers=[
            reset,
            read_clock,
            advance_clock,
            set_faults,
            sent,
            onboard,
            channel_status,
            *world.HANDLERS,
            set_partner_balance,
            set_client_balance,
            record_usage,
            *emulator_messaging.HANDLERS,
            review_template,
            *emulator_partners.HANDLERS,
        ],
        tags=["Emulator"],
        include_in_schema=True,
        security=[{"EmulatorToken": []}],
    )
