"""Balances and usage of a partner, its clients and their channels (spec §4)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath, FromQuery

from partnerhub.domain.billing import queries
from partnerhub.domain.billing import services as billing
from partnerhub.domain.billing.periods import Granularity
from partnerhub.server import presenters
from partnerhub.server.auth import app_state, require_partner
from partnerhub.wire import billing as wire


@get("/balance", summary="The partner's prepaid balance", tags=["Billing"])
async def partner_balance(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> wire.Balance:
    await require_partner(request, partner_id)
    async with app_state(request).uow() as uow:
        funds = await billing.partner_balance(uow, partner_id)
    return presenters.balance(funds)


@get(
    "/clients/{client_id:str}/info/balance",
    summary="A client's balance and usage per day or month (5 requests / 30 s per client)",
    tags=["Billing"],
)
async def client_balance(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    client_id: FromPath[str],
    start_date: FromQuery[str | None] = None,
    end_date: FromQuery[str | None] = None,
    granularity: FromQuery[str | None] = None,
) -> wire.ClientBalance:
    await require_partner(request, partner_id)
    state = app_state(request)
    window = queries.parse_window(
        start_date,
        end_date,
        queries.parse_granularity(granularity, queries.CLIENT_GRANULARITIES, Granularity.MONTH),
        state.clock.now(),
    )
    async with state.uow() as uow:
        report = await billing.client_balance(
            uow,
            state.rate_limits,
            partner_id,
            client_id,
            window,
            prices=state.settings.message_prices,
        )
    return presenters.client_balance(report)


@get(
    "/clients/{client_id:str}/channels/{channel_id:str}/info/usage",
    summary="A channel's usage (Meta's pricing analytics shape)",
    tags=["Billing"],
)
async def channel_usage(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    client_id: FromPath[str],
    channel_id: FromPath[str],
    start_date: FromQuery[str | None] = None,
    end_date: FromQuery[str | None] = None,
    granularity: FromQuery[str | None] = None,
    countries: FromQuery[str | None] = None,
) -> wire.ChannelUsage:
    await require_partner(request, partner_id)
    state = app_state(request)
    window = queries.parse_window(
        start_date,
        end_date,
        queries.parse_granularity(granularity, queries.CHANNEL_GRANULARITIES, Granularity.DAY),
        state.clock.now(),
    )
    wanted = queries.parse_countries(countries)
    async with state.uow() as uow:
        report = await billing.channel_usage(uow, partner_id, client_id, channel_id, window, wanted)
    return presenters.channel_usage(report)


HANDLERS = [partner_balance, client_balance, channel_usage]
