"""Liveness, readiness and health for operators (spec §1)."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec

from partnerhub import __version__
from partnerhub.adapters import metrics, migrate
from partnerhub.adapters.retention import TableFigure
from partnerhub.domain.errors import AuthenticationFailed, NotFound
from partnerhub.server.auth import app_state


def _identity(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Which server answered: the version, the instance id ``serve`` printed and, in emulator
    mode, the data directory. Two servers on one machine (one already on the port) answer
    alike otherwise. Hub mode leaves the directory out: a public endpoint names no paths."""
    state = app_state(request)
    identity = {"version": __version__, "instance_id": state.instance_id}
    if state.policy.names_data_dir:
        identity["data_dir"] = str(state.settings.data_dir.resolve())
    return identity


@get("/livez", summary="The process is up, and which server it is", tags=["Ops"])
async def livez(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {"status": "ok", **_identity(request)}


async def _database_status(request: Request[Any, Any, Any]) -> tuple[bool, str]:
    state = app_state(request)
    try:
        revision = await migrate.current_revision(state.engine)
    except Exception as exc:  # any driver error means "not ready", never a 500
        return False, f"database unreachable: {type(exc).__name__}"
    head = migrate.head_revision()
    if revision != head:
        return False, f"database at revision {revision}, expected {head}"
    return True, f"migrated ({head})"


_UNAVAILABLE = {
    503: ResponseSpec(
        dict[str, Any],
        description="The database is unreachable or not migrated",
        generate_examples=False,
    )
}


@get("/readyz", summary="Database reachable and migrated", tags=["Ops"], responses=_UNAVAILABLE)
async def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    ok, detail = await _database_status(request)
    return Response(
        {"status": "ok" if ok else "unavailable", "database": detail, **_identity(request)},
        status_code=200 if ok else 503,
    )


@get("/healthz", summary="Health summary", tags=["Ops"], responses=_UNAVAILABLE)
async def healthz(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    ok, detail = await _database_status(request)
    state = app_state(request)
    return Response(
        {
            "status": "ok" if ok else "degraded",
            "version": __version__,
            "mode": state.settings.mode,
            "database": {"ok": ok, "detail": detail, "backend": state.engine.dialect.name},
        },
        status_code=200 if ok else 503,
    )


def _may_scrape(request: Request[Any, Any, Any]) -> None:
    """In hub mode only the holder of ``PARTNERHUB_METRICS_TOKEN`` reads ``/metrics`` (route
    names, volumes and queue depths tell an outsider how the hub is used); without a token
    configured there, the path does not exist. Emulator mode leaves it open."""
    state = app_state(request)
    if not state.policy.metrics_need_token:
        return
    settings = state.settings
    if settings.metrics_token is None:
        raise NotFound("Resource not found")
    expected = f"Bearer {settings.metrics_token.get_secret_value()}".encode()
    given = (request.headers.get("authorization") or "").encode()
    if not hmac.compare_digest(given, expected):
        raise AuthenticationFailed("Metrics need Authorization: Bearer <metrics token>")


_METRICS_REFUSALS = {
    401: ResponseSpec(
        dict[str, Any],
        description="Hub mode: missing or wrong Authorization: Bearer <metrics token>",
        generate_examples=False,
    ),
}


@get(
    "/metrics",
    summary="Prometheus metrics",
    tags=["Ops"],
    media_type=metrics.CONTENT_TYPE,
    responses=_METRICS_REFUSALS,
)
async def metrics_endpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Request counts and latencies by route, deliveries by outcome, the outbox's depth and the
    age of its oldest pending delivery (docs/operations.md says what to alert on)."""
    _may_scrape(request)
    state = app_state(request)
    try:
        depth, oldest = await metrics.queue_figures(state.sessionmaker, state.clock.now())
    except Exception:  # a scrape during a database outage still reports the counters
        depth, oldest = -1, -1.0
    sizes: list[TableFigure] = []
    if state.retention is not None:
        try:
            sizes = await state.retention.table_figures()
        except Exception:  # an outage again: the table figures are left out of this scrape
            sizes = []
    return Response(metrics.render(depth, oldest, sizes), media_type=metrics.CONTENT_TYPE)


HANDLERS = [livez, readyz, healthz, metrics_endpoint]
