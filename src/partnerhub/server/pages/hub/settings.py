"""``/hub/settings``: integration settings — webhook URL and headers, redirect URL, platform
secret (every partner has one; shown on a POST, never on a GET page or in a URL; regenerated with
a grace period for the old one), IO signature, and a test event whose delivery result is shown
inline.

Every change goes through the services the Partner API uses (``set_webhook``,
``update_partner``, ``regenerate_platform_secret``, ``set_io_signature``,
``send_test_events``), so the same URL, header and SSRF rules apply and the same events follow.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from litestar import Request, Response, get, post

from partnerhub.domain.errors import Conflict, InvalidInput
from partnerhub.domain.partners import services as partners
from partnerhub.domain.webhooks import services as webhooks
from partnerhub.domain.webhooks import signing
from partnerhub.domain.webhooks.model import Delivery, DeliveryAttempt, DeliveryStatus
from partnerhub.server.pages.hub.web import Hub, posted_form, render, signed_in

# How long "Send test event" waits for the delivery engine before showing what it has.
TEST_WAIT_SECONDS = 5.0

# What the page shows in place of a saved header value. Header values are often a receiver's
# credentials (``Authorization: Bearer …``): they are write-only here, as on the Messaging API's
# ``GET /v1/configs/webhook``. Sent back unchanged, the mask keeps the saved value.
MASK = "****"


def parse_headers(text: str, saved: dict[str, str] | None = None) -> dict[str, str]:
    """One ``Name: value`` per line; blank lines are skipped. A value of :data:`MASK` keeps the
    value saved under that name (so a form sent back as shown loses nothing); a line left out
    removes its header."""
    saved = saved or {}
    by_name = {name.lower(): value for name, value in saved.items()}
    headers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise InvalidInput("headers", f"line {number}: write it as Name: value")
        name, value = name.strip(), value.strip()
        if value == MASK:
            if name.lower() not in by_name:
                raise InvalidInput(
                    "headers",
                    f"line {number}: {name} has no saved value to keep; type its value "
                    f"({MASK} stands for a value already saved)",
                )
            value = by_name[name.lower()]
        headers[name] = value
    return webhooks.validate_headers(headers)


def _headers_text(headers: dict[str, str]) -> str:
    """The saved headers as the form shows them: names in clear, values masked."""
    return "\n".join(f"{name}: {MASK}" for name in headers)


async def _page(hub: Hub, status: int = 200, **context: Any) -> Response[str]:
    async with hub.state.uow() as uow:
        partner = await partners.load_partner(uow, hub.partner_id)
    form = {
        "webhook_url": partner.webhook_url or "",
        "headers": _headers_text(partner.webhook_headers or {}),
        "redirect_url": partner.partner_redirect_url or "",
    }
    form.update(context.pop("form", {}))
    now = hub.state.clock.now()
    previous_until = (
        partner.previous_platform_secret_until if signing.in_grace(partner, now) else None
    )
    grace = hub.state.settings.platform_secret_grace_seconds
    grace_text = f"{grace // 3600} hours" if grace % 3600 == 0 else f"{grace} seconds"
    return render(
        hub,
        "settings",
        "hub/settings.html",
        status,
        partner=partner,
        form=form,
        errors=context.pop("errors", {}),
        previous_until=previous_until,
        grace_text=grace_text,
        **context,
    )


def _reason(error: InvalidInput | Conflict) -> str:
    message = error.message.partition(": ")[2] if isinstance(error, InvalidInput) else error.message
    return message[:1].upper() + message[1:]


@get("/settings")
async def settings_page(request: Request[Any, Any, Any]) -> Response[str]:
    return await _page(await signed_in(request))


@post("/settings/webhook", status_code=200)
async def save_webhook(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    fields = await posted_form(request, hub)
    url, text = fields.get("webhook_url", "").strip(), fields.get("headers", "")
    state = hub.state
    try:
        async with state.uow() as uow:
            saved = await partners.load_partner(uow, hub.partner_id)
            headers = parse_headers(text, saved.webhook_headers or {})
            await webhooks.set_webhook(
                uow,
                state.clock,
                hub.partner_id,
                url or None,
                headers,
                replace_headers=True,
                hub_mode=state.policy.ssrf_rules,
            )
    except InvalidInput as invalid:
        field = "headers" if invalid.field.startswith("headers") else "webhook_url"
        return await _page(
            hub,
            400,
            form={"webhook_url": url, "headers": text},
            errors={field: _reason(invalid)},
        )
    return await _page(hub, notice="Webhook settings saved.")


@post("/settings/redirect", status_code=200)
async def save_redirect(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    fields = await posted_form(request, hub)
    url = fields.get("redirect_url", "").strip()
    try:
        async with hub.state.uow() as uow:
            await partners.update_partner(
                uow,
                hub.state.clock,
                hub.partner_id,
                partners.PartnerChanges(partner_redirect_url=url or None),
                hub_mode=hub.state.policy.ssrf_rules,
            )
    except InvalidInput as invalid:
        return await _page(
            hub, 400, form={"redirect_url": url}, errors={"redirect_url": _reason(invalid)}
        )
    return await _page(hub, notice="Redirect URL saved.")


@post("/settings/secret", status_code=200)
async def new_secret(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    await posted_form(request, hub)
    state = hub.state
    async with state.uow() as uow:
        rotated = await webhooks.regenerate_platform_secret(
            uow,
            state.clock,
            state.master_key,
            hub.partner_id,
            state.settings.platform_secret_grace_seconds,
        )
    return await _page(
        hub, platform_secret=rotated.secret, previous_valid_until=rotated.previous_valid_until
    )


@post("/settings/secret/show", status_code=200)
async def show_secret(request: Request[Any, Any, Any]) -> Response[str]:
    """The current secret, on a CSRF-checked POST (so never cached, linked or prefetched)."""
    hub = await signed_in(request)
    await posted_form(request, hub)
    async with hub.state.uow() as uow:
        secret = await webhooks.reveal_platform_secret(uow, hub.state.master_key, hub.partner_id)
    return await _page(hub, revealed_secret=secret)


@post("/settings/io_signature", status_code=200)
async def io_signature(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    fields = await posted_form(request, hub)
    enabled = fields.get("enabled") == "1"
    try:
        async with hub.state.uow() as uow:
            await partners.set_io_signature(uow, hub.state.clock, hub.partner_id, enabled)
    except Conflict as conflict:
        return await _page(hub, 409, errors={"io_signature": _reason(conflict)})
    return await _page(hub, notice=f"IO signature {'required' if enabled else 'off'}.")


async def _outcome(hub: Hub, delivery_id: str) -> tuple[Delivery, list[DeliveryAttempt]] | None:
    """The delivery once it is decided or has a finished attempt; None if it is still pending."""
    deadline = time.monotonic() + TEST_WAIT_SECONDS
    while True:
        async with hub.state.uow() as uow:
            delivery = await uow.webhooks.get_delivery(hub.partner_id, delivery_id)
            attempts = (await uow.webhooks.attempts_for([delivery_id]))[delivery_id]
        finished = [a for a in attempts if a.finished_at is not None]
        if delivery is not None and (delivery.status != DeliveryStatus.PENDING or finished):
            return delivery, finished
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(0.1)


@post("/settings/test", status_code=200)
async def send_test(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    await posted_form(request, hub)
    try:
        async with hub.state.uow() as uow:
            sent = await webhooks.send_test_events(uow, hub.state.clock, hub.partner_id)
    except InvalidInput as invalid:
        return await _page(hub, 400, errors={"test": _reason(invalid)})
    delivery_id = sent.delivery_ids[0]
    outcome = await _outcome(hub, delivery_id)
    return await _page(hub, test={"delivery_id": delivery_id, "outcome": outcome})


HANDLERS = [
    settings_page,
    save_webhook,
    save_redirect,
    new_secret,
    show_secret,
    io_signature,
    send_test,
]
