"""Hostile requests, made up the same way for the abuse test and bench/abuse.py.

Each request is well addressed (a real route, with the partner's own valid credentials, so that
it gets past authentication and into the code that parses and stores) and broken in one way:
malformed JSON, huge or many headers, a 10 MB body, unusual unicode in a field, or an injection
string (SQL, template, path traversal) in a field, a filter, a sort or a path segment.
Deterministic for a given seed.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE partners; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)",
    "%' AND 1=0 UNION SELECT * FROM partner_api_keys --",
    "{{7*7}}",
    "${7*7}",
    "{% for x in ().__class__.__base__.__subclasses__() %}{{x}}{% endfor %}",
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "%00",
    "\\x00",
    "$where: '1 == 1'",
]
UNICODE = [
    "Zo\u00eb\u2019s Caf\u00e9 \u2615",
    "\u202eevil\u202c",  # right-to-left override
    "🍕" * 300,
    "e\u0301\u0301\u0301\u0301",  # stacked combining accents
    "\ufeffBOM",
    "\u0000nul",
    "\ud800",  # a lone surrogate (sent JSON-escaped)
    "\U0001d573\U0001d58a\U0001d591\U0001d591\U0001d594"  # look-alike letters,
    "\u200b" * 50,
    "Ω" * 5000,
]
MALFORMED = [
    b"{",
    b'{"name": }',
    b"[1,",
    b'{"name": "x",}',
    b"nul",
    b'{"name": NaN}',
    b'{"name": 1e999999}',
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 2000 + b"1" + b"}" * 2000,
    b"\xff\xfe\x00garbage",
    b'{"name": "\\ud800"}',
    b'{"name": "x", "name": "y"}',
]


@dataclass(frozen=True)
class Target:
    """A route to break: method, path (with real ids), and a valid body to start from."""

    method: str
    path: str
    body: dict[str, Any] | None
    headers: dict[str, str]


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # no answer at all (connection closed)

    @property
    def total(self) -> int:
        return sum(self.statuses.values()) + len(self.dropped)


def targets(
    partner_id: str, partner_key: str, channel_key: str, ids: dict[str, str]
) -> list[Target]:
    p = f"/api/v2/partners/{partner_id}"
    ph = {"X-API-Key": partner_key}
    ch = {"D360-API-KEY": channel_key}
    return [
        Target("PATCH", p, {"brand_name": "Acme", "website": "https://acme.example"}, ph),
        Target("POST", f"{p}/webhook_url", {"webhook_url": "https://acme.example/h"}, ph),
        Target("POST", f"{p}/api_keys", {"name": "abuse"}, ph),
        Target("GET", f"{p}/clients", None, ph),
        Target("GET", f"{p}/channels", None, ph),
        Target("PATCH", f"{p}/clients/{ids['client_id']}", {"max_channels": 3}, ph),
        Target(
            "POST",
            f"{p}/waba_accounts/{ids['waba_account_id']}/waba_templates",
            {
                "name": "abuse_template",
                "category": "MARKETING",
                "language": "en",
                "components": [{"type": "BODY", "text": "Hello"}],
            },
            ph,
        ),
        Target("GET", f"{p}/waba_accounts/{ids['waba_account_id']}/waba_templates", None, ph),
        Target("GET", f"{p}/webhook_deliveries", None, ph),
        Target("POST", "/api/v2/token", {"username": "x@y.example", "password": "secret"}, {}),
        Target(
            "POST",
            "/messages",
            {
                "messaging_product": "whatsapp",
                "to": "4915100000001",
                "type": "text",
                "text": {"body": "hi"},
            },
            ch,
        ),
        Target("POST", "/v1/configs/webhook", {"url": "https://acme.example/m"}, ch),
        Target("GET", "/v1/configs/templates", None, ch),
    ]


def _mutate_fields(value: Any, rng: random.Random, pool: list[str]) -> Any:
    if isinstance(value, dict):
        return {k: _mutate_fields(v, rng, pool) for k, v in value.items()}
    if isinstance(value, list):
        return [_mutate_fields(v, rng, pool) for v in value]
    return rng.choice(pool)


def _quoted(text: str) -> str:
    """Percent-encoded UTF-8, lone surrogates included (as a hostile client would send them)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def make_request(target: Target, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """One broken variant of ``target``: (kind, httpx request keyword arguments)."""
    kind = rng.choices(
        ["malformed", "unicode", "injection", "query", "path", "headers", "big_body"],
        weights=[25, 20, 20, 15, 10, 8, 2],
    )[0]
    headers = dict(target.headers)
    request: dict[str, Any] = {"method": target.method, "url": target.path, "headers": headers}
    if kind == "malformed":
        request["method"] = target.method if target.body is not None else "POST"
        request["content"] = rng.choice(MALFORMED)
        headers["Content-Type"] = "application/json"
    elif kind in ("unicode", "injection"):
        pool = UNICODE if kind == "unicode" else INJECTIONS
        body = _mutate_fields(target.body or {"name": "x"}, rng, pool)
        request["content"] = json.dumps(body).encode()  # escapes lone surrogates and NULs
        headers["Content-Type"] = "application/json"
        if target.body is None:
            request["params"] = {"filters": json.dumps({"name": rng.choice(pool)})}
    elif kind == "query":
        evil = rng.choice(INJECTIONS + UNICODE)[:1000]  # URLs stay under common limits
        request["method"] = "GET"
        params = rng.choice(
            [
                {"filters": json.dumps({"status": evil, "name": evil})},
                {"filters": evil},
                {"sort": evil},
                {"limit": evil, "offset": evil},
                {"limit": "-1", "offset": "99999999999999999999"},
                {"created_after": evil},
            ]
        )
        query = "&".join(f"{name}={_quoted(value)}" for name, value in params.items())
        request["url"] = f"{target.path}?{query}"
    elif kind == "path":
        evil = rng.choice(INJECTIONS + UNICODE).replace("\u0000", "")[:1000]
        cut = target.path.rsplit("/", 1)[0] if target.path.count("/") > 4 else target.path
        request["url"] = f"{cut}/{_quoted(evil)}"
        request["method"] = rng.choice(["GET", "DELETE", "PATCH", "POST"])
    elif kind == "headers":
        choice = rng.randrange(4)
        if choice == 0:
            headers["X-Junk"] = "a" * rng.choice([8_000, 60_000])
        elif choice == 1:
            for n in range(150):
                headers[f"X-Many-{n}"] = "v"
        elif choice == 2:
            headers["X-API-Key"] = "k" * 70_000
        else:
            headers["Content-Type"] = "application/json; charset=" + "x" * 5000
        request["content"] = json.dumps(target.body or {}).encode()
    else:  # a 10 MB body
        request["method"] = "POST" if target.method == "GET" else target.method
        request["content"] = b'{"name": "' + b"a" * (10 * 1024 * 1024) + b'"}'
        headers["Content-Type"] = "application/json"
    return kind, request


async def hammer(
    base_url: str,
    all_targets: list[Target],
    count: int,
    seed: int = 360,
    concurrency: int = 16,
    time_limit: float = 600.0,
) -> Tally:
    """Send ``count`` broken requests (bounded by ``time_limit`` seconds) and tally the answers."""
    rng = random.Random(seed)
    planned = [make_request(rng.choice(all_targets), rng) for _ in range(count)]
    tally = Tally()
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
    for item in planned:
        queue.put_nowait(item)
    deadline = time.monotonic() + time_limit
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def work(client: httpx.AsyncClient) -> None:
        while not queue.empty() and time.monotonic() < deadline:
            kind, request = queue.get_nowait()
            tally.kinds[kind] += 1
            try:
                response = await client.request(**request)
            except httpx.HTTPError as exc:
                tally.dropped.append(f"{kind} {request['method']} {request['url']}: {exc!r}")
                continue
            tally.statuses[response.status_code] += 1
            if response.status_code >= 500 or b"Traceback" in response.content:
                tally.server_errors.append(
                    f"{kind} {request['method']} {request['url']}: "
                    f"{response.status_code} {response.text[:300]}"
                )

    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        await asyncio.gather(*(work(client) for _ in range(concurrency)))
    return tally


async def latencies(
    base_url: str, partner_id: str, partner_key: str, count: int = 300
) -> list[float]:
    """Seconds per normal request (GET the partner), one after another."""
    timings = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for _ in range(count):
            started = time.perf_counter()
            response = await client.get(
                f"/api/v2/partners/{partner_id}", headers={"X-API-Key": partner_key}
            )
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return timings


def p99(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
