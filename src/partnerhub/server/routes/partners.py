"""``/api/v2/partners/{partner_id}``: partner info, settings and webhook URL (spec §4, §5)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, patch, post
from litestar.params import FromPath
from msgspec import UNSET, UnsetType

from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.partners import services
from partnerhub.domain.webhooks import services as webhook_services
from partnerhub.server import presenters
from partnerhub.server.auth import app_state, require_partner, require_partner_scope
from partnerhub.server.body import read_body
from partnerhub.server.listing import LIST_DEPENDENCIES
from partnerhub.server.openapi import documents_body
from partnerhub.server.state import AppState
from partnerhub.wire import partners as wire

SECURITY: Any = [{"ApiKeyAuth": []}, {"BearerAuth": []}]


# Also answered below the framework by the hot route of the same path
# (:mod:`partnerhub.server.fastpath.partners`), through :func:`partner_view`.
PARTNER_PATH = "/api/v2/partners/{partner_id}"


async def partner_view(state: AppState, scope: Any, partner_id: str) -> wire.Partner:
    """Spec §4: the caller's own partner, from the read cache."""
    await require_partner_scope(state, scope, partner_id)
    return await state.partners.view(partner_id, presenters.partner)


@get("/", summary="Get partner info", tags=["Partner"])
async def get_partner(request: Request[Any, Any, Any], partner_id: FromPath[str]) -> wire.Partner:
    return await partner_view(app_state(request), request.scope, partner_id)


@patch("/", summary="Update partner settings", tags=["Partner"])
@documents_body(wire.PartnerPatch)
async def update_partner(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> wire.Partner:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.PartnerPatch)
    return await patch_partner(app_state(request), partner_id, body)


# Also answered below the framework by the hot route of the same path and method
# (:mod:`partnerhub.server.fastpath.partners`): the caller is checked before the body is read.
async def patch_partner(state: AppState, partner_id: str, body: wire.PartnerPatch) -> wire.Partner:
    """Spec §4: apply the fields the body sets (absent ones stay, ``null`` clears what may be
    cleared) in one unit of work, and answer the partner as it now is."""
    changes = services.PartnerChanges(
        **{
            name: getattr(body, name)
            for name in body.__struct_fields__
            if getattr(body, name) is not UNSET
        }
    )
    async with state.uow() as uow:
        partner = await services.update_partner(
            uow, state.clock, partner_id, changes, hub_mode=state.policy.ssrf_rules
        )
    return presenters.partner(partner)


@get("/webhook_url", summary="Get the partner webhook URL", tags=["Partner"])
async def get_webhook_url(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> wire.WebhookUrlOut:
    await require_partner(request, partner_id)
    partner = await app_state(request).partners.get(partner_id)
    return presenters.webhook_url(partner)


@post("/webhook_url", summary="Set the partner webhook URL", tags=["Partner"], status_code=200)
@documents_body(wire.WebhookUrlIn)
async def set_webhook_url(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> wire.Partner:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.WebhookUrlIn)
    state = app_state(request)
    async with state.uow() as uow:
        partner = await webhook_services.set_webhook(
            uow,
            state.clock,
            partner_id,
            body.webhook_url,
            None if isinstance(body.headers, UnsetType) else body.headers,
            replace_headers=not isinstance(body.headers, UnsetType),
            hub_mode=state.policy.ssrf_rules,
        )
    return presenters.partner(partner)


def _as_bool(value: bool | str) -> bool:
    if isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise InvalidInput("auto_approve", "must be a boolean")


@patch(
    "/settings/partner_change_request",
    summary="Auto-approve partner change requests",
    tags=["Partner"],
)
@documents_body(wire.PartnerChangeRequestIn)
async def set_partner_change_request(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> wire.PartnerChangeRequestOut:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.PartnerChangeRequestIn)
    state = app_state(request)
    async with state.uow() as uow:
        value = await services.set_change_request_auto_approve(
            uow, state.clock, partner_id, _as_bool(body.auto_approve)
        )
    return wire.PartnerChangeRequestOut(auto_approve=value)


@patch(
    "/settings/io_signature",
    summary="Require signed onboarding links (IO signature)",
    tags=["Partner"],
)
@documents_body(wire.IoSignatureSetting)
async def set_io_signature(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> wire.IoSignatureSetting:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.IoSignatureSetting)
    state = app_state(request)
    async with state.uow() as uow:
        enabled = await services.set_io_signature(uow, state.clock, partner_id, body.enabled)
    return wire.IoSignatureSetting(enabled=enabled)


def partner_router(*extra: Any) -> Router:
    """Everything under ``/api/v2/partners/{partner_id}``, all behind the same auth."""
    return Router(
        path="/api/v2/partners/{partner_id:str}",
        route_handlers=[
            get_partner,
            update_partner,
            get_webhook_url,
            set_webhook_url,
            set_partner_change_request,
            set_io_signature,
            *extra,
        ],
        security=SECURITY,
        dependencies=LIST_DEPENDENCIES,
    )
