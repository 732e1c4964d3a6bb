"""Every interactive type 360dialog documents (issue 17), over real HTTP: a valid message of
each type is accepted and its status webhook follows; Meta's limits are refused in Graph's
shape naming the field; product messages are checked against the WABA's catalog, on the raw
send path and on the framework's route alike; the user's replies (``nfm_reply``, a location)
reach the messaging webhook."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import httpx
from litestar import Litestar

from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.clock import advance
from tests.helpers.flows import published_flow
from tests.helpers.hot_paths import routed_twin
from tests.helpers.interactive import (
    interactive_of_each_type,
    interactive_send,
    product_card,
)
from tests.helpers.live_messaging import wait_until
from tests.helpers.messaging import (
    CUSTOMER,
    inbound,
    ready_channel,
    running_channel,
    wait_statuses,
)
from tests.helpers.mutation import mutate
from tests.integration.live_http import over_http
from tests.receiver import Receiver

Client = httpx.AsyncClient
PRODUCTS = [
    {"retailer_id": "sku-1", "name": "Margherita", "price": "8.50", "currency": "EUR"},
    {"retailer_id": "sku-2", "name": "Diavola", "price": "9.50", "currency": "EUR"},
    {"retailer_id": "sku-gone", "name": "Hawaii", "availability": "out of stock"},
]


async def _catalog(client: Client, channel_id: str, products: Any = PRODUCTS) -> dict[str, Any]:
    response = await client.post(
        "/_emulator/catalogs",
        headers=EMULATOR,
        json={"channel_id": channel_id, "name": "Menu", "products": products},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _refusal(response: httpx.Response) -> tuple[int, int, str]:
    error = response.json()["error"]
    assert error["type"] == "OAuthException" and error["fbtrace_id"]
    assert error["message"].startswith(f"(#{error['code']})")
    return response.status_code, error["code"], error["error_data"]["details"]


async def test_a_valid_message_of_every_type_is_accepted_and_its_status_follows(
    app: Litestar, client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    catalog = await _catalog(client, channel["channel_id"])
    each = interactive_of_each_type(catalog["id"], "sku-1")
    flow_id = await published_flow(client, partner, channel["waba_account_id"])
    each["flow"]["action"]["parameters"]["flow_id"] = flow_id
    each["product_carousel"] = {
        "type": "carousel",
        "body": {"text": "Tonight"},
        "action": {"cards": [product_card(i, catalog["id"], f"sku-{i + 1}") for i in range(2)]},
    }
    sent: dict[str, str] = {}
    async with over_http(app) as live:
        for kind, interactive in each.items():
            response = await live.post(
                "/messages", headers=key, json=interactive_send(CUSTOMER, interactive)
            )
            assert response.status_code == 200, (kind, response.text)
            body = response.json()
            assert body["contacts"] == [{"input": CUSTOMER, "wa_id": CUSTOMER}]
            sent[kind] = body["messages"][0]["id"]
    await advance(client, state.settings.message_status_seconds)
    found = wait_statuses(receiver, len(sent))
    assert {s["id"] for s in found if s["status"] == "sent"} == set(sent.values())
    async with state.uow() as uow:
        stored = await uow.messaging.get_message(sent["flow"])
    assert stored is not None
    assert stored.body["interactive"]["action"]["parameters"]["flow_cta"] == "Book now"


async def test_limits_are_refused_in_graphs_shape_naming_the_field(
    app: Litestar, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    each = interactive_of_each_type()
    too_long_cta = json.loads(json.dumps(each["flow"]))
    too_long_cta["action"]["parameters"]["flow_cta"] = "c" * 21
    one_card = {**each["carousel"], "action": {"cards": each["carousel"]["action"]["cards"][:1]}}
    no_header = {k: v for k, v in each["product_list"].items() if k != "header"}
    header_on_catalog = {**each["catalog_message"], "header": {"type": "text", "text": "x"}}
    cases = [
        (too_long_cta, 131009, "interactive.action.parameters.flow_cta: must be at most 20"),
        (one_card, 131009, "interactive.action.cards: must have at least 2"),
        (no_header, 131008, "interactive.header: is required"),
        (header_on_catalog, 131009, "interactive.header: is not allowed for catalog_message"),
    ]
    async with over_http(app) as live:
        for interactive, code, details in cases:
            response = await live.post(
                "/messages", headers=key, json=interactive_send(CUSTOMER, interactive)
            )
            status, got_code, got_details = _refusal(response)
            assert (status, got_code) == (400, code), response.text
            assert got_details.startswith(details), got_details


async def test_product_messages_are_checked_against_the_catalog_on_both_paths(
    app: Litestar, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    each = interactive_of_each_type("999999999999999", "sku-1")

    def product(catalog_id: str, sku: str) -> dict[str, Any]:
        body = json.loads(json.dumps(each["product"]))
        body["action"] = {"catalog_id": catalog_id, "product_retailer_id": sku}
        return body

    async def both(interactive: dict[str, Any]) -> tuple[httpx.Response, httpx.Response]:
        payload = interactive_send(CUSTOMER, interactive)
        fast = await live.post("/messages", headers=key, json=payload)
        framework = await routed.post("/messages", headers=key, json=payload)
        return fast, framework

    transport = httpx.ASGITransport(app=routed_twin(app))
    async with (
        over_http(app) as live,
        httpx.AsyncClient(transport=transport, base_url="http://partnerhub.test") as routed,
    ):
        # No catalog connected yet: a catalog message has nothing to show.
        for response in await both(each["catalog_message"]):
            assert _refusal(response) == (
                400,
                131009,
                "interactive.action: no catalog is connected to this WhatsApp Business Account",
            )
        catalog = await _catalog(client, channel["channel_id"])
        cid = catalog["id"]
        expectations: list[tuple[dict[str, Any], int | None, str]] = [
            (product(cid, "sku-1"), None, ""),
            # Out of stock: WhatsApp shows the product as unavailable; the send is accepted.
            (product(cid, "sku-gone"), None, ""),
            (product("123456789012345", "sku-1"), 131009, "interactive.action.catalog_id: "),
            (product(cid, "sku-404"), 131009, "interactive.action.product_retailer_id: product "),
            (each["catalog_message"], 131009, "interactive.action.parameters."),  # sku-1 is there?
        ]
        list_of_two = json.loads(json.dumps(each["product_list"]))
        list_of_two["action"]["catalog_id"] = cid
        list_of_two["action"]["sections"][0]["product_items"].append(
            {"product_retailer_id": "nope"}
        )
        expectations[4] = (
            list_of_two,
            131009,
            "interactive.action.sections[0].product_items[1].product_retailer_id: product 'nope'",
        )
        for interactive, code, details in expectations:
            fast, framework = await both(interactive)
            for response in (fast, framework):
                if code is None:
                    assert response.status_code == 200, response.text
                    assert response.json()["messages"][0]["id"].startswith("wamid.")
                else:
                    status, got_code, got_details = _refusal(response)
                    assert (status, got_code) == (400, code), response.text
                    assert got_details.startswith(details), got_details
            if code is not None:
                assert _refusal(fast) == _refusal(framework)
        # The catalog message now finds the WABA's catalog and its thumbnail product.
        catalog_message = json.loads(json.dumps(each["catalog_message"]))
        for response in await both(catalog_message):
            assert response.status_code == 200, response.text
        catalog_message["action"]["parameters"]["thumbnail_product_retailer_id"] = "ghost"
        for response in await both(catalog_message):
            assert _refusal(response)[1] == 131009


async def test_a_catalog_of_another_waba_is_refused(
    client: Client, partner: PartnerCreds, other_partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    theirs = await running_channel(client, other_partner, "+4915199999999")
    catalog = await _catalog(client, theirs["channel_id"])
    body = interactive_of_each_type(catalog["id"], "sku-1")["product"]
    response = await client.post("/messages", headers=key, json=interactive_send(CUSTOMER, body))
    assert _refusal(response)[:2] == (400, 131009)
    assert "is not connected to this WhatsApp Business Account" in _refusal(response)[2]


async def test_the_catalog_controls(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, _ = await ready_channel(client, partner, receiver)
    catalog = await _catalog(client, channel["channel_id"])
    assert catalog["id"].isdigit() and len(catalog["id"]) == 16
    assert [p["retailer_id"] for p in catalog["products"]] == ["sku-1", "sku-2", "sku-gone"]
    assert catalog["products"][2]["availability"] == "out of stock"
    again = await client.post(
        "/_emulator/catalogs", headers=EMULATOR, json={"channel_id": channel["channel_id"]}
    )
    assert again.status_code == 409, again.text
    added = await client.post(
        f"/_emulator/catalogs/{catalog['id']}/products",
        headers=EMULATOR,
        json={
            "products": [
                {"retailer_id": "sku-1", "name": "Margherita", "availability": "out of stock"}
            ]
        },
    )
    assert added.status_code == 200, added.text
    read = await client.get(f"/_emulator/catalogs/{catalog['id']}", headers=EMULATOR)
    assert read.json()["products"][0]["availability"] == "out of stock"
    bad = await client.post(
        f"/_emulator/catalogs/{catalog['id']}/products",
        headers=EMULATOR,
        json={"products": [{"retailer_id": "x", "name": "X", "availability": "maybe"}]},
    )
    assert bad.status_code == 400, bad.text
    missing = await client.get("/_emulator/catalogs/404", headers=EMULATOR)
    assert missing.status_code == 404
    unknown = await client.post(
        "/_emulator/catalogs", headers=EMULATOR, json={"channel_id": "nope"}
    )
    assert unknown.status_code == 404


async def test_the_users_replies_reach_the_webhook(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, _ = await ready_channel(client, partner, receiver)
    cid = channel["channel_id"]
    replies = [
        {
            "type": "interactive",
            "interactive": {
                "type": "nfm_reply",
                "nfm_reply": {"response_json": {"flow_token": "tok", "date": "2026-12-24"}},
            },
        },
        {
            "type": "interactive",
            "interactive": {
                "type": "nfm_reply",
                "nfm_reply": {
                    "name": "address_message",
                    "body": "Address",
                    "response_json": json.dumps({"values": {"in_pin_code": "400063"}}),
                },
            },
        },
        {"type": "location", "location": {"latitude": 19.07, "longitude": 72.87}},
        {
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": "c0-1", "title": "R1"}},
        },
    ]
    for reply in replies:
        response = await client.post(
            "/_emulator/messages/inbound",
            headers=EMULATOR,
            json={"channel_id": cid, "from": CUSTOMER, **reply},
        )
        assert response.status_code == 200, response.text
    await advance(client, 0)

    def received() -> list[dict[str, Any]]:
        found = []
        for request in receiver.requests:
            value = json.loads(request.body)["entry"][0]["changes"][0]["value"]
            found.extend(value.get("messages", []))
        return found if len(found) >= len(replies) else []

    messages = wait_until(received, "the four replies")

    def of(kind: str, name: str | None = None) -> dict[str, Any]:
        (found,) = [
            m
            for m in messages
            if m["type"] == kind
            and (name is None or m["interactive"].get("nfm_reply", {}).get("name") == name)
            and (name is not None or kind != "interactive" or "button_reply" in m["interactive"])
        ]
        return found

    flow, address = of("interactive", "flow"), of("interactive", "address_message")
    location, button = of("location"), of("interactive")
    assert flow["interactive"]["type"] == "nfm_reply"
    assert flow["interactive"]["nfm_reply"]["name"] == "flow"
    assert json.loads(flow["interactive"]["nfm_reply"]["response_json"]) == {
        "flow_token": "tok",
        "date": "2026-12-24",
    }
    assert address["interactive"]["nfm_reply"]["name"] == "address_message"
    assert json.loads(address["interactive"]["nfm_reply"]["response_json"])["values"] == {
        "in_pin_code": "400063"
    }
    assert location["location"] == {"latitude": 19.07, "longitude": 72.87}
    assert button["interactive"]["button_reply"] == {"id": "c0-1", "title": "R1"}
    bad = await client.post(
        "/_emulator/messages/inbound",
        headers=EMULATOR,
        json={
            "channel_id": cid,
            "from": CUSTOMER,
            "type": "interactive",
            "interactive": {"type": "nfm_reply", "nfm_reply": {"response_json": "[1]"}},
        },
    )
    assert bad.status_code == 400, bad.text


async def test_catalogs_travel_in_the_world_export_and_seed(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    catalog = await _catalog(client, channel["channel_id"])
    exported = (await client.get("/_emulator/state", headers=EMULATOR)).json()
    assert [c["id"] for c in exported["catalogs"]] == [catalog["id"]]
    assert {p["retailer_id"] for p in exported["catalog_products"]} == {
        "sku-1",
        "sku-2",
        "sku-gone",
    }
    bad = json.loads(json.dumps(exported))
    bad["catalog_products"][0]["catalog_id"] = "404"
    refused = await client.post("/_emulator/seed", headers=EMULATOR, json=bad)
    assert refused.status_code == 400 and "catalog_products[0].catalog_id" in refused.text
    seeded = await client.post("/_emulator/seed", headers=EMULATOR, json=exported)
    assert seeded.status_code == 200, seeded.text
    read = await client.get(f"/_emulator/catalogs/{catalog['id']}", headers=EMULATOR)
    assert read.json() == catalog
    await inbound(client, channel["channel_id"])
    body = interactive_of_each_type(catalog["id"], "sku-2")["product"]
    sent = await client.post("/messages", headers=key, json=interactive_send(CUSTOMER, body))
    assert sent.status_code == 200, sent.text


async def test_a_cart_sent_from_product_messages_is_priced_from_the_catalog(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, _ = await ready_channel(client, partner, receiver)
    catalog = await _catalog(client, channel["channel_id"])

    async def order(items: list[dict[str, Any]]) -> httpx.Response:
        return await client.post(
            "/_emulator/messages/inbound",
            headers=EMULATOR,
            json={
                "channel_id": channel["channel_id"],
                "from": CUSTOMER,
                "type": "order",
                "order": {"catalog_id": catalog["id"], "text": "Dinner", "product_items": items},
            },
        )

    sent = await order(
        [
            {"product_retailer_id": "sku-1", "quantity": 2},
            {"product_retailer_id": "sku-2", "item_price": 7.0, "currency": "EUR"},
        ]
    )
    assert sent.status_code == 200, sent.text
    await advance(client, 0)

    def received() -> list[dict[str, Any]]:
        found = []
        for request in receiver.requests:
            value = json.loads(request.body)["entry"][0]["changes"][0]["value"]
            found.extend(m for m in value.get("messages", []) if m["type"] == "order")
        return found

    (message,) = wait_until(received, "the order")
    assert message["order"] == {
        "catalog_id": catalog["id"],
        "text": "Dinner",
        "product_items": [
            {"product_retailer_id": "sku-1", "quantity": 2, "item_price": 8.5, "currency": "EUR"},
            {"product_retailer_id": "sku-2", "quantity": 1, "item_price": 7.0, "currency": "EUR"},
        ],
    }
    unknown = await order([{"product_retailer_id": "ghost"}])
    assert unknown.status_code == 400
    assert "order.product_items[0].product_retailer_id" in unknown.text


async def test_the_raw_send_path_and_the_route_answer_alike_for_every_type(
    app: Litestar, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    """Valid and hostile variants of every type: the same status, code and details from the
    raw send path (over real HTTP) and from the framework's route."""
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    catalog = await _catalog(client, channel["channel_id"])
    rng = random.Random(17)
    seeds = [
        interactive_send(CUSTOMER, b) for b in interactive_of_each_type(catalog["id"]).values()
    ]
    bodies = [*seeds, *(mutate(rng.choice(seeds), rng) for _ in range(60))]
    transport = httpx.ASGITransport(app=routed_twin(app))
    async with (
        over_http(app) as live,
        httpx.AsyncClient(transport=transport, base_url="http://partnerhub.test") as routed,
    ):
        for body in bodies:
            try:
                content = json.dumps(body)
            except (TypeError, ValueError):
                continue  # not JSON (bytes, a set, ...): nothing to send
            fast = await live.post("/messages", headers=key, content=content)
            framework = await routed.post("/messages", headers=key, content=content)
            assert fast.status_code == framework.status_code, content[:200]
            assert fast.status_code in (200, 400), (fast.status_code, fast.text)
            if fast.status_code == 400:
                assert _refusal(fast) == _refusal(framework), content[:200]


async def test_racing_catalog_creations_connect_one(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, _ = await ready_channel(client, partner, receiver)
    answers = await asyncio.gather(
        *(
            client.post(
                "/_emulator/catalogs",
                headers=EMULATOR,
                json={"channel_id": channel["channel_id"], "name": f"Menu {i}"},
            )
            for i in range(6)
        )
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409, 409]
