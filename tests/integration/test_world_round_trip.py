"""Export then seed into a fresh server: every answer a partner can read is the same (issue 19).

Property-style: a random world is built through the public API (partners, API keys, a webhook
URL with custom headers, clients onboarded through the emulator, lifecycle steps, channel keys
and their messaging webhooks, templates and an edit of an approved one, messages and their usage,
the delivery log, balance top-ups on a partner-paid and a direct-paid hub, a rotated platform
secret in its grace period, a disabled user), exported
with ``GET /_emulator/state``, seeded into another server on an empty database, and every list
and detail endpoint is compared answer for answer. The random seed is in every failure message
(``PARTNERHUB_WORLD_SEED`` replays one).

Documented differences (docs/fidelity.md, "World export"): ``last_used_at`` of keys moves as the
comparison itself uses them.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import msgspec
from litestar import Litestar

from partnerhub.app import create_app
from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from partnerhub.webhooks import verify_360dialog
from tests.conftest import EMULATOR, PG_URL, PartnerCreds, _truncate_postgres, make_partner, running
from tests.helpers.billing import make_direct_paid
from tests.helpers.clock import advance, eventually
from tests.helpers.messaging import (
    ORDER_UPDATE,
    generate,
    inbound,
    send_text,
    set_messaging_webhook,
    template_message,
)
from tests.helpers.webhooks import setup_webhook
from tests.receiver import Receiver

Client = httpx.AsyncClient
IGNORED = {"last_used_at"}


@asynccontextmanager
async def server(settings: Settings) -> AsyncIterator[tuple[Client, AppState]]:
    app: Litestar = create_app(settings, clock=VirtualClock())
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://partnerhub.test") as c:
            yield c, app.state.partnerhub


async def ok(response: Any) -> Any:
    answer = await response
    assert answer.status_code < 300, (answer.request.url, answer.text)
    return answer.json() if answer.content else None


def scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in IGNORED}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


class Built(msgspec.Struct):
    partners: list[PartnerCreds]
    channel_keys: dict[str, str]  # partner id -> a working D360-API-KEY
    webhook: dict[str, tuple[str, str]]  # partner id -> (platform secret, custom header value)
    edited: dict[str, str]  # partner id -> the path of an approved template edited today


async def build(client: Client, state: AppState, rng: random.Random, receiver: Receiver) -> Built:
    """A random world, built through the public API."""
    partners = [await make_partner(state, f"Brand{n}") for n in range(rng.randint(1, 2))]
    channel_keys: dict[str, str] = {}
    webhook: dict[str, tuple[str, str]] = {}
    edited: dict[str, str] = {}
    for n, p in enumerate(partners):
        base = f"/api/v2/partners/{p.partner_id}"
        h = p.headers
        token = f"t{rng.randrange(10**9)}"
        await setup_webhook(client, p, receiver, headers={"X-Receiver-Token": token})
        # Rotated with a grace period: the export carries both secrets and the grace's end.
        rotated = await ok(
            client.post(f"{base}/platform_secret", headers=h, json={"grace_period_seconds": 86400})
        )
        assert rotated["previous_secret_valid_until"], rotated
        webhook[p.partner_id] = (rotated["platform_secret"], token)
        if n == 0 or rng.random() < 0.5:  # a disabled user keeps its state and its dates
            users = await ok(client.get(f"{base}/users", headers=h))
            user = users["users"][0]["id"]
            await ok(client.patch(f"{base}/users/{user}", headers=h, json={"disabled": True}))
        await ok(
            client.patch(
                base,
                headers=h,
                json={"partner_redirect_url": "https://partner.example/done", "country": "DE"},
            )
        )
        for k in range(rng.randint(1, 3)):
            key = await ok(client.post(f"{base}/api_keys", headers=h, json={"name": f"k{k}"}))
            if rng.random() < 0.5:
                await ok(client.delete(f"{base}/api_keys/{key['id']}", headers=h))
        await ok(
            client.post(
                f"/_emulator/partners/{p.partner_id}/balance",
                headers=EMULATOR,
                json={"total": 50, "currency": "eur"},
            )
        )
        channels: list[tuple[str, str, str]] = []  # (client, waba, channel)
        for c in range(rng.randint(1, 3)):
            numbers = [f"+4915{rng.randrange(10**9):09d}" for _ in range(rng.randint(1, 3))]
            done = await ok(
                client.post(
                    "/_emulator/onboard",
                    headers=EMULATOR,
                    json={
                        "partner_id": p.partner_id,
                        "client": {"name": f"Client {c}", "email": f"c{c}@shop.example"},
                        "phone_numbers": numbers,
                    },
                )
            )
            channels += [
                (done["client_id"], done["waba_account_id"], ch) for ch in done["channel_ids"]
            ]
            await ok(
                client.patch(
                    f"{base}/clients/{done['client_id']}",
                    headers=h,
                    json={"partner_payload": f"crm-{rng.randrange(1000)}"},
                )
            )
        # The first number is taken to running and used on the Messaging API.
        _, waba_id, channel_id = channels[0]
        await ok(
            client.post(
                f"/_emulator/channels/{channel_id}/status",
                headers=EMULATOR,
                json={"status": "running"},
            )
        )
        key = (await generate(client, p, channel_id))["api_key"]
        if rng.random() < 0.5:  # a replaced key: the old one is revoked, listed as such
            key = (await generate(client, p, channel_id))["api_key"]
        channel_keys[p.partner_id] = key
        await set_messaging_webhook(client, key, receiver.url, headers={"X-Channel": "secret-1"})
        d360 = {"D360-API-KEY": key}
        template = await ok(client.post("/v1/configs/templates", headers=d360, json=ORDER_UPDATE))
        await ok(
            client.post(
                f"/_emulator/templates/{template['id']}/review",
                headers=EMULATOR,
                json={"status": "approved"},
            )
        )
        for _ in range(rng.randint(1, 3)):
            await ok(
                client.post(
                    "/messages", headers=d360, json=template_message("order_update", "42", "today")
                )
            )
        # An approved template edited by the partner (its author and Meta's once-a-day count
        # of approved edits travel), approved again.
        path = f"{base}/waba_accounts/{waba_id}/waba_templates/{template['id']}"
        components = [{**ORDER_UPDATE["components"][0], "text": "Order {{1}} leaves {{2}}."}]
        await ok(client.patch(path, headers=h, json={"components": components}))
        await ok(
            client.post(
                f"/_emulator/templates/{template['id']}/review",
                headers=EMULATOR,
                json={"status": "approved"},
            )
        )
        edited[p.partner_id] = path
        await inbound(client, channel_id)
        assert (await send_text(client, d360)).status_code == 200
        await ok(
            client.post(
                f"{base}/waba_accounts/{waba_id}/waba_templates",
                headers=h,
                json={**ORDER_UPDATE, "name": "reject_me" if rng.random() < 0.5 else "later"},
            )
        )
        if n == 1:  # the second hub is direct-paid: its clients' own balances are topped up
            await make_direct_paid(state, p)
            top_up = f"/_emulator/clients/{channels[0][0]}/balance"
            await ok(client.post(top_up, headers=EMULATOR, json={"total": 20}))
    # Lifecycle steps (the suite's step is 60 s) and message statuses, then the log settles.
    # (a message moves one status per step: sent, delivered -- debited --, read).
    for _ in range(rng.randint(3, 5)):
        await advance(client, 60)
    for p in partners:
        await ok(
            client.post(f"/api/v2/partners/{p.partner_id}/webhook_url/test", headers=p.headers)
        )

    async def settled() -> bool:
        for p in partners:
            pending = await ok(
                client.get(
                    f"/api/v2/partners/{p.partner_id}/webhook_deliveries",
                    headers=p.headers,
                    params={"filters": json.dumps({"status": "pending"})},
                )
            )
            if pending["total"]:
                return False
        return True

    async with asyncio.timeout(30):
        while not await settled():  # noqa: ASYNC110  (the log is in the database)
            await asyncio.sleep(0.05)
    return Built(partners, channel_keys, webhook, edited)


async def answers(client: Client, partners: list[PartnerCreds], keys: dict[str, str]) -> Any:
    """Every list and detail answer of every partner (and of its Messaging API key)."""
    seen: dict[str, Any] = {}

    async def read(path: str, headers: dict[str, str], **params: Any) -> Any:
        body = await ok(client.get(path, headers=headers, params=params))
        seen[path + ("?" + json.dumps(params, sort_keys=True) if params else "")] = body
        return body

    everything = {"limit": 1000, "sort": "created_at,id"}
    for p in partners:
        base, h = f"/api/v2/partners/{p.partner_id}", p.headers
        await read(base, h)
        await read(f"{base}/webhook_url", h)
        await read(f"{base}/balance", h)
        await read(f"{base}/api_keys", h, **everything)
        await read(f"{base}/webhook_deliveries", h, limit=1000)
        await read(f"{base}/clients", h, **everything)
        channels = await read(f"{base}/channels", h, **everything)
        wabas = set()
        for ch in channels["partner_channels"]:
            wabas.add(ch["waba_account"]["id"])
            await read(f"{base}/channels/{ch['id']}/api_keys", h)
            await read(
                f"{base}/clients/{ch['client_id']}/channels/{ch['id']}/info/usage",
                h,
                granularity="DAILY",
                start_date=0,
                end_date=4_000_000_000,
            )
        for waba in sorted(wabas):
            await read(f"{base}/waba_accounts/{waba}", h)
            await read(f"{base}/waba_accounts/{waba}/waba_templates", h, limit=1000)
        d360 = {"D360-API-KEY": keys[p.partner_id]}
        await read("/v1/configs/webhook", d360)
        await read("/v1/configs/templates", d360)
        await read(f"{base}/users", h)
    return scrub(seen)


async def client_balances(client: Client, partners: list[PartnerCreds]) -> dict[str, Any]:
    """Every client's balance report (``last_renewal`` included), read once per server: the
    endpoint allows 5 requests per 30 seconds per client."""
    seen: dict[str, Any] = {}
    for p in partners:
        base = f"/api/v2/partners/{p.partner_id}"
        clients = await ok(client.get(f"{base}/clients", headers=p.headers, params={"limit": 1000}))
        for c in clients["clients"]:
            path = f"{base}/clients/{c['id']}/info/balance"
            window = {"granularity": "day", "start_date": 0, "end_date": 4_000_000_000}
            seen[path] = await ok(client.get(path, headers=p.headers, params=window))
    return seen


async def test_export_seeds_into_a_fresh_server_answer_for_answer(
    settings: Settings, database_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    seed = int(os.environ.get("PARTNERHUB_WORLD_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    async with server(settings) as (client, state):
        built = await build(client, state, rng, receiver)
        partners, keys = built.partners, built.channel_keys
        # A quiet world: what is read and what is exported are the same moment.
        for _ in range(50):
            exported = await ok(client.get("/_emulator/state", headers=EMULATOR))
            before = await answers(client, partners, keys)
            if scrub(await ok(client.get("/_emulator/state", headers=EMULATOR))) == scrub(exported):
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError(f"the world never settled (seed {seed})")
        funds = await client_balances(client, partners)
    renewed = {path.split("/")[4] for path, f in funds.items() if f["last_renewal"]}
    assert renewed == {p.partner_id for p in partners}, (seed, funds)
    text = json.dumps(exported)
    assert exported["version"] == 2
    assert "secret-1" not in text, "a secret in clear"
    assert all(token not in text for _, token in built.webhook.values()), "a secret in clear"
    assert all(key not in text for key in keys.values())
    assert all(p.api_key not in text for p in partners)
    assert exported["webhook_deliveries"] and exported["webhook_events"], seed
    assert exported["usage_records"] and exported["messages"], seed

    # A fresh server on an empty database (the same secret key, as a team's CI would have).
    if database_url.startswith("postgresql"):
        assert PG_URL is not None
        await _truncate_postgres(PG_URL)
        fresh_url = database_url
    else:
        fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = settings.model_copy(update={"database_url": fresh_url, "data_dir": tmp_path / "b"})
    async with server(fresh) as (client, _):
        seeded = await client.post("/_emulator/seed", headers=EMULATOR, json=exported)
        assert seeded.status_code == 200, (seed, seeded.text)
        after = await answers(client, partners, keys)
        assert after.keys() == before.keys(), seed
        for path in before:
            assert after[path] == before[path], (seed, path)
        again = await ok(client.get("/_emulator/state", headers=EMULATOR))
        assert scrub(again) == scrub(exported), seed
        assert await client_balances(client, partners) == funds, seed
        # The approved edit of today counts on the seeded server: a second one is refused.
        for p in partners:
            body = {"components": [{"type": "BODY", "text": "Order {{1}}.", "example": {}}]}
            body["components"][0]["example"] = {"body_text": [["42"]]}
            again_edited = await client.patch(
                built.edited[p.partner_id], headers=p.headers, json=body
            )
            assert again_edited.status_code == 409, (seed, again_edited.text)
            assert "24 hours" in again_edited.text, seed

        # The old partner API key and channel key authenticate (used above); the custom
        # headers and the platform secret travelled too: a test event arrives with both.
        count = len(receiver.requests)
        p = partners[0]
        await ok(
            client.post(f"/api/v2/partners/{p.partner_id}/webhook_url/test", headers=p.headers)
        )
        await eventually(lambda: len(receiver.requests) > count)
        arrived = receiver.requests[-1]
        headers = {k.lower(): v for k, v in arrived.headers.items()}
        secret, token = built.webhook[p.partner_id]
        assert headers["x-receiver-token"] == token, seed
        verify_360dialog(arrived.body, headers["x-360dialog-signature"], secret)
        # Still in the rotation's grace period: signed with the new secret and the old one.
        assert len(headers["webhook-signature"].split()) == 2, seed


async def test_a_seed_without_a_channel_key_revokes_it_at_once(
    client: Client, partner: PartnerCreds
) -> None:
    """The per-process channel-key cache does not outlive a seed that dropped the key."""
    from tests.helpers.messaging import running_channel

    channel = await running_channel(client, partner)
    d360 = {"D360-API-KEY": (await generate(client, partner, channel["channel_id"]))["api_key"]}
    assert (await client.get("/v1/configs/webhook", headers=d360)).status_code == 200
    world = await ok(client.get("/_emulator/state", headers=EMULATOR))
    assert len(world["channel_api_keys"]) == 1
    assert (await client.post("/_emulator/seed", headers=EMULATOR, json=world)).status_code == 200
    assert (await client.get("/v1/configs/webhook", headers=d360)).status_code == 200
    world["channel_api_keys"] = []
    assert (await client.post("/_emulator/seed", headers=EMULATOR, json=world)).status_code == 200
    assert (await client.get("/v1/configs/webhook", headers=d360)).status_code == 401


async def test_sealed_headers_open_only_with_the_same_secret_key(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(client, partner, receiver, headers={"Authorization": "Bearer hush"})
    world = await ok(client.get("/_emulator/state", headers=EMULATOR))
    sealed = world["partners"][0]["webhook_headers_sealed"]
    assert sealed.startswith("sealed:v1:") and "hush" not in json.dumps(world)
    # Sealed by another server (another secret key): refused, naming the field, nothing changed.
    from partnerhub.domain import sealing

    world["partners"][0]["webhook_headers_sealed"] = sealing.seal("another-key", {"A": "b"})
    refused = await client.post("/_emulator/seed", headers=EMULATOR, json=world)
    assert refused.status_code == 400
    assert "partners[0].webhook_headers_sealed" in refused.text
    # Hand-written in clear: accepted, and exported sealed.
    world["partners"][0].pop("webhook_headers_sealed")
    world["partners"][0]["webhook_headers"] = {"X-Token": "clear-in-the-seed"}
    history = [k for k, v in world.items() if isinstance(v, list) and k.startswith("webhook_")]
    assert (await client.post("/_emulator/seed", headers=EMULATOR, json=world)).status_code == 200
    again = await ok(client.get("/_emulator/state", headers=EMULATOR))
    assert "clear-in-the-seed" not in json.dumps(again) and history
    await ok(
        client.post(
            f"/api/v2/partners/{partner.partner_id}/webhook_url/test", headers=partner.headers
        )
    )
    await eventually(
        lambda: any("x-token" in {k.lower() for k in r.headers} for r in receiver.requests)
    )
