"""A minimal webhook receiver for the benchmark: records when each event id first arrived.

``POST /hook`` answers 200 at once; ``GET /stats`` returns the count and the first-arrival time
(UNIX seconds) of every ``webhook-id``; ``POST /reset`` forgets everything.
"""

from __future__ import annotations

import json
import time
from typing import Any

_received: dict[str, float] = {}
_count = 0
_statuses = 0  # Cloud API message statuses inside the bodies (a webhook may carry several)


async def _read_body(receive: Any) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


async def _answer(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _count, _statuses
    if scope["type"] != "http":
        return
    body = await _read_body(receive)
    if scope["method"] == "POST" and scope["path"] == "/hook":
        now = time.time()
        _count += 1
        if body.startswith(b'{"object"'):
            _statuses += body.count(b'"recipient_id"')
        for name, value in scope["headers"]:
            if name == b"webhook-id":
                _received.setdefault(value.decode(), now)
                break
        await _answer(send, 200, b"{}")
    elif scope["path"] == "/stats":
        stats = {"count": _count, "statuses": _statuses, "received": _received}
        await _answer(send, 200, json.dumps(stats).encode())
    elif scope["path"] == "/reset":
        _received.clear()
        _count = _statuses = 0
        await _answer(send, 200, b"{}")
    else:
        await _answer(send, 404, b"{}")
