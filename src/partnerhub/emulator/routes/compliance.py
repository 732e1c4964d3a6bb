"""``/_emulator`` controls for Meta's side of compliance [ours]: decide a display-name review,
warn a WABA (``account_violation``), restrict it (``account_restriction``)."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from litestar import Request, post
from litestar.params import FromPath

from partnerhub.domain.compliance import display_names, enforcement
from partnerhub.emulator.routes.guard import guard
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body

B = TypeVar("B", bound=msgspec.Struct)


class DisplayNameDecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: str  # APPROVED | REJECTED
    reason: str | None = None


class ViolationIn(msgspec.Struct, forbid_unknown_fields=True):
    violation_type: str = "SPAM"


class RestrictionIn(msgspec.Struct, forbid_unknown_fields=True):
    """Meta's restriction types; ``duration_seconds`` defaults to one day (360dialog: "1 or
    3-day block", then "5 or 7-day block")."""

    restriction_types: list[str] = msgspec.field(
        default_factory=lambda: [enforcement.BIZ_INITIATED, enforcement.ADD_PHONE_NUMBER]
    )
    duration_seconds: float = float(enforcement.DAY)
    violation_type: str = "SPAM"


async def _body_or(request: Request[Any, Any, Any], default: B) -> B:
    """The body, or ``default`` when there is none (``{}`` is a body: the defaults too)."""
    if not (await request.body()).strip():
        return default
    return await read_body(request, type(default))


@post(
    "/channels/{channel_id:str}/display_name/decision",
    summary="Decide a number's display-name review now (approved, or rejected with a reason)",
    status_code=200,
)
@documents_body(DisplayNameDecisionIn)
async def decide_display_name(
    request: Request[Any, Any, Any], channel_id: FromPath[str]
) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, DisplayNameDecisionIn)
    state = app_state(request)
    async with state.uow() as uow:
        channel, decided = await display_names.decide(
            uow, state.clock, channel_id, body.decision, body.reason
        )
    return {"channel_id": channel.id, "phone_name": channel.phone_name, "request": decided}


@post(
    "/waba_accounts/{waba_account_id:str}/violation",
    summary="Warn a WABA for a policy violation (account_violation for each of its numbers)",
    status_code=200,
)
@documents_body(ViolationIn, required=False)
async def violate(
    request: Request[Any, Any, Any], waba_account_id: FromPath[str]
) -> dict[str, Any]:
    await guard(request)
    body = await _body_or(request, ViolationIn())
    state = app_state(request)
    async with state.uow() as uow:
        warned = await enforcement.violate(uow, state.clock, waba_account_id, body.violation_type)
    return {"waba_account_id": waba_account_id, "channels": warned}


@post(
    "/waba_accounts/{waba_account_id:str}/restriction",
    summary="Restrict a WABA for a while (account_restriction; sends refused with 131031)",
    status_code=200,
)
@documents_body(RestrictionIn, required=False)
async def restrict(
    request: Request[Any, Any, Any], waba_account_id: FromPath[str]
) -> dict[str, Any]:
    await guard(request)
    body = await _body_or(request, RestrictionIn())
    state = app_state(request)
    async with state.uow() as uow:
        waba = await enforcement.restrict(
            uow,
            state.clock,
            waba_account_id,
            body.restriction_types,
            body.duration_seconds,
            body.violation_type,
        )
    return {
        "waba_account_id": waba.id,
        "status": waba.status,
        "restriction_info": waba.restriction_info,
    }


HANDLERS = [decide_display_name, violate, restrict]
