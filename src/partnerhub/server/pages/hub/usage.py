"""``/hub/usage``: messages and cost per day for a client or one of its numbers, as two bar
charts drawn on the server in inline SVG (see :mod:`partnerhub.domain.hub.chart`), with the
same figures in a table underneath for screen readers and for copying."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from partnerhub.domain.billing.model import MICROS
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.hub import chart, views
from partnerhub.server.pages.hub.web import render, signed_in

PICKER_CLIENTS = 200


def _days(raw: str | None) -> int:
    try:
        return int(raw or "30")
    except ValueError:
        raise InvalidInput("days", "must be 7, 30 or 90") from None


@get("/usage")
async def usage_page(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    params = request.query_params
    # ``client`` too: the onboarding redirect and the client pages speak of ``client=<id>``.
    client_id = params.get("client_id") or params.get("client") or ""
    channel_id = params.get("channel_id") or params.get("channel") or ""
    days = _days(params.get("days"))
    now = hub.state.clock.now()
    async with hub.state.uow() as uow:
        options = await uow.hub.client_options(hub.partner_id, PICKER_CLIENTS)
        subject = ""
        if channel_id:
            channel = await views.channel_of(uow, hub.partner_id, channel_id)
            client_id = channel.client_id
            subject = f"number {channel.phone_number}"
        if not client_id and options:
            client_id = options[0][0]
        client = await views.client_of(uow, hub.partner_id, client_id) if client_id else None
        if client is not None:
            subject = f"{client.name}" + (f", {subject}" if subject else "")
            if client.id not in {option[0] for option in options}:
                options.append((client.id, client.name))
        series = (
            await views.daily_usage(uow, hub.partner_id, client_id, channel_id, now, days)
            if client is not None
            else []
        )
    labels = [day.day.strftime("%Y-%m-%d") for day in series]
    messages = chart.bar_chart(
        labels, [day.messages for day in series], "{:,.0f}", " messages", whole=True
    )
    cost = chart.bar_chart(labels, [day.cost_micros / MICROS for day in series], "{:,.2f}")
    return render(
        hub,
        "usage",
        "hub/usage.html",
        options=options,
        client_id=client_id,
        channel_id=channel_id,
        days=days,
        day_choices=views.USAGE_DAYS,
        subject=subject,
        series=series,
        messages_chart=messages,
        cost_chart=cost,
        total_messages=sum(day.messages for day in series),
        total_cost=sum(day.cost_micros for day in series),
    )


HANDLERS = [usage_page]
