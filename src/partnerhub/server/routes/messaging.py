"""The Messaging API subset (spec §9): ``/messages`` and ``/v1/configs/...``, by channel key.

Everything here answers errors in Meta's Graph shape (``{"error": {...}}``), not the Partner
API's ``meta`` envelope: Messaging API clients are written against the Cloud API and read
``error.code``. The router's exception handlers are the Graph renderer's
(:mod:`partnerhub.server.errors.graph`), as the raw send path's answers are.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import MediaType, Request, Response, Router, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath

from partnerhub.domain.errors import NotFound
from partnerhub.domain.messaging import (
    marketing,
    multi_webhook,
    quality,
    services,
    webhook_config,
)
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.errors import invalid_parameter
from partnerhub.domain.templates import services as template_services
from partnerhub.server import presenters
from partnerhub.server.auth import app_state
from partnerhub.server.body import json_problem, read_body
from partnerhub.server.errors.registry import MESSAGING_HANDLERS
from partnerhub.server.listing import LIST_DEPENDENCIES, ListParams, envelope
from partnerhub.server.openapi import documents_body, documents_examples
from partnerhub.server.routes import template_examples
from partnerhub.server.routes.templates import new_template
from partnerhub.server.state import AppState
from partnerhub.wire import health as wire_health
from partnerhub.wire import messaging as wire
from partnerhub.wire import templates as wire_templates

SECURITY: list[dict[str, list[str]]] = [{"D360ApiKey": []}]


SEND_PATH = "/messages"
# [360] 360dialog's sandbox sends on ``POST /v1/messages``
# (docs/waba-messaging/sandbox/how-to-get-started-with-sandbox): an alias, same checks, same answer.
SANDBOX_SEND_PATH = "/v1/messages"
SEND_PATHS = (SEND_PATH, SANDBOX_SEND_PATH)
# [360] MM Lite (docs.360dialog.com "MM Lite versus Cloud API"): the same body and answer on
# another path, marketing templates only (domain/messaging/marketing.py). Served by the same
# raw send path (server/fastpath/send.py) as SEND_PATHS.
MARKETING_PATH = "/marketing_messages"


def channel_key(headers: Any) -> str | None:
    """The ``D360-API-KEY`` header of raw ASGI headers (the last one, if sent twice)."""
    secret = None
    for name, value in headers:
        if name == b"d360-api-key":
            secret = value.decode("latin-1").strip()
    return secret


async def channel_principal(request: Request[Any, Any, Any]) -> ChannelPrincipal:
    """The ``D360-API-KEY`` header, and only that: partner keys and bearer tokens are not
    channel keys, so they are unknown here (401, spec §1)."""
    return await app_state(request).channel_keys.authenticate(channel_key(request.scope["headers"]))


def decode_json_body(raw: bytes) -> object:
    """A request body as JSON, refused in Meta's words when it is empty, NUL-bearing or bad."""
    if not raw.strip():
        raise invalid_parameter("body", "a JSON object is required")
    if b"\x00" in raw or b"\\u0000" in raw.lower():
        raise invalid_parameter("body", "must not contain NUL characters")
    try:
        return msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise invalid_parameter("body", json_problem(raw, exc)) from None
    except RecursionError:  # msgspec's answer to arrays nested thousands deep
        raise invalid_parameter("body", "is nested too deeply") from None


async def _json(request: Request[Any, Any, Any]) -> object:
    return decode_json_body(await request.body())


@post(
    list(SEND_PATHS),
    summary="Send a message (Cloud API body); /v1/messages is the sandbox's path for it",
    tags=["Messaging API"],
    status_code=200,
)
async def send_message(request: Request[Any, Any, Any]) -> Response[Any]:
    principal = await channel_principal(request)
    answer = await answer_send(app_state(request), principal, await _json(request))
    return Response(answer, status_code=200, media_type=MediaType.JSON)


@post(
    MARKETING_PATH,
    summary=(
        "MM Lite: send a MARKETING template (Cloud API body, same answer as /messages); the "
        "WABA must have accepted the Marketing Messages Lite API terms"
    ),
    tags=["Messaging API"],
    status_code=200,
)
async def send_marketing_message(request: Request[Any, Any, Any]) -> Response[Any]:
    principal = await channel_principal(request)
    body = await _json(request)
    answer = await answer_send(app_state(request), principal, body, mm_lite=True)
    return Response(answer, status_code=200, media_type=MediaType.JSON)


