"""Multiple webhooks per number (issue 17 item 5) over real HTTP, with real receivers: the
``/multi_webhook`` operations and their refusals in Meta's Graph shape, copies sent only after
the main webhook answered 2xx, each destination retried on its own, and the delivery log."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from partnerhub import webhooks
from partnerhub.client import AsyncMessagingClient, MessagingClient, ValidationError, models
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.clock import advance
from tests.helpers.messaging import generate, inbound, keys_path, ready_channel, running_channel
from tests.integration.hub_helpers import log_in
from tests.integration.live_http import over_http
from tests.receiver import Receiver, serve_receiver

Client = httpx.AsyncClient
PATH = "/multi_webhook"


@pytest.fixture
async def http(app: Litestar, client: Client) -> AsyncIterator[Client]:
    """The app behind a real socket (``client`` runs its lifespan, and so its worker)."""
    async with over_http(app) as live:
        yield live


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    """Three more receivers, one per destination."""
    made = [serve_receiver() for _ in range(3)]
    try:
        yield [next(gen) for gen in made]
    finally:
        for gen in made:
            gen.close()


def dest(name: str, receiver: Receiver, **headers: str) -> dict[str, Any]:
    return {"name": name, "url": receiver.url, "headers": headers}


def graph_error(response: httpx.Response, status: int, code: int = 100) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    assert error["type"] and error["message"] and error["fbtrace_id"]
    return error


async def test_set_get_append_update_over_http(
    http: Client, partner: PartnerCreds, receiver: Receiver, receivers: list[Receiver]
) -> None:
    _, key = await ready_channel(http, partner, receiver)
    a, b, c = receivers

    empty = await http.get(PATH, headers=key)
    assert empty.status_code == 200, empty.text
    assert empty.json() == {"enabled": False, "destinations": []}

    # PUT and PATCH need the feature enabled first (POST).
    early = await http.put(PATH, headers=key, json={"destinations": [dest("a", a)]})
    assert "POST" in json.dumps(graph_error(early, 400))

    made = await http.post(
        PATH,
        headers=key,
        json={
            "enabled": True,
            "destinations": [dest("a", a, Authorization="Basic eA=="), dest("b", b)],
        },
    )
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["message"] == "Multi-webhook enabled" and body["enabled"] is True
    assert body["destinations"][0] == {
        "name": "a",
        "url": a.url,
        "headers": {"Authorization": "Basic eA=="},
    }

    # GET masks header values, as GET /v1/configs/webhook does.
    got = (await http.get(PATH, headers=key)).json()
    assert got["enabled"] is True
    assert [(d["name"], d["url"], d["headers"]) for d in got["destinations"]] == [
        ("a", a.url, {"Authorization": "****"}),
        ("b", b.url, {}),
    ]

    # PUT appends; a name already used is refused, and so is a fourth destination.
    added = await http.put(PATH, headers=key, json={"destinations": [dest("c", c)]})
    assert added.status_code == 200, added.text
    assert [d["name"] for d in added.json()["destinations"]] == ["a", "b", "c"]
    fourth = await http.put(PATH, headers=key, json={"name": "d", "url": a.url})
    assert "at most 3" in json.dumps(graph_error(fourth, 400))

    # PATCH changes what it is given of the named destination and keeps the rest.
    changed = await http.patch(
        PATH, headers=key, json={"name": "b", "url": c.url + "/moved", "headers": {"X-B": "1"}}
    )
    assert changed.status_code == 200, changed.text
    by_name = {d["name"]: d for d in changed.json()["destinations"]}
    assert by_name["b"] == {"name": "b", "url": c.url + "/moved", "headers": {"X-B": "1"}}
    kept = await http.patch(PATH, headers=key, json={"destinations": [{"name": "a", "url": b.url}]})
    assert {d["name"]: d for d in kept.json()["destinations"]}["a"]["headers"] == {
        "Authorization": "Basic eA=="
    }
    unknown = await http.patch(PATH, headers=key, json={"name": "zz", "url": a.url})
    graph_error(unknown, 404)

    # POST without destinations switches off and keeps the list; with them, sets it.
    off = await http.post(PATH, headers=key, json={"enabled": False})
    assert off.json()["enabled"] is False and len(off.json()["destinations"]) == 3
    reset = await http.post(PATH, headers=key, json={"enabled": True, "destinations": []})
    assert reset.json() == {"message": "Multi-webhook enabled", "enabled": True, "destinations": []}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"destinations": []}, "enabled"),  # POST: enabled is required
        ({"enabled": "yes"}, None),
        ({"enabled": True, "extra": 1}, None),
        ({"enabled": True, "destinations": [{"name": "a"}]}, "destinations[0].url"),
        ({"enabled": True, "destinations": [{"name": "a", "url": "ftp://x.example"}]}, "url"),
        ({"enabled": True, "destinations": [{"name": "a", "url": "not a url"}]}, "url"),
        ({"enabled": True, "destinations": [{"name": "", "url": "https://x.example"}]}, None),
        (
            {"enabled": True, "destinations": [{"name": "a", "url": "https://a.example"}] * 2},
            "destinations[1].name",
        ),
        (
            {
                "enabled": True,
                "destinations": [{"name": f"n{i}", "url": "https://a.example"} for i in range(4)],
            },
            "destinations",
        ),
        (
            {
                "enabled": True,
                "destinations": [
                    {"name": "a", "url": "https://a.example", "headers": {"Host": "x"}}
                ],
            },
            "headers.Host",
        ),
    ],
)
async def test_refusals_are_graph_errors_naming_the_field(
    http: Client, partner: PartnerCreds, receiver: Receiver, body: dict[str, Any], field: str | None
) -> None:
    _, key = await ready_channel(http, partner, receiver)
    refused = await http.post(PATH, headers=key, json=body)
    error = graph_error(refused, 400)
    if field is not None:
        assert field in json.dumps(error), error
    # Nothing was stored.
    assert (await http.get(PATH, headers=key)).json() == {"enabled": False, "destinations": []}


async def test_other_partners_key_and_revoked_key(
    http: Client,
    partner: PartnerCreds,
    other_partner: PartnerCreds,
    receiver: Receiver,
    receivers: list[Receiver],
) -> None:
    channel, key = await ready_channel(http, partner, receiver)
    enabled = await http.post(
        PATH, headers=key, json={"enabled": True, "destinations": [dest("a", receivers[0])]}
    )
    assert enabled.status_code == 200, enabled.text

    # Another partner's channel key reaches its own number only: it sees nothing of ours and
    # cannot change our destination.
    theirs = await running_channel(http, other_partner, number="+4915199999999")
    their_key = {
        "D360-API-KEY": (await generate(http, other_partner, theirs["channel_id"]))["api_key"]
    }
    assert (await http.get(PATH, headers=their_key)).json() == {
        "enabled": False,
        "destinations": [],
    }
    graph_error(
        await http.put(PATH, headers=their_key, json={"name": "a", "url": receiver.url}), 400
    )
    assert (await http.get(PATH, headers=key)).json()["destinations"][0]["url"] == receivers[0].url

    # No key, a made-up key, a revoked key: 401 in Meta's words.
    graph_error(await http.get(PATH), 401, 0)
    graph_error(await http.get(PATH, headers={"D360-API-KEY": "nope"}), 401, 0)
    revoked = await http.delete(keys_path(partner, channel["channel_id"]), headers=partner.headers)
    assert revoked.status_code == 200, revoked.text
    for method in ("GET", "POST", "PUT", "PATCH"):
        answer = await http.request(method, PATH, headers=key, json={"enabled": True})
        graph_error(answer, 401, 0)


def requests_of(receiver: Receiver) -> list[Any]:
    with receiver.lock:
        return list(receiver.requests)


async def test_copies_follow_the_main_webhooks_2xx_each_retried_on_its_own(
    http: Client,
    partner: PartnerCreds,
    receiver: Receiver,
    receivers: list[Receiver],
) -> None:
    channel, key = await ready_channel(http, partner, receiver)
    rotated = await http.post(
        f"/api/v2/partners/{partner.partner_id}/platform_secret", headers=partner.headers
    )
    secret = rotated.json()["platform_secret"]
    a, b, c = receivers
    made = await http.post(
        PATH,
        headers=key,
        json={
            "enabled": True,
            "destinations": [dest("a", a, **{"X-Dest": "a"}), dest("b", b), dest("c", c)],
        },
    )
    assert made.status_code == 200, made.text

    # The main webhook fails first: no copy goes anywhere until it answers 2xx.
    receiver.script = [500]
    b.script = [503]  # and destination b fails once
    await inbound(http, channel["channel_id"], "first")
    await advance(http, 0)
    receiver.wait_for(1)
    assert [len(requests_of(r)) for r in receivers] == [0, 0, 0]

    await advance(http, 5)  # the main webhook's retry is due: it answers 200 now
    (_, main) = receiver.wait_for(2)
    got_a, got_c = a.wait_for(1)[0], c.wait_for(1)[0]
    failed_b = b.wait_for(1)[0]
    for copy in (got_a, got_c, failed_b):
        assert copy.body == main.body  # the same Cloud API body
        assert copy.headers["webhook-id"] == main.headers["webhook-id"]
        # Signed as the main one is (same headers, each valid for the partner's secret).
        signed = {k for k in main.headers if "signature" in k}
        assert signed and signed == {k for k in copy.headers if "signature" in k}
        for request in (main, copy):
            webhooks.verify(request.body, request.headers, secret)
    assert got_a.headers["x-dest"] == "a"
    assert "x-dest" not in got_c.headers
    assert json.loads(main.body)["entry"][0]["changes"][0]["value"]["messages"][0]["text"] == {
        "body": "first"
    }

    # b's failure delays neither the main webhook nor the others: a second message reaches
    # main, a and c while b still waits for its retry.
    await inbound(http, channel["channel_id"], "second")
    await advance(http, 0)
    receiver.wait_for(3)
    a.wait_for(2)
    c.wait_for(2)
    assert len(requests_of(b)) in (1, 2)  # the second message's copy to b may have gone

    await advance(http, 5)  # b's retry of the first message
    b.wait_for(3 if len(requests_of(b)) >= 2 else 2)
    texts_b = {
        json.loads(r.body)["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"]
        for r in requests_of(b)
    }
    assert texts_b == {"first", "second"}

    # The Partner API's delivery log: one delivery per destination, labelled by its name.
    listed = await http.get(
        f"/api/v2/partners/{partner.partner_id}/webhook_deliveries",
        headers=partner.headers,
        params={"limit": 50},
    )
    assert listed.status_code == 200, listed.text
    rows = listed.json()["webhook_deliveries"]
    by_destination: dict[str | None, list[dict[str, Any]]] = {}
    for row in rows:
        by_destination.setdefault(row["destination"], []).append(row)
    assert sorted(k or "" for k in by_destination) == ["", "a", "b", "c"]
    assert all(r["status"] == "delivered" for r in rows)
    b_first = [r for r in by_destination["b"] if r["attempt_count"] == 2]
    assert len(b_first) == 1
    assert [x["status_code"] for x in b_first[0]["attempts"]] == [503, 200]
    main_first = [r for r in by_destination[None] if r["event_id"] == b_first[0]["event_id"]]
    assert [x["status_code"] for x in main_first[0]["attempts"]] == [500, 200]

    only_b = await http.get(
        f"/api/v2/partners/{partner.partner_id}/webhook_deliveries",
        headers=partner.headers,
        params={"filters": json.dumps({"destination": "b"})},
    )
    assert only_b.status_code == 200, only_b.text
    assert {r["destination"] for r in only_b.json()["webhook_deliveries"]} == {"b"}
    assert only_b.json()["total"] == 2

    # The dashboard's delivery log names the destination of each copy.
    logged_in = await log_in(http, partner.email, partner.password)
    assert logged_in.status_code in (302, 303), logged_in.text
    page = await http.get("/hub/deliveries")
    assert page.status_code == 200
    for name in ("a", "b", "c"):
        assert f"→ {name}</span>" in page.text
    one = await http.get(f"/hub/deliveries/{b_first[0]['id']}")
    assert "multi-webhook <code>b</code>" in one.text


async def test_disabled_or_removed_destinations_get_no_copies(
    http: Client, partner: PartnerCreds, receiver: Receiver, receivers: list[Receiver]
) -> None:
    channel, key = await ready_channel(http, partner, receiver)
    a = receivers[0]
    await http.post(PATH, headers=key, json={"enabled": False, "destinations": [dest("a", a)]})
    await inbound(http, channel["channel_id"])
    await advance(http, 0)
    receiver.wait_for(1)
    await advance(http, 0)
    assert requests_of(a) == []
    # Enabled again: the next message is copied.
    await http.post(PATH, headers=key, json={"enabled": True})
    await inbound(http, channel["channel_id"])
    await advance(http, 0)
    receiver.wait_for(2)
    a.wait_for(1)


async def test_sdk_async_and_sync_twins(
    http: Client, partner: PartnerCreds, receiver: Receiver, receivers: list[Receiver]
) -> None:
    _, key = await ready_channel(http, partner, receiver)
    a, b, c = receivers
    base_url = str(http.base_url)
    async with AsyncMessagingClient(key["D360-API-KEY"], base_url=base_url) as sdk:
        assert (await sdk.multi_webhook.get()).enabled is False
        made = await sdk.multi_webhook.set(
            True, [models.WebhookDestination(name="a", url=a.url, headers={"X-A": "1"})]
        )
        assert made.enabled and made.message and [d.name for d in made.destinations] == ["a"]
        added = await sdk.multi_webhook.append([{"name": "b", "url": b.url}])
        assert [d.url for d in added.destinations] == [a.url, b.url]
        changed = await sdk.multi_webhook.update([models.WebhookDestination(name="b", url=c.url)])
        assert changed.destinations[1].url == c.url and changed.destinations[0].headers == {
            "X-A": "1"
        }
        with pytest.raises(ValidationError) as refused:
            await sdk.multi_webhook.append(
                [{"name": n, "url": a.url} for n in ("x", "y")]  # four in all
            )
        assert refused.value.error is not None and refused.value.error["code"] == 100

    def sync_walk() -> models.MultiWebhookConfig:
        with MessagingClient(key["D360-API-KEY"], base_url=base_url) as sdk:
            sdk.multi_webhook.set(False)
            return sdk.multi_webhook.get()

    got = await asyncio.to_thread(sync_walk)
    assert got.enabled is False
    assert [(d.name, d.headers) for d in got.destinations] == [("a", {"X-A": "****"}), ("b", {})]


async def test_world_export_and_seed_carry_the_destinations(
    http: Client, partner: PartnerCreds, receiver: Receiver, receivers: list[Receiver]
) -> None:
    _, key = await ready_channel(http, partner, receiver)
    a, b, _ = receivers
    secret_header = {"Authorization": "Bearer dest-secret-1"}
    await http.post(
        PATH, headers=key, json={"enabled": True, "destinations": [dest("a", a, **secret_header)]}
    )
    await http.put(PATH, headers=key, json={"name": "b", "url": b.url})
    before = (await http.get(PATH, headers=key)).json()

    exported = await http.get("/_emulator/state", headers=EMULATOR)
    assert exported.status_code == 200, exported.text
    assert "dest-secret-1" not in exported.text  # headers travel sealed
    (channel,) = [c for c in exported.json()["channels"] if c.get("multi_webhook_destinations")]
    assert channel["multi_webhook_enabled"] is True
    assert [d["name"] for d in channel["multi_webhook_destinations"]] == ["a", "b"]

    seeded = await http.post("/_emulator/seed", headers=EMULATOR, json=exported.json())
    assert seeded.status_code == 200, seeded.text
    assert (await http.get(PATH, headers=key)).json() == before
    # The headers came back whole: the next copy carries them.
    await inbound(http, channel["id"])
    await advance(http, 0)
    assert a.wait_for(1)[0].headers["authorization"] == "Bearer dest-secret-1"

    # A hand-written seed is held to the API's limits.
    four = [{"name": f"n{i}", "url": a.url} for i in range(4)]
    bad = {**exported.json()}
    bad["channels"] = [{**channel, "multi_webhook_destinations": four}]
    refused = await http.post("/_emulator/seed", headers=EMULATOR, json=bad)
    assert refused.status_code == 400, refused.text
    assert "multi_webhook_destinations" in refused.text


async def arrived(receiver: Receiver, count: int, within: float) -> None:
    """Wait without blocking the event loop (the app's worker runs in it)."""
    deadline = time.monotonic() + within
    while len(requests_of(receiver)) < count:
        assert time.monotonic() < deadline, f"{len(requests_of(receiver))} requests, not {count}"
        await asyncio.sleep(0.02)


async def test_a_hanging_destination_holds_back_neither_main_nor_the_others(
    http: Client, partner: PartnerCreds, receiver: Receiver, receivers: list[Receiver]
) -> None:
    """The worker's own loop (no clock jump): while destination a takes 3 s to answer, the next
    message reaches the main webhook and destination b at once."""
    channel, key = await ready_channel(http, partner, receiver)
    a, b, _ = receivers
    await http.post(
        PATH, headers=key, json={"enabled": True, "destinations": [dest("a", a), dest("b", b)]}
    )
    a.delay_seconds = 3.0
    await inbound(http, channel["channel_id"], "one")
    await arrived(a, 1, within=10)  # a has the first copy and sits on it
    started = time.monotonic()
    await inbound(http, channel["channel_id"], "two")
    await arrived(receiver, 2, within=2.5)
    await arrived(b, 2, within=2.5)
    assert time.monotonic() - started < 2.5
    await arrived(a, 2, within=10)  # and a gets the second one too, once free
