"""Serve an ASGI app from bench/ the way ``partnerhub serve`` serves partnerhub: uvicorn with
uvloop and partnerhub's coalescing httptools protocol (one write per response), warnings only,
no access log. The bare apps run here, so both sides of every ratio share the same server.

Run: ``python bench/_serve.py MODULE:APP PORT`` (bench/ is on the import path).
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from partnerhub.server.http_protocol import CoalescingHttpToolsProtocol


def main() -> None:
    app, port = sys.argv[1], int(sys.argv[2])
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http=CoalescingHttpToolsProtocol,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