async def answer_send(
    state: AppState, principal: ChannelPrincipal, body: object, *, mm_lite: bool = False
) -> dict[str, Any]:
    """A send, or a read receipt for an inbound message (same path, told apart by the body as
    Meta does), answered as Meta answers it. ``mm_lite``: a send on ``/marketing_messages``
    (no read receipts there: MM Lite is send-only), refused unless the WABA accepted the terms."""
    if mm_lite:
        async with state.uow() as uow:
            await marketing.require_terms(uow, principal)
        accepted = await state.sender.send(principal, body, mm_lite=True)
        return accepted.response()
    if isinstance(body, dict) and body.get("status") == "read" and "type" not in body:
        async with state.uow() as uow:
            await services.mark_read(uow, principal, body)
        return {"success": True}
    accepted = await state.sender.send(principal, body)
    return accepted.response()


@post(
    "/v1/configs/webhook",
    summary="Set the channel's messaging webhook",
    tags=["Messaging API"],
    status_code=200,
)
@documents_body(wire.MessagingWebhookIn)
async def set_webhook(request: Request[Any, Any, Any]) -> wire.MessagingWebhook:
    principal = await channel_principal(request)
    body = await read_body(request, wire.MessagingWebhookIn)
    state = app_state(request)
    async with state.uow() as uow:
        channel = await webhook_config.set_webhook(
            uow,
            state.clock,
            principal,
            body.url or None,
            body.headers,
            hub_mode=state.policy.ssrf_rules,
        )
    return presenters.messaging_webhook(channel, mask=False)


@get("/v1/configs/webhook", summary="The channel's messaging webhook", tags=["Messaging API"])
async def get_webhook(request: Request[Any, Any, Any]) -> wire.MessagingWebhook:
    principal = await channel_principal(request)
    async with app_state(request).uow() as uow:
        channel = await services.get_webhook(uow, principal)
    return presenters.messaging_webhook(channel, mask=True)


@get(
    "/v1/configs/templates",
    summary="The templates of this channel's WABA (400 requests / minute)",
    tags=["Messaging API"],
)
async def list_templates(
    request: Request[Any, Any, Any], page: NamedDependency[ListParams]
) -> wire_templates.TemplateList:
    principal = await channel_principal(request)
    state = app_state(request)
    await state.rate_limits.hit(template_services.LIST_LIMIT, principal.partner_id)
    query = page.parse(template_services.SORTABLE, template_services.FILTERS)
    async with state.reads() as uow:
        found, total = await template_services.list_for_waba(uow, principal.waba_account_id, query)
    return wire_templates.TemplateList(
        **envelope(query, total, len(found)),
        waba_templates=[presenters.template(t) for t in found],
    )


@post(
    "/v1/configs/templates",
    summary=(
        "Create a template in this channel's WABA (60 requests / minute per WABA); 201 with the "
        "Cloud API's {id, status: PENDING, category}"
    ),
    tags=["Messaging API"],
    status_code=201,
)
@documents_body(wire_templates.TemplateIn)
@documents_examples(template_examples.CREATE)
async def create_template(request: Request[Any, Any, Any]) -> wire_templates.CloudTemplateCreated:
    principal = await channel_principal(request)
    body = await read_body(request, wire_templates.TemplateIn)
    state = app_state(request)
    async with state.uow() as uow:
        waba = await uow.clients.get_waba(principal.partner_id, principal.waba_account_id)
        if waba is None:
            raise NotFound("WABA account not found")
        template = await template_services.create_for_waba(
            uow,
            state.clock,
            waba,
            new_template(body),
            review_seconds=state.settings.template_review_delay,
            limits=state.rate_limits,
        )
    # A new template is always in review: Meta's word for that is PENDING.
    return wire_templates.CloudTemplateCreated(
        id=template.id, status="PENDING", category=template.category
    )


@delete(
    "/v1/configs/templates/{template_name:str}",
    summary="Delete a template of this channel's WABA by name: every language of it",
    tags=["Messaging API"],
    status_code=200,
)
async def delete_template(
    request: Request[Any, Any, Any], template_name: FromPath[str]
) -> wire_templates.CloudSuccess:
    principal = await channel_principal(request)
    async with app_state(request).uow() as uow:
        waba = await uow.clients.get_waba(principal.partner_id, principal.waba_account_id)
        if waba is None:
            raise NotFound("WABA account not found")
        await template_services.delete_for_waba(uow, waba, template_name)
    return wire_templates.CloudSuccess(success=True)


# Multiple webhooks per number (issue 17 item 5) --------------------------------------------


