"""Where errors become HTTP responses: one renderer per surface, registered once.

Each surface answers errors in its own shape, and each shape has one module that maps an error
kind to a status, headers and a body, in one table:

- :mod:`.meta` — the Partner API's ``meta`` envelope (spec §3.4), and every unrouted path that is
  not a Messaging API path;
- :mod:`.graph` — the Messaging API's Graph shape (``{"error": {"code": ...}}``), for its routes,
  its unrouted paths and the raw send path below the framework
  (:mod:`partnerhub.server.fastpath.send`);
- :mod:`.oauth` — ``POST /api/v2/token`` (RFC 6749 §5.2);
- :mod:`.html` — the dashboard under ``/hub`` and the onboarding page.

:mod:`.registry` hands each router its handlers. The domain's error tree and the surface table
are drawn in :mod:`partnerhub.domain.errors`. This module holds what every renderer shares: the
request id that traces an answer, and telling a database outage (503) from a bug (500). Nothing
ever returns a stack trace.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog
from litestar import Request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from partnerhub.adapters import db

log = structlog.get_logger("partnerhub.errors")


def request_id(request: Request[Any, Any, Any]) -> str | None:
    return scope_request_id(request.scope)


def scope_request_id(scope: Any) -> str | None:
    """The id RequestIdMiddleware gave this request (also in ``X-Request-Id``)."""
    value = scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


# Seconds a client is asked to wait while the database is unreachable (a restart or failover).
DATABASE_RETRY_AFTER = 5
DATABASE_UNAVAILABLE = "Service temporarily unavailable: the database cannot be reached; retry"
_UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database is down, restarting or locked,
    rather than that our code is wrong: such requests answer 503 + Retry-After, not 500.
    Running out of connections (pool timeout, "too many clients") counts too."""
    return db.is_out_of_connections(exc) or any(
        isinstance(seen, _UNREACHABLE)
        or (
            isinstance(seen, DBAPIError)
            and (seen.connection_invalidated or isinstance(seen, OperationalError | InterfaceError))
        )
        for seen in db.causes(exc)
    )


def log_database_unavailable(path: str, exc: BaseException) -> None:
    # One line, no traceback: during an outage every request fails the same way.
    log.warning("database_unavailable", path=path, error=type(exc).__name__)
