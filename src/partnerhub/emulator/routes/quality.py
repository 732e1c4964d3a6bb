"""``/_emulator`` controls for messaging limits and quality [ours]: set a number's quality
rating or messaging limit, and let users report its messages as spam. Each change emits the
partner webhook event ``phone_number_quality_update`` (domain/messaging/quality.py)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, post
from litestar.params import FromPath

from partnerhub.domain.messaging import quality
from partnerhub.emulator.routes.guard import guard
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body
from partnerhub.wire import health as wire


class QualityIn(msgspec.Struct, forbid_unknown_fields=True):
    quality_rating: str  # GREEN | YELLOW | RED


class LimitIn(msgspec.Struct, forbid_unknown_fields=True):
    limit: str  # TIER_50 … TIER_UNLIMITED


class SpamIn(msgspec.Struct, forbid_unknown_fields=True):
    count: int = 1


def _view(view: quality.QualityView) -> wire.QualityState:
    return wire.QualityState(
        id=view.channel_id,
        current_quality_rating=view.current_quality_rating,
        current_limit=view.current_limit,
        spam_reports=view.spam_reports,
        events=view.events,
    )


@post(
    "/channels/{channel_id:str}/quality",
    summary="Set a number's quality rating (GREEN, YELLOW, RED), with its event",
    status_code=200,
)
@documents_body(QualityIn)
async def set_quality(
    request: Request[Any, Any, Any], channel_id: FromPath[str]
) -> wire.QualityState:
    await guard(request)
    body = await read_body(request, QualityIn)
    state = app_state(request)
    async with state.uow() as uow:
        view = await quality.set_quality(uow, state.clock, channel_id, body.quality_rating)
    return _view(view)


@post(
    "/channels/{channel_id:str}/limit",
    summary="Set a number's messaging limit tier (TIER_50 … TIER_UNLIMITED), with its event",
    status_code=200,
)
@documents_body(LimitIn)
async def set_limit(
    request: Request[Any, Any, Any], channel_id: FromPath[str]
) -> wire.QualityState:
    await guard(request)
    body = await read_body(request, LimitIn)
    state = app_state(request)
    async with state.uow() as uow:
        view = await quality.set_limit(uow, state.clock, channel_id, body.limit)
    return _view(view)


@post(
    "/channels/{channel_id:str}/spam_reports",
    summary=(
        f"Users report a number's messages as spam: quality drops to YELLOW at "
        f"{quality.SPAM_YELLOW} reports, RED at {quality.SPAM_RED}"
    ),
    status_code=200,
)
@documents_body(SpamIn, required=False)
async def report_spam(
    request: Request[Any, Any, Any], channel_id: FromPath[str]
) -> wire.QualityState:
    await guard(request)
    body = await read_body(request, SpamIn) if (await request.body()).strip() else SpamIn()
    state = app_state(request)
    async with state.uow() as uow:
        view = await quality.report_spam(uow, state.clock, channel_id, body.count)
    return _view(view)


HANDLERS = [set_quality, set_limit, report_spam]
