"""``/hub/account``: the signed-in user changes its password or signs out everywhere else.

Through :mod:`partnerhub.domain.auth.users`, as ``/api/v2/partners/{id}/users/me/...``: the
current password is required (and wrong ones count against the login lockout), and a change
ends every token family and dashboard session of the user. This browser stays signed in on a
*new* session with a new cookie, so a copy of the old cookie is worthless.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, Response, get, post

from partnerhub.domain.auth import users
from partnerhub.domain.auth.passwords import MIN_PASSWORD_LENGTH
from partnerhub.domain.errors import InvalidInput, RateLimited
from partnerhub.domain.hub import login
from partnerhub.server.addresses import client_address
from partnerhub.server.pages.hub.web import (
    SESSION_COOKIE,
    Hub,
    cookie,
    posted_form,
    render,
    signed_in,
)

_NOTICES = {
    "password": "Your password was changed. You were signed out everywhere else.",
    "revoked": "You were signed out everywhere else.",
}


def _page(
    hub: Hub, status: int = 200, errors: dict[str, str] | None = None, notice: str | None = None
) -> Response[str]:
    return render(
        hub,
        "account",
        "hub/account.html",
        status,
        errors=errors or {},
        notice=notice,
        min_length=MIN_PASSWORD_LENGTH,
    )


@get("/account")
async def account_page(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    return _page(hub, notice=_NOTICES.get(request.query_params.get("done") or ""))


@post("/account/password", status_code=200)
async def change_password(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    fields = await posted_form(request, hub)
    new_password = fields.get("new_password", "")
    if new_password != fields.get("confirm_password", ""):
        return _page(hub, 400, {"confirm_password": "does not match the new password"})
    state = hub.state
    settings = state.settings
    try:
        async with state.uow() as uow:
            user = await users.resolve_user(uow, hub.partner_id, hub.who.user.id)
            await users.change_password(
                uow,
                state.clock,
                state.password_guard,
                user,
                fields.get("current_password", ""),
                new_password,
                client_address(request, settings.trusted_proxies),
            )
            ttl = timedelta(seconds=settings.hub_session_ttl_seconds)
            made = await users.replace_session(uow, state.clock, user, ttl)
    except InvalidInput as invalid:
        return _page(hub, 400, {invalid.field: invalid.message.partition(": ")[2]})
    except RateLimited as limited:
        locked = _page(hub, 429, {"current_password": str(limited)})
        locked.headers["Retry-After"] = str(limited.retry_after)
        return locked
    fresh = Hub(state, hub.who, made.secret, login.csrf_token(state.master_key, made.secret))
    response = _page(fresh, notice=_NOTICES["password"])
    response.cookies.append(
        cookie(request, SESSION_COOKIE, made.secret, int(settings.hub_session_ttl_seconds))
    )
    return response


@post("/account/sessions/revoke", status_code=200)
async def revoke_other_sessions(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    await posted_form(request, hub)
    state = hub.state
    async with state.uow() as uow:
        user = await users.resolve_user(uow, hub.partner_id, hub.who.user.id)
        await uow.lock_for_write()
        await users.revoke_logins(uow, state.clock, user, keep_session_id=hub.who.session.id)
        await uow.commit()
    return _page(hub, notice=_NOTICES["revoked"])


HANDLERS = [account_page, change_password, revoke_other_sessions]
