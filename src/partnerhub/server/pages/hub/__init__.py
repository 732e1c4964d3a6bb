"""The Partner Hub dashboard under ``/hub`` [ours]: server-rendered pages for partner staff.

One router holds every page; its exception handlers turn "not signed in" into a redirect to
the login page, a missing CSRF token into a 403 page and domain errors into HTML error pages
(another partner's object is a 404, as on the API), instead of the API's JSON envelope. The app
hands them in (``errors.registry.HUB_HANDLERS``): the HTML renderer draws with this package's
templates, so this package cannot import the registry without an import cycle.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from litestar import Response, Router, get
from litestar.params import FromPath

from partnerhub.server.pages.hub import (
    account,
    auth,
    clients,
    deliveries,
    keys,
    overview,
    partner_changes,
    settings,
    usage,
)

_STATIC = {
    "hub.css": "text/css; charset=utf-8",
    "hub.js": "text/javascript; charset=utf-8",
    # The onboarding page's stylesheet and the favicon both kinds of page show.
    "onboarding.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


@get("/static/{name:str}")
async def static_file(name: FromPath[str]) -> Response[bytes]:
    """The pages' stylesheets, the dashboard's one small script and the favicon, vendored in
    the package (no CDN)."""
    media_type = _STATIC.get(name)
    if media_type is None:
        return Response(b"not found", status_code=404, media_type="text/plain")
    body = resources.files("partnerhub.server.pages").joinpath("static", name).read_bytes()
    return Response(
        body,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


def hub_router(exception_handlers: Any) -> Router:
    return Router(
        path="/hub",
        route_handlers=[
            static_file,
            *auth.HANDLERS,
            *overview.HANDLERS,
            *keys.HANDLERS,
            *settings.HANDLERS,
            *clients.HANDLERS,
            *deliveries.HANDLERS,
            *usage.HANDLERS,
            *account.HANDLERS,
            *partner_changes.HANDLERS,
        ],
        exception_handlers=exception_handlers,
        include_in_schema=False,
    )
