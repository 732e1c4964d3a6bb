"""Retries: what is retried, how long the SDK waits, and what is never sent twice."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from partnerhub.client import (
    APIConnectionError,
    AsyncPartnerClient,
    PartnerClient,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from tests.sdk.conftest import BASE_URL
from tests.sdk.scripted import OK_PARTNER, Scripted, meta

KEY_BODY = {
    "id": "k1",
    "name": "n",
    "prefix": "ph_test_ab",
    "created_at": "2026-01-01T00:00:00Z",
    "last_used_at": None,
    "api_key": "ph_test_secret",
}


class Waits(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def hub_for(app: Scripted, waits: Waits, **kw: Any) -> AsyncPartnerClient:
    return AsyncPartnerClient(
        "sdkPA",
        api_key="k",
        base_url=BASE_URL,
        http_client=httpx.AsyncClient(transport=httpx.ASGITransport(app=app)),
        sleep=waits,
        **kw,
    )


async def test_503_then_200_is_retried_with_backoff() -> None:
    app, waits = Scripted([(503, {}, meta(503, "busy")), (200, {}, OK_PARTNER)]), Waits()
    assert (await hub_for(app, waits).partner.get()).id == "sdkPA"
    assert len(app.seen) == 2 and len(waits) == 1 and 0.25 <= waits[0] <= 0.5


async def test_429_waits_retry_after() -> None:
    app = Scripted([(429, {"retry-after": "7"}, meta(429, "slow down")), (200, {}, OK_PARTNER)])
    waits = Waits()
    await hub_for(app, waits).partner.get()
    assert waits == [7.0]


async def test_429_for_a_post_is_retried_too() -> None:
    """A rate-limited request was refused before anything happened: resending is safe."""
    app = Scripted([(429, {"retry-after": "1"}, meta(429, "slow")), (201, {}, KEY_BODY)])
    waits = Waits()
    created = await hub_for(app, waits).api_keys.create("n")
    assert created.api_key == "ph_test_secret" and waits == [1.0]


async def test_retry_after_beyond_the_cap_is_raised_at_once() -> None:
    app, waits = Scripted([(429, {"retry-after": "3600"}, meta(429, "tomorrow"))]), Waits()
    with pytest.raises(RateLimitError) as caught:
        await hub_for(app, waits).partner.get()
    assert caught.value.retry_after == 3600 and waits == [] and len(app.seen) == 1


async def test_retries_run_out() -> None:
    app, waits = Scripted([(504, {}, meta(504, "gateway timeout"))]), Waits()
    with pytest.raises(ServerError):
        await hub_for(app, waits, max_retries=3).partner.get()
    assert len(app.seen) == 4 and len(waits) == 3
    assert waits == sorted(waits)  # growing waits, up to the jitter


async def test_a_post_is_not_resent_after_a_503() -> None:
    """The first copy may have been processed: a second could create a second key."""
    app, waits = Scripted([(503, {}, meta(503, "busy")), (201, {}, KEY_BODY)]), Waits()
    with pytest.raises(ServerError):
        await hub_for(app, waits).api_keys.create("n")
    assert len(app.seen) == 1 and waits == []


async def test_a_post_with_an_idempotency_key_is_resent() -> None:
    app, waits = Scripted([(503, {}, meta(503, "busy")), (201, {}, KEY_BODY)]), Waits()
    hub = hub_for(app, waits, headers={"Idempotency-Key": "create-prod-key"})
    await hub.api_keys.create("n")
    assert len(app.seen) == 2
    assert {s.headers["idempotency-key"] for s in app.seen} == {"create-prod-key"}


class Flaky(httpx.AsyncBaseTransport):
    """Raises ``errors`` first, then passes requests to the app."""

    def __init__(self, app: Scripted, errors: list[Exception]) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.errors = errors
        self.attempts = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.errors:
            raise self.errors.pop(0)
        return await self.inner.handle_async_request(request)


def flaky_hub(transport: Flaky, waits: Waits) -> AsyncPartnerClient:
    return AsyncPartnerClient(
        "sdkPA",
        api_key="k",
        base_url=BASE_URL,
        http_client=httpx.AsyncClient(transport=transport),
        sleep=waits,
    )


async def test_connect_errors_are_retried_even_for_posts() -> None:
    """Nothing was sent when the connection failed: any method may try again."""
    transport = Flaky(Scripted([(201, {}, KEY_BODY)]), [httpx.ConnectError("refused")])
    waits = Waits()
    await flaky_hub(transport, waits).api_keys.create("n")
    assert transport.attempts == 2 and len(waits) == 1


async def test_read_timeouts_are_retried_for_gets_only() -> None:
    transport = Flaky(Scripted([(200, {}, OK_PARTNER)]), [httpx.ReadTimeout("slow")])
    await flaky_hub(transport, Waits()).partner.get()
    assert transport.attempts == 2

    transport = Flaky(Scripted([(201, {}, KEY_BODY)]), [httpx.ReadTimeout("slow")])
    with pytest.raises(APIConnectionError, match="slow"):
        await flaky_hub(transport, Waits()).api_keys.create("n")
    assert transport.attempts == 1


def test_policy_backoff_is_bounded_and_jittered() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (3, 4.0), (4, 8.0), (10, 8.0)]:
        delays = {policy.backoff(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays) and len(delays) > 1


@pytest.fixture
def flaky_http() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on loopback: 503, then 429 with Retry-After, then the partner."""
    answers = [(503, {}), (429, {"Retry-After": "2"})]
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            seen.append(self.path)
            status, headers = answers.pop(0) if answers else (200, {})
            body = httpx.Response(
                200, json=OK_PARTNER if status == 200 else meta(status, "no")
            ).content
            self.send_response(status)
            for name, value in {
                **headers,
                "Content-Type": "application/json",
                "Content-Length": str(len(body)),
            }.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_sync_client_retries_over_real_sockets(flaky_http: tuple[str, list[str]]) -> None:
    url, seen = flaky_http
    waits: list[float] = []
    with PartnerClient("sdkPA", api_key="k", base_url=url, sleep=waits.append) as hub:
        assert hub.partner.get().id == "sdkPA"
    assert seen == ["/api/v2/partners/sdkPA"] * 3
    assert len(waits) == 2 and 0.25 <= waits[0] <= 0.5 and waits[1] == 2.0


def test_sync_token_auth_refreshes_once_across_threads() -> None:
    """Threads sharing a client share one token and, when it expires, one refresh."""
    grants: list[str] = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/token":
            body = json.loads(request.content)
            with lock:
                grants.append("refresh" if "refresh_token" in body else "password")
                n = len(grants)
            return httpx.Response(
                200,
                json={
                    "access_token": f"a{n}",
                    "refresh_token": f"r{n}",
                    "token_type": "Bearer",
                    "expires_in": 86400,
                },
            )
        return httpx.Response(200, json=OK_PARTNER)

    now = [0.0]
    hub = PartnerClient(
        "sdkPA",
        username="u",
        password="p",
        base_url=BASE_URL,
        token_clock=lambda: now[0],
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    hub.partner.get()
    now[0] = 90000.0
    with ThreadPoolExecutor(8) as pool:
        assert {p.id for p in pool.map(lambda _: hub.partner.get(), range(32))} == {"sdkPA"}
    assert grants == ["password", "refresh"]
