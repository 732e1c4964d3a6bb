"""The routed twin of an app: the same app and state with the hot-path layer taken out, so a
request that a hot route would answer reaches the framework's routed handler instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from litestar import Litestar

from partnerhub.server.fastpath import HotPaths
from partnerhub.server.middleware import RequestIdMiddleware


def routed_twin(app: Litestar) -> Callable[..., Any]:
    outer = app.asgi_handler
    assert isinstance(outer, RequestIdMiddleware) and isinstance(outer.app, HotPaths)
    inner = RequestIdMiddleware(outer.app.app)

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        scope["app"] = scope["litestar_app"] = app
        scope.setdefault("state", {})
        await inner(scope, receive, send)

    return asgi


def comparable(response: httpx.Response) -> dict[str, Any]:
    """Status, headers and body, without what differs between any two answers (ids, date)."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict):
        for envelope in ("meta", "error"):
            if isinstance(body.get(envelope), dict):
                body[envelope].pop("360dialog_trace_id", None)
                body[envelope].pop("fbtrace_id", None)
    headers = {k: v for k, v in response.headers.items() if k not in ("x-request-id", "date")}
    return {"status": response.status_code, "headers": headers, "body": body}
