"""Which renderer answers the errors of which surface: registered here, once.

The app's own handlers (:data:`APP_HANDLERS`) are the Partner API's ``meta`` renderer, which also
answers every unrouted path (handing Messaging API paths to the Graph renderer, by
:func:`partnerhub.server.surfaces.surface_of`). Each other surface's router or handler takes its
handlers from here; Litestar picks the closest layer's handler for an exception's kind::

    layer                                   handlers              renderer
    the app (Partner API, emulator, ops)    APP_HANDLERS          .meta
    messaging_router()                      MESSAGING_HANDLERS    .graph
    POST /api/v2/token                      OAUTH_HANDLERS        .oauth
    hub_router(HUB_HANDLERS), by the app    HUB_HANDLERS          .html
    the onboarding page (handlers return    -                     .html.refused_page
      its refusals as pages)
    the raw send path (below Litestar)      -                     .graph.answer / .unexpected
"""

from __future__ import annotations

from typing import Any

from litestar.exceptions import HTTPException

from partnerhub.domain.auth.services import TokenGrantError
from partnerhub.domain.errors import DomainError
from partnerhub.server.errors import graph, html, meta, oauth
from partnerhub.server.pages.hub.web import PAGE_HANDLERS

APP_HANDLERS: Any = {
    DomainError: meta.handle_domain_error,
    HTTPException: meta.handle_http_exception,
    Exception: meta.handle_unexpected,
}

MESSAGING_HANDLERS: Any = {
    DomainError: graph.handle_domain,
    HTTPException: graph.handle_http,
    Exception: graph.handle_unexpected,
}

OAUTH_HANDLERS: Any = {TokenGrantError: oauth.handle_token_error}

HUB_HANDLERS: Any = {**PAGE_HANDLERS, DomainError: html.handle_hub_error}