def _destinations_of(body: wire.MultiWebhookIn) -> list[multi_webhook.DestinationIn] | None:
    """The body's ``destinations``, or the one destination given at the top level."""
    if not isinstance(body.destinations, msgspec.UnsetType):
        if not isinstance(body.name, msgspec.UnsetType):
            raise invalid_parameter("name", "give either destinations or one destination")
        return [multi_webhook.DestinationIn(d.name, d.url, d.headers) for d in body.destinations]
    if isinstance(body.name, msgspec.UnsetType):
        return None
    url = None if isinstance(body.url, msgspec.UnsetType) else body.url
    headers = None if isinstance(body.headers, msgspec.UnsetType) else body.headers
    return [multi_webhook.DestinationIn(body.name, url, headers)]


@get("/multi_webhook", summary="The number's extra webhooks", tags=["Messaging API"])
async def get_multi_webhook(request: Request[Any, Any, Any]) -> wire.MultiWebhook:
    principal = await channel_principal(request)
    async with app_state(request).uow() as uow:
        channel = await multi_webhook.get(uow, principal)
    return presenters.multi_webhook(channel)


@post(
    "/multi_webhook",
    summary="Enable or disable the extra webhooks; with destinations, set them (at most 3)",
    tags=["Messaging API"],
    status_code=200,
)
@documents_body(wire.MultiWebhookIn)
async def enable_multi_webhook(request: Request[Any, Any, Any]) -> wire.MultiWebhookChanged:
    principal = await channel_principal(request)
    body = await read_body(request, wire.MultiWebhookIn)
    if isinstance(body.enabled, msgspec.UnsetType):
        raise invalid_parameter("enabled", "is required")
    state = app_state(request)
    async with state.uow() as uow:
        channel = await multi_webhook.enable(
            uow,
            state.clock,
            principal,
            body.enabled,
            _destinations_of(body),
            hub_mode=state.policy.ssrf_rules,
        )
    word = "enabled" if channel.multi_webhook_enabled else "disabled"
    return presenters.multi_webhook_changed(channel, f"Multi-webhook {word}")


async def _change_multi_webhook(
    request: Request[Any, Any, Any], change: Any, message: str
) -> wire.MultiWebhookChanged:
    """PUT and PATCH: ``change`` is :func:`multi_webhook.append` or :func:`multi_webhook.update`."""
    principal = await channel_principal(request)
    body = await read_body(request, wire.MultiWebhookIn)
    state = app_state(request)
    async with state.uow() as uow:
        channel = await change(
            uow,
            state.clock,
            principal,
            _destinations_of(body) or [],
            hub_mode=state.policy.ssrf_rules,
        )
    return presenters.multi_webhook_changed(channel, message)


@put(
    "/multi_webhook",
    summary="Append destinations to the extra webhooks (names unique, at most 3 in all)",
    tags=["Messaging API"],
    status_code=200,
)
@documents_body(wire.MultiWebhookIn)
async def append_multi_webhook(request: Request[Any, Any, Any]) -> wire.MultiWebhookChanged:
    return await _change_multi_webhook(request, multi_webhook.append, "Destinations added")


@patch(
    "/multi_webhook",
    summary="Change the url and/or headers of extra webhooks found by name",
    tags=["Messaging API"],
    status_code=200,
)
@documents_body(wire.MultiWebhookIn)
async def update_multi_webhook(request: Request[Any, Any, Any]) -> wire.MultiWebhookChanged:
    return await _change_multi_webhook(request, multi_webhook.update, "Destinations updated")


@get(
    "/health_status",
    summary=(
        "Messaging health of this number, its WABA, the business and the app "
        "(AVAILABLE, LIMITED or BLOCKED, with Meta's errors)"
    ),
    tags=["Messaging API"],
)
async def health_status(request: Request[Any, Any, Any]) -> wire_health.HealthStatusResponse:
    principal = await channel_principal(request)
    state = app_state(request)
    async with state.uow() as uow:
        found = await quality.health_status(uow, state.clock, principal)
    return msgspec.convert(found, wire_health.HealthStatusResponse)


def messaging_router(*extra: Any) -> Router:
    return Router(
        path="/",
        route_handlers=[
            send_message,
            send_marketing_message,
            set_webhook,
            get_webhook,
            list_templates,
            health_status,
            create_template,
            delete_template,
            get_multi_webhook,
            enable_multi_webhook,
            append_multi_webhook,
            update_multi_webhook,
            *extra,
        ],
        dependencies=LIST_DEPENDENCIES,
        security=SECURITY,
        exception_handlers=MESSAGING_HANDLERS,
    )
