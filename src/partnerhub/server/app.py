"""The Litestar application factory.

``create_app(settings)`` builds the core app (hub and emulator share it) with what an
:class:`~partnerhub.server.extensions.Extension` adds; its lifespan opens the database (and,
when asked, migrates it), and closes everything on shutdown. No module-level app or settings.
The composition root that picks the extension for the mode is :mod:`partnerhub.app`.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar

from partnerhub.adapters import db
from partnerhub.domain.clock import Clock
from partnerhub.server import openapi
from partnerhub.server.errors.registry import APP_HANDLERS, HUB_HANDLERS
from partnerhub.server.extensions import CORE_ONLY, Extension
from partnerhub.server.fastpath import HOT_ROUTES, STREAMED_ROUTES, HotPaths
from partnerhub.server.idempotency import IdempotencyMiddleware
from partnerhub.server.middleware import (
    RequestIdMiddleware,
    configure_logging,
    flush_access_log,
)
from partnerhub.server.pages import onboarding
from partnerhub.server.pages.hub import hub_router
from partnerhub.server.policy import ModePolicy
from partnerhub.server.routes import (
    api_keys,
    billing,
    business_encryption,
    business_profile,
    channel_keys,
    clients,
    coexistence,
    compliance,
    flows,
    health,
    media,
    messaging,
    messaging_flows,
    migration,
    partner_changes,
    partners,
    templates,
    token,
    users,
    webhooks,
)
from partnerhub.server.settings import Settings
from partnerhub.server.state import build_state


def create_app(
    settings: Settings | None = None,
    *,
    migrate_on_start: bool = True,
    clock: Clock | None = None,
    policy: ModePolicy | None = None,
    extension: Extension = CORE_ONLY,
) -> Litestar:
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        state = build_state(settings, clock, policy=policy, hooks=extension.hooks)
        try:
            if migrate_on_start:
                await db.when_reachable(
                    state.start_on_database, settings.database_startup_wait_seconds
                )
                if settings.embedded_worker:
                    state.worker.start()
            state.start_cache_listener()
            app.state.partnerhub = state
            # Everything built so far lives as long as the process: keep the cyclic GC from
            # rescanning it on every collection (a measurable share of a cache-hit request).
            gc.collect()
            gc.freeze()
            yield
        finally:
            await state.close()
            flush_access_log()

    app = Litestar(
        route_handlers=[
            token.token,
            partners.partner_router(
                *api_keys.HANDLERS,
                *webhooks.HANDLERS,
                *clients.HANDLERS,
                *billing.HANDLERS,
                *channel_keys.HANDLERS,
                *templates.HANDLERS,
                *flows.HANDLERS,
                *users.HANDLERS,
                *migration.HANDLERS,
                *partner_changes.HANDLERS,
                *compliance.HANDLERS,
            ),
            messaging.messaging_router(
                *business_profile.HANDLERS,
                *media.HANDLERS,
                *business_encryption.HANDLERS,
                *messaging_flows.HANDLERS,
                *coexistence.HANDLERS,
            ),
            *extension.route_handlers,
            *onboarding.HANDLERS,
            hub_router(HUB_HANDLERS),
            *health.HANDLERS,
            *openapi.HANDLERS,
        ],
        lifespan=[lifespan],
        exception_handlers=APP_HANDLERS,
        openapi_config=openapi.openapi_config(),
        request_max_body_size=settings.max_body_bytes,
        logging_config=None,
        debug=False,
    )
    # Wrapped around the whole ASGI handler, not registered as route middleware, so that even
    # 404 and 405 answers (which match no route) carry a request id and an access log line.
    # HotPaths answers what partners send at volume or in bulk below the framework
    # (server/fastpath: POST /messages, GET partner, POST /media streamed to storage); every
    # other request goes on through.
    routed = IdempotencyMiddleware(app.asgi_handler)
    hot = HotPaths(routed, HOT_ROUTES if settings.hot_paths else STREAMED_ROUTES)
    app.asgi_handler = RequestIdMiddleware(hot)
    return app
