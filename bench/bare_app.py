"""The denominator: a bare ASGI app that does the minimum the real endpoint must do.

It checks the ``X-API-Key`` header against one known value and returns the same JSON body the
real ``GET /api/v2/partners/{id}`` returns, with no framework, database or logging.
"""

from __future__ import annotations

import os
from typing import Any

_KEY = os.environ["BENCH_API_KEY"].encode()
# The credential header the real endpoint reads (``X-API-Key``; ``D360-API-KEY`` for messages).
_HEADER = os.environ.get("BENCH_KEY_HEADER", "x-api-key").lower().encode()
_BODY = os.environ["BENCH_BODY"].encode()
_OK_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(_BODY)).encode()),
]
_DENIED = b'{"meta":{"success":false,"http_code":401,"developer_message":"Invalid API key"}}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    key = None
    for name, value in scope["headers"]:
        if name == _HEADER:
            key = value
            break
    if key == _KEY:
        await send({"type": "http.response.start", "status": 200, "headers": _OK_HEADERS})
        await send({"type": "http.response.body", "body": _BODY})
    else:
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": _DENIED})
