"""The Messaging API loop (spec §9) against the real app and real webhook receivers: inbound
message, reply inside the 24-hour window, simulated statuses, usage; and its refusals."""

from __future__ import annotations

import json
from typing import Any

import httpx

from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.billing import channel_usage, partner_balance
from tests.helpers.clock import advance
from tests.helpers.messaging import (
    CUSTOMER,
    ORDER_UPDATE,
    inbound,
    ready_channel,
    running_channel,
    send_text,
    statuses,
    template_message,
    wait_statuses,
)
from tests.receiver import Receiver

Client = httpx.AsyncClient


async def test_inbound_then_reply_then_statuses_in_cloud_api_shape(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    got = await inbound(client, channel["channel_id"])
    await advance(client, 0)
    (request,) = receiver.wait_for(1)
    payload = json.loads(request.body)
    assert payload["object"] == "whatsapp_business_account"
    (change,) = payload["entry"][0]["changes"]
    assert change["field"] == "messages"
    value = change["value"]
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"]["display_phone_number"] == "4915112345678"
    assert value["contacts"] == [{"profile": {"name": "Grace"}, "wa_id": CUSTOMER}]
    (message,) = value["messages"]
    assert message["from"] == CUSTOMER and message["id"] == got["id"]
    assert message["type"] == "text" and message["text"] == {"body": "Hi!"}
    assert request.headers["webhook-id"]  # same engine, same headers as partner webhooks

    sent = await send_text(client, key)
    assert sent.status_code == 200, sent.text
    answer = sent.json()
    assert answer["messaging_product"] == "whatsapp"
    assert answer["contacts"] == [{"input": f"+{CUSTOMER}", "wa_id": CUSTOMER}]
    wamid = answer["messages"][0]["id"]
    assert wamid.startswith("wamid.")

    step = state.settings.message_status_seconds
    for _ in range(3):
        await advance(client, step)
    found = wait_statuses(receiver, 3)
    assert [s["status"] for s in found] == ["sent", "delivered", "read"]
    assert {s["id"] for s in found} == {wamid}
    assert all(s["recipient_id"] == CUSTOMER for s in found)
    assert found[0]["pricing"]["category"] == "service"
    assert found[0]["pricing"]["billable"] is False
    assert int(found[1]["timestamp"]) >= int(found[0]["timestamp"])

    # A free service reply is recorded as usage at no cost.
    usage = await channel_usage(
        client,
        partner,
        channel["client_id"],
        channel["channel_id"],
        start_date=0,
        end_date=int(state.clock.now().timestamp()) + 1,
    )
    points = usage["pricing_analytics"]["data"][0]["data_points"]
    assert [(p["pricing_category"], p["volume"], p["cost"]) for p in points] == [("SERVICE", 1, 0)]
    assert (await partner_balance(client, partner))["total"] == 0


async def test_outside_the_window_free_form_is_refused(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    never = await send_text(client, key)
    assert never.status_code == 400
    assert never.json()["error"]["code"] == 131047

    await inbound(client, channel["channel_id"])
    assert (await send_text(client, key)).status_code == 200
    await advance(client, 24 * 3600 + 1)
    late = await send_text(client, key)
    assert late.status_code == 400
    error = late.json()["error"]
    assert error["code"] == 131047 and error["type"] == "OAuthException"
    assert "24 hours" in error["error_data"]["details"]
    assert error["fbtrace_id"]


async def test_unreachable_number_gets_a_failed_status(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    marked = await client.post(
        f"/_emulator/numbers/{CUSTOMER}/unreachable", headers=EMULATOR, json={}
    )
    assert marked.status_code == 200, marked.text
    sent = await send_text(client, key)
    assert sent.status_code == 200
    await advance(client, state.settings.message_status_seconds)
    (failed,) = wait_statuses(receiver, 1)
    assert failed["status"] == "failed"
    assert failed["errors"][0]["code"] == 131026
    await advance(client, 3 * state.settings.message_status_seconds)
    assert len(statuses(receiver)) == 1  # nothing follows a failure

    again = await client.post(
        f"/_emulator/numbers/{CUSTOMER}/unreachable",
        headers=EMULATOR,
        json={"unreachable": False},
    )
    assert again.json()["unreachable"] is False


async def test_inbound_refusals_name_the_field(client: Client, partner: PartnerCreds) -> None:
    channel = await running_channel(client, partner)
    for body in (
        {"channel_id": "nope", "from": CUSTOMER, "type": "text", "text": {"body": "x"}},
        [],
        {"channel_id": channel["channel_id"], "type": "text", "text": {"body": "x"}},
    ):
        response = await client.post("/_emulator/messages/inbound", headers=EMULATOR, json=body)
        assert response.status_code in (400, 404), response.text
        assert response.json()["meta"]["success"] is False
    unauthenticated = await client.post(
        "/_emulator/messages/inbound",
        json={"channel_id": channel["channel_id"], "from": CUSTOMER, "type": "text"},
    )
    assert unauthenticated.status_code in (401, 404)


async def test_malformed_bodies_get_graph_errors(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    _, key = await ready_channel(client, partner, receiver)
    for raw in (b"", b"{", b"[1,2", b'{"to": "\\u0000"}', b"[" * 100_000):
        response = await client.post(
            "/messages", headers={**key, "content-type": "application/json"}, content=raw
        )
        assert response.status_code == 400, (raw, response.text)
        assert response.json()["error"]["code"] == 100


async def test_nul_in_the_query_gets_a_graph_error(client: Client) -> None:
    # Refused by the middleware before any route runs, yet still in the Messaging API's shape.
    for path in ("/v1/configs/templates?limit=%00", "/v1/configs/webhook?x=%00"):
        response = await client.get(path, headers={"D360-API-KEY": "k"})
        assert response.status_code == 400, (path, response.text)
        assert response.json()["error"]["code"] == 100


async def test_templates_on_the_messaging_api_and_template_sends(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await client.post(
        f"/_emulator/partners/{partner.partner_id}/balance",
        headers=EMULATOR,
        json={"total": 10, "currency": "eur"},
    )
    created = await client.post("/v1/configs/templates", headers=key, json=ORDER_UPDATE)
    # The Cloud API's answer to a new template: 201 and exactly these three fields.
    assert created.status_code == 201, created.text
    template = created.json()
    assert template == {"id": template["id"], "status": "PENDING", "category": "MARKETING"}

    # Not approved yet: Meta answers as if it did not exist.
    pending = await client.post(
        "/messages", headers=key, json=template_message("order_update", "42", "today")
    )
    assert pending.status_code == 400 and pending.json()["error"]["code"] == 132001

    # The same store as the Partner API's templates.
    listed = await client.get("/v1/configs/templates", headers=key)
    assert [t["id"] for t in listed.json()["waba_templates"]] == [template["id"]]
    partner_view = await client.get(
        f"/api/v2/partners/{partner.partner_id}/waba_accounts/{channel['waba_account_id']}"
        "/waba_templates",
        headers=partner.headers,
    )
    assert [t["id"] for t in partner_view.json()["waba_templates"]] == [template["id"]]

    reviewed = await client.post(
        f"/_emulator/templates/{template['id']}/review",
        headers=EMULATOR,
        json={"status": "approved"},
    )
    assert reviewed.status_code in (200, 201), reviewed.text

    # Outside any window, an approved template with the right parameters is accepted.
    sent = await client.post(
        "/messages", headers=key, json=template_message("order_update", "42", "today")
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["messages"][0]["message_status"] == "accepted"

    few = await client.post("/messages", headers=key, json=template_message("order_update", "42"))
    assert few.status_code == 400
    assert few.json()["error"]["code"] == 132000
    assert "template.components[0]" in few.json()["error"]["error_data"]["details"]
    missing = await client.post("/messages", headers=key, json=template_message("nope", "1"))
    assert missing.json()["error"]["code"] == 132001
    wrong_lang = await client.post(
        "/messages", headers=key, json=template_message("order_update", "1", "2", lang="de")
    )
    assert wrong_lang.json()["error"]["code"] == 132001

    step = state.settings.message_status_seconds
    await advance(client, step)
    await advance(client, step)
    found = [s for s in wait_statuses(receiver, 2) if s["status"] != "read"]
    assert [s["status"] for s in found] == ["sent", "delivered"]
    assert found[0]["pricing"] == {
        "billable": True,
        "pricing_model": "PMP",
        "category": "marketing",
        "type": "regular",
    }
    usage = await channel_usage(
        client,
        partner,
        channel["client_id"],
        channel["channel_id"],
        start_date=0,
        end_date=int(state.clock.now().timestamp()) + 1,
    )
    (point,) = usage["pricing_analytics"]["data"][0]["data_points"]
    assert point["pricing_category"] == "MARKETING" and point["volume"] == 1
    assert point["country"] == "DE" and point["cost"] > 0
    balance = await partner_balance(client, partner)
    assert balance["total"] == round(10 - point["cost"], 6)


async def test_every_message_type_is_accepted_in_the_window(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    received = await inbound(client, channel["channel_id"])
    bodies: list[dict[str, Any]] = [
        {"type": "text", "text": {"body": "hi", "preview_url": True}},
        {"type": "image", "image": {"link": "https://cdn.example/a.png", "caption": "A"}},
        {
            "type": "document",
            "document": {"link": "https://cdn.example/a.pdf", "filename": "a.pdf"},
        },
        {"type": "audio", "audio": {"link": "https://cdn.example/a.ogg"}},
        {"type": "video", "video": {"link": "https://cdn.example/a.mp4"}},
        {"type": "location", "location": {"latitude": 52.52, "longitude": 13.40, "name": "Berlin"}},
        {"type": "contacts", "contacts": [{"name": {"formatted_name": "Ada Lovelace"}}]},
        {"type": "reaction", "reaction": {"message_id": received["id"], "emoji": "👍"}},
        {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Pick one"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                        {"type": "reply", "reply": {"id": "no", "title": "No"}},
                    ]
                },
            },
        },
        {
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "Menu"},
                "action": {
                    "button": "See all",
                    "sections": [{"title": "Pizza", "rows": [{"id": "m", "title": "Margherita"}]}],
                },
            },
        },
    ]
    for body in bodies:
        response = await client.post(
            "/messages",
            headers=key,
            json={"messaging_product": "whatsapp", "to": CUSTOMER, **body},
        )
        assert response.status_code == 200, (body["type"], response.text)
    read = await client.post(
        "/messages",
        headers=key,
        json={"messaging_product": "whatsapp", "status": "read", "message_id": received["id"]},
    )
    assert read.json() == {"success": True}


async def test_invalid_bodies_get_metas_codes_naming_the_field(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"type": "text", "text": {}}, 131008, "text.body"),
        ({"type": "text", "text": {"body": "x" * 4097}}, 131009, "text.body"),
        ({"type": "image", "image": {"link": "ftp://x"}}, 131009, "image.link"),
        (
            {"type": "location", "location": {"latitude": 91, "longitude": 0}},
            131009,
            "location.latitude",
        ),
        ({"type": "contacts", "contacts": [{}]}, 131008, "contacts[0].name"),
        ({"type": "reaction", "reaction": {"emoji": "👍"}}, 131008, "reaction.message_id"),
        ({"type": "carrier_pigeon"}, 100, "type"),
        ({"type": "text", "text": {"body": "x"}, "to": "abc"}, 131009, "to"),
    ]
    for body, code, field in cases:
        response = await client.post(
            "/messages",
            headers=key,
            json={"messaging_product": "whatsapp", "to": CUSTOMER, **body},
        )
        assert response.status_code == 400, (body, response.text)
        error = response.json()["error"]
        assert error["code"] == code, (body, error)
        assert error["error_data"]["details"].startswith(field), (body, error)
