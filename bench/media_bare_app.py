"""The denominator of bench/media.py: a bare ASGI app that streams media bytes the minimum way.

``POST /media``: the D360-API-KEY checked against one value, the body read a chunk at a time,
hashed (SHA-256) and written to a file that is renamed into place, ``{"id"}`` answered; no
multipart parsing, framework, database or logging. ``GET /download``: the file last stored
streamed back in 256 KiB chunks. The same bytes through the same kind of work as partnerhub's
upload and download, without partnerhub.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

_KEY = os.environ["BENCH_API_KEY"].encode()
_DIR = Path(tempfile.mkdtemp(prefix="bench-media-bare-"))
_CHUNK = 256 * 1024
_stored: list[Path] = []


async def _json(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if dict(scope["headers"]).get(b"d360-api-key") != _KEY:
        await _json(send, 401, b'{"error":{"code":0}}')
        return
    if scope["method"] == "POST":
        digest = hashlib.sha256()
        partial = _DIR / f"incoming-{id(scope)}"
        with partial.open("wb") as out:
            more = True
            while more:
                message = await receive()
                chunk = message.get("body", b"")
                digest.update(chunk)
                out.write(chunk)
                more = message.get("more_body", False)
        final = _DIR / digest.hexdigest()[:16]
        partial.replace(final)
        _stored[:] = [final]
        await _json(send, 200, b'{"id":"' + final.name.encode() + b'"}')
        return
    path = _stored[0]
    size = path.stat().st_size
    headers = [(b"content-type", b"application/pdf"), (b"content-length", str(size).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
