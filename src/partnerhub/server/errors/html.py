"""The pages' error renderer: an HTML page that says what is wrong, never JSON or a trace.

Two kinds of page answer errors, each with its own table of kind -> status:

- the dashboard under ``/hub`` (:func:`handle_hub_error`, registered on its router): the
  dashboard's error page with a title per kind; another partner's object is a 404 that does not
  say whether it exists, as on the API;
- the public onboarding page (:func:`refused_page`, which its handlers return): the "this link
  cannot be used" page in the partner's colours, ``Retry-After`` when a budget is spent.

Form errors (a bad phone number, a wrong password) are not rendered here: the forms show them
next to their fields, with the statuses the page handlers choose.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response

from partnerhub.domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.partners.model import Partner
from partnerhub.server.errors import meta
from partnerhub.server.pages import templates
from partnerhub.server.pages.hub.web import render_plain
from partnerhub.server.pages.page_security import onboarding_headers

# The dashboard: status and page title per kind; the first row that matches wins.
HUB_PAGES: list[tuple[type[DomainError], int, str]] = [
    (NotFound, 404, "Not found"),
    (AuthenticationFailed, 401, "Not signed in"),
    (PermissionDenied, 403, "Not allowed"),
    (Conflict, 409, "Conflict"),
    (RateLimited, 429, "Too many requests"),
    (InvalidInput, 400, "Check your input"),
]
HUB_NOT_FOUND = "There is nothing here, or it is not yours."

# The onboarding page: status per kind (a refused link is a PermissionDenied); else 400.
ONBOARDING_PAGES: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (PermissionDenied, 403),
    (RateLimited, 429),
]


def handle_hub_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if isinstance(exc, GraphError):  # only the Messaging API raises these: a bug of ours
        return meta.handle_unexpected(request, exc)
    status, title = next(
        ((s, t) for kind, s, t in HUB_PAGES if isinstance(exc, kind)), (400, "Error")
    )
    message = HUB_NOT_FOUND if status == 404 else exc.message
    return render_plain("hub/error.html", status, title=title, message=message)


def refused_page(
    exc: DomainError, brand: str = "partnerhub", partner: Partner | None = None
) -> Response[str]:
    """The onboarding page's answer when the link or the request cannot be served."""
    status = next((s for kind, s in ONBOARDING_PAGES if isinstance(exc, kind)), 400)
    html = templates.get_template("refused.html").render(
        reason=exc.message, brand=brand, partner=partner
    )
    headers = onboarding_headers(partner)
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after), **headers}
    return Response(html, status_code=status, media_type=MediaType.HTML, headers=headers)
