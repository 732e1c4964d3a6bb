"""``/hub/login`` and ``/hub/logout``: partner staff sign in with email and password.

The login form has no session yet to bind a CSRF token to, so it uses a double-submit token
instead: a random value set as an HttpOnly cookie when the form is shown and echoed in a hidden
field. A page on another site can neither read the cookie nor set it, so it cannot post a login
(which would sign the victim into the attacker's account). Lockout and sessions: see
:mod:`partnerhub.domain.hub.login`.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any

from litestar import Request, Response, get, post

from partnerhub.domain.hub import login
from partnerhub.server.addresses import client_address
from partnerhub.server.auth import app_state
from partnerhub.server.pages import templates
from partnerhub.server.pages.hub.web import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    CsrfRejected,
    cookie,
    form_fields,
    html,
    posted_form,
    safe_next,
    see_other,
    signed_in,
)


def _login_page(
    request: Request[Any, Any, Any], next_url: str, email: str, error: str | None, status: int
) -> Response[str]:
    token = secrets.token_urlsafe(24)
    body = templates.get_template("hub/login.html").render(
        csrf=token, next_url=next_url, email=email, error=error
    )
    return html(body, status, cookies=[cookie(request, LOGIN_COOKIE, token, 3600)])


@get("/login")
async def login_page(request: Request[Any, Any, Any]) -> Response[Any]:
    next_url = safe_next(request.query_params.get("next"))
    return _login_page(request, next_url, "", None, 200)


@post("/login", status_code=303)
async def login_submit(request: Request[Any, Any, Any]) -> Response[Any]:
    state = app_state(request)
    fields = await form_fields(request)
    expected = request.cookies.get(LOGIN_COOKIE) or ""
    if not expected or not hmac.compare_digest(expected, fields.get(CSRF_FIELD, "")):
        raise CsrfRejected
    settings = state.settings
    policy = login.LoginPolicy(session_ttl=timedelta(seconds=settings.hub_session_ttl_seconds))
    email = fields.get("email", "")
    next_url = safe_next(fields.get("next"))
    address = client_address(request, settings.trusted_proxies)
    try:
        async with state.uow() as uow:
            made = await login.log_in(
                uow,
                state.clock,
                state.password_guard,
                policy,
                email,
                fields.get("password", ""),
                address,
            )
    except login.LoginFailed as failed:
        page = _login_page(request, next_url, email, str(failed), 429 if failed.locked else 400)
        if failed.retry_after is not None:
            page.headers["Retry-After"] = str(failed.retry_after)
        return page
    response = see_other(next_url)
    response.cookies.append(
        cookie(request, SESSION_COOKIE, made.secret, int(settings.hub_session_ttl_seconds))
    )
    response.cookies.append(cookie(request, LOGIN_COOKIE, "", 0))
    return response


@post("/logout", status_code=303)
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    hub = await signed_in(request)
    await posted_form(request, hub)
    async with hub.state.uow() as uow:
        await login.log_out(uow, hub.state.clock, hub.secret)
    response = see_other("/hub/login")
    response.cookies.append(cookie(request, SESSION_COOKIE, "", 0))
    return response


HANDLERS = [login_page, login_submit, logout]
