"""``/api/v2/partners/{partner_id}/users`` [ours]: a partner's users, their passwords and logins.

Any credential of the partner may list its users, end their logins and disable or enable them
(partner staff are peers: there are no roles); a password change always needs the user's
current password. ``me`` in place of a user id is the user behind the calling bearer token.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, patch, post
from litestar.params import FromPath

from partnerhub.domain.auth import users as services
from partnerhub.domain.clock import isoformat
from partnerhub.domain.partners.model import PartnerUser
from partnerhub.server.addresses import client_address
from partnerhub.server.auth import app_state, require_partner
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body
from partnerhub.wire import users as wire

_ME = "Use `me` for the user behind the calling bearer token."


def present(user: PartnerUser) -> wire.User:
    return wire.User(
        id=user.id,
        email=user.email,
        created_at=isoformat(user.created_at) or "",
        disabled=user.disabled_at is not None,
        disabled_at=isoformat(user.disabled_at),
    )


def present_revoked(revoked: services.LoginsRevoked) -> wire.LoginsRevoked:
    return wire.LoginsRevoked(
        revoked_token_families=revoked.token_families,
        revoked_dashboard_sessions=revoked.dashboard_sessions,
    )


@get("/users", summary="List the partner's users (never a password)", tags=["Users"])
async def list_users(request: Request[Any, Any, Any], partner_id: FromPath[str]) -> wire.UserList:
    await require_partner(request, partner_id)
    async with app_state(request).uow() as uow:
        found = await services.users_of(uow, partner_id)
    return wire.UserList(total=len(found), users=[present(u) for u in found])


@get("/users/{user_id:str}", summary="One user", description=_ME, tags=["Users"])
async def get_user(
    request: Request[Any, Any, Any], partner_id: FromPath[str], user_id: FromPath[str]
) -> wire.User:
    caller = await require_partner(request, partner_id)
    async with app_state(request).uow() as uow:
        user = await services.resolve_user(uow, partner_id, user_id, caller)
    return present(user)


@patch(
    "/users/{user_id:str}",
    summary="Disable or enable a user",
    description="Disabling ends every login of the user (token families and dashboard "
    "sessions) and refuses new ones until the user is enabled again. " + _ME,
    tags=["Users"],
)
@documents_body(wire.UserPatch)
async def update_user(
    request: Request[Any, Any, Any], partner_id: FromPath[str], user_id: FromPath[str]
) -> wire.User:
    caller = await require_partner(request, partner_id)
    body = await read_body(request, wire.UserPatch)
    state = app_state(request)
    async with state.uow() as uow:
        user = await services.resolve_user(uow, partner_id, user_id, caller)
        await services.set_disabled(uow, state.clock, user, body.disabled)
    return present(user)


@post(
    "/users/{user_id:str}/password",
    summary="Change a user's password (the current one is required)",
    description="Ends every login of the user, the calling one included: sign in again with "
    "the new password. " + _ME,
    tags=["Users"],
    status_code=200,
)
@documents_body(wire.PasswordChange)
async def change_password(
    request: Request[Any, Any, Any], partner_id: FromPath[str], user_id: FromPath[str]
) -> wire.LoginsRevoked:
    caller = await require_partner(request, partner_id)
    body = await read_body(request, wire.PasswordChange)
    state = app_state(request)
    async with state.uow() as uow:
        user = await services.resolve_user(uow, partner_id, user_id, caller)
        revoked = await services.change_password(
            uow,
            state.clock,
            state.password_guard,
            user,
            body.current_password,
            body.new_password,
            client_address(request, state.settings.trusted_proxies),
        )
    return present_revoked(revoked)


@post(
    "/users/{user_id:str}/revoke_sessions",
    summary="End every login of a user (token families and dashboard sessions)",
    description="Refresh tokens and access tokens of every token family stop working at once; "
    "dashboard sessions end. The password is unchanged. " + _ME,
    tags=["Users"],
    status_code=200,
)
async def revoke_sessions(
    request: Request[Any, Any, Any], partner_id: FromPath[str], user_id: FromPath[str]
) -> wire.LoginsRevoked:
    caller = await require_partner(request, partner_id)
    state = app_state(request)
    async with state.uow() as uow:
        user = await services.resolve_user(uow, partner_id, user_id, caller)
        revoked = await services.revoke_user_logins(uow, state.clock, user)
    return present_revoked(revoked)


HANDLERS = [list_users, get_user, update_user, change_password, revoke_sessions]
