"""What every dashboard page shares: the signed-in check, CSRF on posts, rendering, errors.

Pages call :func:`signed_in` first (no session: :class:`LoginRequired`, which the router turns
into a redirect to the login page) and :func:`posted_form` for every POST (a missing or wrong
CSRF token: :class:`CsrfRejected`, a 403). Responses carry a strict Content-Security-Policy:
the pages use no inline script or style, only the two files under ``/hub/static``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie
from litestar.response import Redirect

from partnerhub.domain.hub import login
from partnerhub.domain.hub.model import SignedIn
from partnerhub.server.auth import app_state
from partnerhub.server.pages import templates
from partnerhub.server.pages.hub.present import HELPERS
from partnerhub.server.state import AppState

SESSION_COOKIE = "partnerhub_hub"
LOGIN_COOKIE = "partnerhub_hub_login"  # the login form's own CSRF token (no session yet)
CSRF_FIELD = "csrf_token"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Pages show secrets once (keys, platform secret): never keep them in any cache.
    "Cache-Control": "no-store",
}

NAV = [
    ("overview", "/hub", "Overview"),
    ("clients", "/hub/clients", "Clients & numbers"),
    ("keys", "/hub/keys", "API keys"),
    ("settings", "/hub/settings", "Integration"),
    ("deliveries", "/hub/deliveries", "Webhook deliveries"),
    ("usage", "/hub/usage", "Usage"),
    ("partner_changes", "/hub/partner_changes", "Partner changes"),
    ("account", "/hub/account", "Account"),
]


class LoginRequired(Exception):
    """No live session behind the request's cookie."""


class CsrfRejected(Exception):
    """A POST without the session's CSRF token."""


@dataclass(frozen=True)
class Hub:
    """The signed-in caller of one request."""

    state: AppState
    who: SignedIn
    secret: str
    csrf: str

    @property
    def partner_id(self) -> str:
        return self.who.partner.id


def cookie(request: Request[Any, Any, Any], key: str, value: str, max_age: int) -> Cookie:
    """HttpOnly, SameSite=Lax, scoped to /hub; Secure in hub (production) mode."""
    return Cookie(
        key=key,
        value=value,
        max_age=max_age,
        path="/hub",
        httponly=True,
        samesite="lax",
        secure=app_state(request).policy.secure_cookies,
    )


async def signed_in(request: Request[Any, Any, Any]) -> Hub:
    state = app_state(request)
    secret = request.cookies.get(SESSION_COOKIE)
    async with state.uow() as uow:
        who = await login.signed_in(uow, state.clock, secret)
    if who is None or secret is None:
        raise LoginRequired
    return Hub(state, who, secret, login.csrf_token(state.master_key, secret))


async def form_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    data = await request.form()
    return {key: str(data.get(key) or "") for key in data}


async def posted_form(request: Request[Any, Any, Any], hub: Hub) -> dict[str, str]:
    """The POSTed fields, once the CSRF token in them is the session's."""
    fields = await form_fields(request)
    if not login.csrf_valid(hub.state.master_key, hub.secret, fields.get(CSRF_FIELD)):
        raise CsrfRejected
    return fields


def html(body: str, status: int = 200, cookies: list[Cookie] | None = None) -> Response[str]:
    return Response(
        body,
        status_code=status,
        media_type=MediaType.HTML,
        headers=SECURITY_HEADERS,
        cookies=cookies or [],
    )


def render_plain(name: str, status: int = 200, **context: Any) -> Response[str]:
    return html(templates.get_template(name).render(**HELPERS, **context), status)


def render(
    hub: Hub, section: str, template: str, status: int = 200, /, **context: Any
) -> Response[str]:
    """A page inside the dashboard's frame (header, navigation, logout)."""
    body = templates.get_template(template).render(
        brand=hub.who.partner.brand_name,
        user_email=hub.who.user.email,
        partner_id=hub.partner_id,
        csrf=hub.csrf,
        nav=NAV,
        section=section,
        webhook_disabled_at=hub.who.partner.webhook_disabled_at,
        **HELPERS,
        **context,
    )
    return html(body, status)


def see_other(url: str) -> Response[Any]:
    return Redirect(url, status_code=303, headers=SECURITY_HEADERS)


def safe_next(raw: str | None) -> str:
    """Only a path inside the dashboard: never an open redirect to another site."""
    if raw and raw.startswith("/hub") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/hub"


def _login_required(request: Request[Any, Any, Any], exc: LoginRequired) -> Response[Any]:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if request.method != "GET" or target == "/hub":
        return see_other("/hub/login")
    return see_other("/hub/login?next=" + quote(target, safe=""))


def _csrf_rejected(request: Request[Any, Any, Any], exc: CsrfRejected) -> Response[Any]:
    return render_plain(
        "hub/error.html",
        403,
        title="Form expired",
        message="This form was not sent from your dashboard session (its security token is "
        "missing or out of date). Go back, reload the page and try again.",
    )


# The dashboard's own flow (sign in first, forms from its pages only); domain errors are
# rendered by partnerhub.server.errors.html (both registered by partnerhub.server.errors.registry).
PAGE_HANDLERS: Any = {
    LoginRequired: _login_required,
    CsrfRejected: _csrf_rejected,
}
