"""A business's WhatsApp Flow endpoint for tests: a real aiohttp server on loopback, in the
test's event loop, holding the private key. It opens each request with
:mod:`partnerhub.testing.flows` (the partners' helper), keeps what it read, and answers as the
test's ``answer`` function says (an encrypted next screen by default)."""

from __future__ import annotations

import hmac
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from partnerhub.testing.flows import FlowCryptoError, decrypt_request, encrypt_response

Answer = Callable[[dict[str, Any]], dict[str, Any] | int]


def next_screen(payload: dict[str, Any]) -> dict[str, Any]:
    """What a typical endpoint answers: health, error acknowledgement, or the next screen."""
    if payload["action"] == "ping":
        return {"data": {"status": "active"}}
    if isinstance(payload.get("data"), dict) and "error" in payload["data"]:
        return {"data": {"acknowledged": True}}
    if payload["action"] == "INIT":
        return {"screen": "APPOINTMENT", "data": {"slots": ["10:00", "11:00"]}}
    return {"screen": "CONFIRM", "data": {"echo": payload.get("data", {})}}


@dataclass
class FlowEndpoint:
    private_key: rsa.RSAPrivateKey
    answer: Answer = next_screen
    app_secret: str | None = None
    encrypt: bool = True  # False: the answer in clear, as a broken endpoint might send it
    url: str = ""
    raw: list[dict[str, Any]] = field(default_factory=list)  # bodies as posted
    opened: list[dict[str, Any]] = field(default_factory=list)  # decrypted payloads
    headers: list[dict[str, str]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        data = await request.read()
        body = json.loads(data)
        self.raw.append(body)
        self.headers.append({k.lower(): v for k, v in request.headers.items()})
        if self.app_secret is not None:
            expected = "sha256=" + hmac.new(self.app_secret.encode(), data, "sha256").hexdigest()
            if not hmac.compare_digest(request.headers.get("x-hub-signature-256", ""), expected):
                return web.Response(status=432)
        try:
            opened = decrypt_request(body, self.private_key)
        except FlowCryptoError:
            return web.Response(status=421)
        self.opened.append(opened.payload)
        answer = self.answer(opened.payload)
        if isinstance(answer, int):
            return web.Response(status=answer)
        if not self.encrypt:
            return web.Response(text=json.dumps(answer), content_type="text/plain")
        text = encrypt_response(answer, opened.aes_key, opened.iv)
        return web.Response(text=text, content_type="text/plain")


@asynccontextmanager
async def serve_flow_endpoint(endpoint: FlowEndpoint) -> AsyncIterator[FlowEndpoint]:
    app = web.Application()
    app.router.add_post("/flow", endpoint.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    endpoint.url = f"http://127.0.0.1:{port}/flow"
    try:
        yield endpoint
    finally:
        await runner.cleanup()
