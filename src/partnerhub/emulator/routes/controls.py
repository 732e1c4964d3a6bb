"""``/_emulator``: the operator controls a partner's test suite drives [ours]: reset, the
clock, webhook faults and the sent log, signups, forced statuses, balances, usage, reviews.

Mounted only in emulator mode (:mod:`partnerhub.app`), and enabled there only with
``PARTNERHUB_EMULATOR_TOKEN`` set (:mod:`.guard`); otherwise every path here answers 404, as if
it did not exist. Callers authenticate with ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, FromQuery

from partnerhub.domain.billing import services as billing
from partnerhub.domain.billing.model import from_micros
from partnerhub.domain.billing.queries import parse_instant
from partnerhub.domain.clients import lifecycle, onboarding
from partnerhub.domain.clock import isoformat
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.messaging import coexistence
from partnerhub.domain.templates import services as template_services
from partnerhub.emulator import clock as clock_control
from partnerhub.emulator import faults, sent_log
from partnerhub.emulator.routes.guard import emulator_of, guard
from partnerhub.server import presenters
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body
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
    clock = emulator_of(request).clock
    async with state.uow() as uow:
        if body.scope in ("data", "all"):
            await faults.clear(uow)
            await uow.webhooks.delete_all_events()
            await uow.logins.delete_all()  # the login lockouts are rate limits too
        if body.scope in ("clock", "all"):
            await clock_control.reset(uow, clock)
        await uow.commit()
    if body.scope in ("data", "all"):
        # Rate limits run on real time, not the virtual clock (adapters/ratelimit.py): this is
        # how a test suite starts from full budgets.
        await state.rate_limits.reset()
    return {
        "reset": True,
        "scope": body.scope,
        "now": isoformat(clock.now()),
        "offset_seconds": clock.offset_seconds,
    }


@get("/clock", summary="The emulator's current (virtual) time")
async def read_clock(request: Request[Any, Any, Any]) -> dict[str, Any]:
    await guard(request)
    clock = emulator_of(request).clock
    return {"now": isoformat(clock.now()), "offset_seconds": clock.offset_seconds}


@post("/clock/advance", summary="Move the virtual clock forward and run what became due")
@documents_body(ClockAdvance)
async def advance_clock(request: Request[Any, Any, Any]) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, ClockAdvance)
    if not 0 <= body.seconds <= 10 * 365 * 86400:
        raise InvalidInput("seconds", "must be between 0 and ten years")
    state = app_state(request)
    clock = emulator_of(request).clock

    async def move_clock() -> None:
        async with state.uow() as uow:
            await clock_control.advance(uow, clock, body.seconds)
            await uow.commit()

    attempted = await state.delivery.drain(before=move_clock, also=state.simulator.run_due)
    return {
        "now": isoformat(clock.now()),
        "offset_seconds": clock.offset_seconds,
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
        fail_next, status, delay_ms = await faults.set_faults(
            uow, body.fail_next, body.status, body.delay_ms
        )
        await uow.commit()
    return {"fail_next": fail_next, "status": status, "delay_ms": delay_ms}


@get("/webhooks/sent", summary="What the delivery engine sent: URL, headers, body, answer")
async def sent(
    request: Request[Any, Any, Any],
    limit: FromQuery[int] = 100,
    partner_id: FromQuery[str | None] = None,
) -> dict[str, Any]:
    await guard(request)
    if not 1 <= limit <= 1000:
        raise InvalidInput("limit", "must be between 1 and 1000")
    async with app_state(request).uow() as uow:
        rows = await sent_log.latest(uow, limit, partner_id)
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


class CoexistenceContactIn(msgspec.Struct, forbid_unknown_fields=True):
    phone_number: str
    full_name: str = ""
    first_name: str = ""


class CoexistenceMessageIn(msgspec.Struct, forbid_unknown_fields=True):
    text: str
    from_business: bool = False
    days_ago: float = 0.0
    status: str = "READ"


class CoexistenceThreadIn(msgspec.Struct, forbid_unknown_fields=True):
    wa_id: str
    messages: list[CoexistenceMessageIn] = msgspec.field(default_factory=list)


class CoexistenceIn(msgspec.Struct, forbid_unknown_fields=True):
    """What the WhatsApp Business app holds: its address book, its 1:1 chats (each message
    ``days_ago``), and whether the business shares its chat history."""

    contacts: list[CoexistenceContactIn] = msgspec.field(default_factory=list)
    threads: list[CoexistenceThreadIn] = msgspec.field(default_factory=list)
    share_history: bool = True


class Onboard(msgspec.Struct, forbid_unknown_fields=True):
    partner_id: str
    client: OnboardClient
    phone_numbers: list[OnboardNumber | str]
    grant_permission: bool = True
    # The contact user's password, so that the client can log in on the onboarding page.
    password: str | None = None
    # WhatsApp Coexistence: the numbers stay on the WhatsApp Business app (true, or what the
    # app holds for the one-time syncs).
    coexistence: bool | CoexistenceIn = False


def _coexistence_state(body: Onboard, now: datetime) -> dict[str, Any] | None:
    """The app's state for coexistence numbers (None: not coexistence)."""
    if body.coexistence is False:
        return None
    app = CoexistenceIn() if body.coexistence is True else body.coexistence
    return coexistence.app_state(
        now,
        [coexistence.AppContact(c.phone_number, c.full_name, c.first_name) for c in app.contacts],
        [
            coexistence.AppThread(
                t.wa_id,
                [
                    coexistence.AppMessage(m.text, m.from_business, m.days_ago, m.status)
                    for m in t.messages
                ],
            )
            for t in app.threads
        ],
        app.share_history,
    )


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
        onboarding.NewNumber(n, "")
        if isinstance(n, str)
        else onboarding.NewNumber(n.phone_number, n.phone_name)
        for n in body.phone_numbers
    ]
    new_client = onboarding.NewClient(
        name=body.client.name,
        contact_name=body.client.contact_name or body.client.name,
        email=body.client.email,
        partner_payload=body.client.partner_payload,
        organisation=body.client.organisation,
        contact_info=body.client.contact_info,
        meta_info=body.client.meta_info,
        password=body.password,
    )
    app = _coexistence_state(body, state.clock.now())
    async with state.uow() as uow:
        done = await onboarding.onboard(
            uow,
            state.clock,
            body.partner_id,
            new_client,
            numbers,
            grant_permission=body.grant_permission,
            step_seconds=state.settings.simulator_step_seconds,
            commit=app is None,
        )
        if app is not None:
            for channel in done.channels:
                coexistence.make_coexistence(channel, app)
            await uow.commit()
    return {
        "client_id": done.client.id,
        "waba_account_id": done.waba.id,
        "channel_ids": [c.id for c in done.channels],
        "coexistence": app is not None,
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
        view = await lifecycle.force_status(
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
