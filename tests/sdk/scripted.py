"""A scripted ASGI app: answers the statuses a test lists, records what it was sent.

For what the real server never answers on purpose (503, 422, Graph-style errors), so the SDK's
retries and error mapping can be shown against real HTTP handling in httpx.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Scripted:
    """Answers ``script`` in order; the last entry repeats once the others are used."""

    script: list[tuple[int, dict[str, str], Any]]
    seen: list[Seen] = field(default_factory=list)

    def next_answer(self, seen: Seen) -> tuple[int, dict[str, str], bytes]:
        self.seen.append(seen)
        status, headers, body = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return status, {"content-type": "application/json", "x-request-id": "req-1", **headers}, raw

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        status, out, raw = self.next_answer(Seen(scope["method"], scope["path"], headers, body))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in out.items()],
            }
        )
        await send({"type": "http.response.body", "body": raw})


def meta(status: int, message: str) -> dict[str, Any]:
    return {
        "meta": {
            "success": False,
            "http_code": status,
            "developer_message": message,
            "details": [message],
            "360dialog_trace_id": "req-1",
        }
    }


OK_PARTNER: dict[str, Any] = {
    "id": "sdkPA",
    "brand_name": "SDK Partner",
    "logo_url": None,
    "webhook_url": None,
    "partner_redirect_url": None,
    "country": None,
    "allow_client_to_add_phone_no": True,
    "settings": None,
    "billing_system": "tiered",
    "payment_required": False,
    "payment_plan": {},
    "onboarding_deeplink_add_params": False,
    "blocked_new_submission": False,
    "publishable_key": None,
}
