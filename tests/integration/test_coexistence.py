"""WhatsApp Coexistence (issue 18 item 3) over real HTTP, with real receivers for the partner
webhook and the number's messaging webhook: onboarding a number that stays on the WhatsApp
Business app, ``POST /synchronization`` and the ``smb_app_state_sync`` and ``history`` events it
starts (exact payloads and order), its refusals, ``smb_message_echoes`` and the 20 messages per
second throughput."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from typer.testing import CliRunner

from partnerhub import webhooks
from partnerhub.cli import app as cli_app
from partnerhub.server.state import AppState
from partnerhub.wire import events as wire
from tests.conftest import EMULATOR, EMULATOR_TOKEN, PartnerCreds
from tests.helpers.clock import advance
from tests.helpers.messaging import CUSTOMER, generate, inbound, running_channel, send_text
from tests.helpers.messaging import set_messaging_webhook as point_webhook
from tests.helpers.webhooks import setup_webhook
from tests.integration.hub_helpers import log_in
from tests.integration.live_http import over_http
from tests.receiver import Receiver, serve_receiver

Client = httpx.AsyncClient
NUMBER = "4915112345678"
APP = {
    "contacts": [
        {"phone_number": "+4915100000001", "full_name": "Pablo Morales"},
        {"phone_number": "4915100000002", "full_name": "Ada King", "first_name": "Ada"},
    ],
    "threads": [
        {
            "wa_id": CUSTOMER,
            "messages": [
                {"text": "old order?", "days_ago": 100, "status": "READ"},
                {"text": "yes, shipped", "from_business": True, "days_ago": 30},
                {"text": "thanks", "days_ago": 0.5, "status": "DELIVERED"},
                {"text": "too old", "days_ago": 200},
            ],
        }
    ],
}


@pytest.fixture
async def http(app: Litestar, client: Client) -> AsyncIterator[Client]:
    """The app behind a real socket (``client`` runs its lifespan, and so its worker)."""
    async with over_http(app) as live:
        yield live


@pytest.fixture
def numbers_receiver() -> Iterator[Receiver]:
    """The number's messaging webhook (the ``receiver`` fixture is the partner's)."""
    yield from serve_receiver()


async def coexistence_number(
    http: Client,
    partner: PartnerCreds,
    receiver: Receiver,
    numbers: Receiver,
    app: dict[str, Any] | bool = True,
) -> tuple[dict[str, Any], dict[str, str]]:
    await setup_webhook(http, partner, receiver)
    channel = await running_channel(http, partner, f"+{NUMBER}", coexistence=app)
    assert channel["coexistence"] is True
    key = await generate(http, partner, channel["channel_id"])
    await point_webhook(http, key["api_key"], numbers.url)
    return channel, {"D360-API-KEY": key["api_key"]}


def partner_events(receiver: Receiver, name: str) -> list[dict[str, Any]]:
    found = [json.loads(r.body) for r in receiver.requests]
    return [event for event in found if event["event"] == name]


async def delivered(http: Client, receiver: Receiver, name: str, count: int) -> list[Any]:
    for _ in range(200):
        await advance(http, 0)
        got = partner_events(receiver, name)
        if len(got) >= count:
            return got
        await asyncio.sleep(0.02)
    raise AssertionError(
        f"expected {count} {name} events, got {len(partner_events(receiver, name))}"
    )


async def messaging_changes(
    http: Client, numbers: Receiver, field: str, count: int = 1
) -> list[dict[str, Any]]:
    for _ in range(200):
        await advance(http, 0)
        changes = [
            change
            for body in (json.loads(r.body) for r in numbers.requests)
            for change in body["entry"][0]["changes"]
            if change["field"] == field
        ]
        if len(changes) >= count:
            return changes
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {count} {field} webhooks")


def sync(http: Client, key: dict[str, str], sync_type: str, **extra: Any) -> Any:
    body = {"messaging_product": "whatsapp", "sync_type": sync_type, **extra}
    return http.post("/synchronization", headers=key, json=body)


def graph_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"] and error["fbtrace_id"]
    return error


async def test_contacts_then_history_sync_with_their_exact_events(
    http: Client,
    partner: PartnerCreds,
    receiver: Receiver,
    numbers_receiver: Receiver,
    state: AppState,
) -> None:
    channel, key = await coexistence_number(http, partner, receiver, numbers_receiver, APP)
    listed = await http.get(
        f"/api/v2/partners/{partner.partner_id}/channels", headers=partner.headers
    )
    (shown,) = listed.json()["partner_channels"]
    assert shown["is_on_biz_app"] is True
    waba_external = shown["waba_account"]["id"]
    del waba_external  # the events carry Meta's WABA id, read from the event itself below

    started = await sync(http, key, "smb_app_state_sync")
    assert started.status_code == 200, started.text
    answer = started.json()
    assert answer["messaging_product"] == "whatsapp" and len(answer["request_id"]) == 32

    (event,) = await delivered(http, receiver, "smb_app_state_sync", 1)
    assert list(event) == ["id", "event", "data"]
    data = event["data"]
    assert data["messaging_product"] == "whatsapp" and data["id"].isdigit()
    assert data["metadata"]["display_phone_number"] == NUMBER
    assert data["metadata"]["phone_number_id"].isdigit()
    stamp = data["state_sync"][0]["metadata"]["timestamp"]
    assert data["state_sync"] == [
        {
            "type": "contact",
            "contact": {
                "phone_number": "4915100000001",
                "full_name": "Pablo Morales",
                "first_name": "Pablo",
            },
            "action": "add",
            "metadata": {"timestamp": stamp},
        },
        {
            "type": "contact",
            "contact": {
                "phone_number": "4915100000002",
                "full_name": "Ada King",
                "first_name": "Ada",
            },
            "action": "add",
            "metadata": {"timestamp": stamp},
        },
    ]
    assert isinstance(wire.decode_event(json.dumps(event)), wire.SmbAppStateSync)
    # The same contacts reach the number's webhook in Meta's shape.
    (change,) = await messaging_changes(http, numbers_receiver, "smb_app_state_sync")
    assert change["value"]["state_sync"] == data["state_sync"]
    assert change["value"]["metadata"] == data["metadata"]
    raw = next(r.body for r in numbers_receiver.requests if b"state_sync" in r.body)
    value = webhooks.parse_messaging_webhook(raw).entry[0].changes[0].value
    assert [e.contact.first_name for e in value.state_sync] == ["Pablo", "Ada"]

    started = await sync(http, key, "history")
    assert started.status_code == 200, started.text
    # Phase 0 at once, then phases 1 and 2 one simulator step apart each.
    step = state.settings.simulator_step_seconds
    await delivered(http, receiver, "history", 1)
    await advance(http, step / 2)
    assert len(partner_events(receiver, "history")) == 1
    await advance(http, step / 2)
    await delivered(http, receiver, "history", 2)
    await advance(http, step)
    phases = await delivered(http, receiver, "history", 3)
    chunks = [event["data"]["history"][0] for event in phases]
    assert [c["metadata"] for c in chunks] == [
        {"phase": 0, "chunk_order": 1, "progress": 33},
        {"phase": 1, "chunk_order": 1, "progress": 67},
        {"phase": 2, "chunk_order": 1, "progress": 100},
    ]
    texts = [
        [
            (m["from"], m.get("to"), m["text"]["body"], m["history_context"]["status"])
            for t in c["threads"]
            for m in t["messages"]
        ]
        for c in chunks
    ]
    assert texts == [
        [(CUSTOMER, None, "thanks", "DELIVERED")],
        [(NUMBER, CUSTOMER, "yes, shipped", "READ")],
        [(CUSTOMER, None, "old order?", "READ")],
    ]
    assert all(c["threads"][0]["id"] == CUSTOMER for c in chunks)
    assert all(isinstance(wire.decode_event(json.dumps(e)), wire.History) for e in phases)
    assert channel["channel_id"]

    # Each sync once only (Meta allows one call per sync type).
    again = await sync(http, key, "history")
    assert "already" in graph_error(again, 400, 100)["error_data"]["details"]
    again = await sync(http, key, "smb_app_state_sync")
    graph_error(again, 400, 100)
    await advance(http, 0)
    assert len(partner_events(receiver, "history")) == 3


async def test_one_clock_advance_over_both_steps_sends_every_history_phase(
    http: Client,
    partner: PartnerCreds,
    receiver: Receiver,
    numbers_receiver: Receiver,
    state: AppState,
) -> None:
    """As a number's review runs at once when the clock moves past all its steps, so does the
    history sync: the second phase is due a step after the first was due, not after it ran
    (found by the docs/walkthroughs.md walkthrough, which advances the clock once)."""
    _, key = await coexistence_number(http, partner, receiver, numbers_receiver, APP)
    started = await sync(http, key, "history")
    assert started.status_code == 200, started.text
    await delivered(http, receiver, "history", 1)
    await advance(http, 2 * state.settings.simulator_step_seconds)
    phases = await delivered(http, receiver, "history", 3)
    assert [e["data"]["history"][0]["metadata"]["phase"] for e in phases] == [0, 1, 2]


async def test_contacts_synced_before_the_numbers_webhook_reach_it_once_it_is_set(
    http: Client, partner: PartnerCreds, receiver: Receiver, numbers_receiver: Receiver
) -> None:
    """360dialog: the contacts are "also sent to the phone number's webhook URL after the URL is
    set". Synced while the number has no webhook, they reach it when one is set (written with
    the setting, through the outbox), once: setting it again sends nothing more."""
    await setup_webhook(http, partner, receiver)
    channel = await running_channel(http, partner, f"+{NUMBER}", coexistence=APP)
    key = {"D360-API-KEY": (await generate(http, partner, channel["channel_id"]))["api_key"]}
    started = await sync(http, key, "smb_app_state_sync")
    assert started.status_code == 200, started.text
    (event,) = await delivered(http, receiver, "smb_app_state_sync", 1)
    await advance(http, 3600)  # later, the partner points the number's webhook
    assert numbers_receiver.requests == []

    await point_webhook(http, key["D360-API-KEY"], numbers_receiver.url)
    (change,) = await messaging_changes(http, numbers_receiver, "smb_app_state_sync")
    # As of the sync: the same contacts, metadata and timestamp as the partner event.
    assert change["value"]["state_sync"] == event["data"]["state_sync"]
    assert change["value"]["metadata"] == event["data"]["metadata"]
    raw = next(r.body for r in numbers_receiver.requests if b"state_sync" in r.body)
    body = json.loads(raw)
    assert body["object"] == "whatsapp_business_account"
    assert body["entry"][0]["id"] == event["data"]["id"]

    # Once only: pointing the webhook again (elsewhere, then back) replays nothing.
    await point_webhook(http, key["D360-API-KEY"], numbers_receiver.url + "/again")
    await point_webhook(http, key["D360-API-KEY"], numbers_receiver.url)
    await advance(http, 0)
    await asyncio.sleep(0.2)
    await advance(http, 0)
    synced = [r for r in numbers_receiver.requests if b"state_sync" in r.body]
    assert len(synced) == 1
    state = await http.get("/_emulator/state", headers=EMULATOR)
    (exported,) = [c for c in state.json()["channels"] if c["id"] == channel["channel_id"]]
    assert exported["smb_contacts_pending"] is False


async def test_a_pending_contacts_sync_travels_with_the_world(
    http: Client, partner: PartnerCreds, receiver: Receiver, numbers_receiver: Receiver
) -> None:
    await setup_webhook(http, partner, receiver)
    channel = await running_channel(http, partner, f"+{NUMBER}", coexistence=APP)
    key = {"D360-API-KEY": (await generate(http, partner, channel["channel_id"]))["api_key"]}
    assert (await sync(http, key, "smb_app_state_sync")).status_code == 200
    await delivered(http, receiver, "smb_app_state_sync", 1)
    world = (await http.get("/_emulator/state", headers=EMULATOR)).json()
    (exported,) = [c for c in world["channels"] if c["id"] == channel["channel_id"]]
    assert exported["smb_contacts_pending"] is True
    reseeded = await http.post("/_emulator/seed", headers=EMULATOR, json=world)
    assert reseeded.status_code == 200, reseeded.text
    await point_webhook(http, key["D360-API-KEY"], numbers_receiver.url)
    (change,) = await messaging_changes(http, numbers_receiver, "smb_app_state_sync")
    assert len(change["value"]["state_sync"]) == 2


async def test_declined_history_and_the_24_hour_window(
    http: Client, partner: PartnerCreds, receiver: Receiver, numbers_receiver: Receiver
) -> None:
    _, key = await coexistence_number(
        http, partner, receiver, numbers_receiver, {**APP, "share_history": False}
    )
    assert (await sync(http, key, "history")).status_code == 200
    (event,) = await delivered(http, receiver, "history", 1)
    title = "History sharing is turned off by the business"
    assert event["data"]["history"] == [
        {
            "errors": [
                {
                    "code": 2593109,
                    "title": title,
                    "message": title,
                    "error_data": {"details": title},
                }
            ]
        }
    ]
    # A day after onboarding the contacts can no longer be synchronized.
    await advance(http, 86_401)
    late = await sync(http, key, "smb_app_state_sync")
    assert "24 hours" in graph_error(late, 400, 100)["error_data"]["details"]


async def test_refusals_and_authorization(
    http: Client, partner: PartnerCreds, receiver: Receiver, numbers_receiver: Receiver
) -> None:
    plain = await running_channel(http, partner, "+4915199999999")
    plain_key = {"D360-API-KEY": (await generate(http, partner, plain["channel_id"]))["api_key"]}
    refused = await sync(http, plain_key, "smb_app_state_sync")
    assert (
        "not on the WhatsApp Business app"
        in graph_error(refused, 400, 100)["error_data"]["details"]
    )
    _, key = await coexistence_number(http, partner, receiver, numbers_receiver)
    graph_error(await sync(http, key, "contacts"), 400, 100)
    graph_error(await sync(http, key, "history", extra=1), 400, 100)
    missing = await http.post("/synchronization", headers=key, json={"sync_type": "history"})
    graph_error(missing, 400, 131008)
    graph_error(await http.post("/synchronization", headers=key, content=b"[]"), 400, 100)
    # Only a channel key: none, a partner key or a wrong key is unknown (401).
    graph_error(await sync(http, {}, "history"), 401, 0)
    graph_error(await sync(http, partner.headers, "history"), 401, 0)
    graph_error(await sync(http, {"D360-API-KEY": "x" * 32}, "history"), 401, 0)
    await advance(http, 0)
    assert partner_events(receiver, "history") == []


async def test_app_message_echo_reaches_the_numbers_webhook(
    http: Client, partner: PartnerCreds, receiver: Receiver, numbers_receiver: Receiver
) -> None:
    channel, _ = await coexistence_number(http, partner, receiver, numbers_receiver)
    path = f"/_emulator/channels/{channel['channel_id']}/app_message"
    sent = await http.post(
        path, headers=EMULATOR, json={"to": f"+{CUSTOMER}", "type": "text", "text": {"body": "Hi"}}
    )
    assert sent.status_code == 200, sent.text
    echo = sent.json()
    (change,) = await messaging_changes(http, numbers_receiver, "smb_message_echoes")
    value = change["value"]
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"]["display_phone_number"] == NUMBER
    assert value["message_echoes"] == [
        {
            "from": NUMBER,
            "to": CUSTOMER,
            "id": echo["id"],
            "timestamp": echo["timestamp"],
            "type": "text",
            "text": {"body": "Hi"},
        }
    ]
    # The SDK reads it typed.
    raw = next(r.body for r in numbers_receiver.requests if b"message_echoes" in r.body)
    (parsed,) = webhooks.parse_messaging_webhook(raw).entry[0].changes[0].value.message_echoes
    assert parsed.from_ == NUMBER and parsed.text is not None and parsed.text.body == "Hi"
    # A number that is not on the app has no app to send from.
    plain = await running_channel(http, partner, "+4915199999999")
    refused = await http.post(
        f"/_emulator/channels/{plain['channel_id']}/app_message",
        headers=EMULATOR,
        json={"to": CUSTOMER, "text": {"body": "Hi"}},
    )
    assert refused.status_code == 400, refused.text
    unauthorized = await http.post(path, json={"to": CUSTOMER, "text": {"body": "Hi"}})
    assert unauthorized.status_code in (401, 404)


async def test_coexistence_numbers_send_at_most_20_a_second(
    http: Client, partner: PartnerCreds, receiver: Receiver, numbers_receiver: Receiver
) -> None:
    channel, key = await coexistence_number(http, partner, receiver, numbers_receiver)
    await inbound(http, channel["channel_id"])  # opens the 24-hour window
    answers = await asyncio.gather(*(send_text(http, key) for _ in range(25)))
    codes = sorted(a.status_code for a in answers)
    assert codes.count(200) == 20, [a.text for a in answers if a.status_code != 200]
    for refused in (a for a in answers if a.status_code != 200):
        graph_error(refused, 429, 130429)


async def test_world_export_and_seed_keep_the_app_and_the_syncs(
    http: Client,
    partner: PartnerCreds,
    receiver: Receiver,
    numbers_receiver: Receiver,
    state: AppState,
) -> None:
    channel, key = await coexistence_number(http, partner, receiver, numbers_receiver, APP)
    assert (await sync(http, key, "smb_app_state_sync")).status_code == 200
    exported = await http.get("/_emulator/state", headers=EMULATOR)
    assert exported.status_code == 200, exported.text
    world = exported.json()
    (shown,) = [c for c in world["channels"] if c["id"] == channel["channel_id"]]
    assert shown["is_on_biz_app"] is True and shown["smb_contacts_synced_at"]
    assert shown["smb_history_synced_at"] is None
    assert [c["phone_number"] for c in shown["smb_app_state"]["contacts"]] == [
        "4915100000001",
        "4915100000002",
    ]
    seeded = await http.post("/_emulator/seed", headers=EMULATOR, json=world)
    assert seeded.status_code in (200, 201), seeded.text
    # The contacts sync stays spent, the history sync is still there to start, with the chats.
    graph_error(await sync(http, key, "smb_app_state_sync"), 400, 100)
    assert (await sync(http, key, "history")).status_code == 200
    step = state.settings.simulator_step_seconds
    await delivered(http, receiver, "history", 1)
    # An export between two phases seeds back with the phase still to come.
    midway = (await http.get("/_emulator/state", headers=EMULATOR)).json()
    (pending,) = [c for c in midway["channels"] if c["id"] == channel["channel_id"]]
    assert pending["smb_history_next_phase"] == 1 and pending["smb_history_next_at"]
    seeded = await http.post("/_emulator/seed", headers=EMULATOR, json=midway)
    assert seeded.status_code in (200, 201), seeded.text
    await advance(http, step)
    await delivered(http, receiver, "history", 2)
    await advance(http, step)
    phases = await delivered(http, receiver, "history", 3)
    bodies = sorted(
        m["text"]["body"]
        for e in phases
        for t in e["data"]["history"][0]["threads"]
        for m in t["messages"]
    )
    assert bodies == ["old order?", "thanks", "yes, shipped"]
    broken = {**world}
    broken["channels"] = [
        {**c, "smb_app_state": {"threads": [{"wa_id": "x", "messages": []}]}}
        for c in world["channels"]
    ]
    refused = await http.post("/_emulator/seed", headers=EMULATOR, json=broken)
    assert refused.status_code == 400, refused.text


async def test_the_onboarding_page_offers_coexistence(
    http: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(http, partner, receiver)
    done = "https://partner.example/done"
    patched = await http.patch(
        f"/api/v2/partners/{partner.partner_id}",
        headers=partner.headers,
        json={"partner_redirect_url": done},
    )
    assert patched.status_code == 200, patched.text
    page = f"/dashboard/app/{partner.partner_id}/permissions"
    shown = await http.get(page)
    assert shown.status_code == 200 and 'name="coexistence"' in shown.text
    form = {
        "company": "Corner Shop",
        "contact_name": "Ada",
        "email": "ada@shop.example",
        "password": "correct horse battery",
        "phone_0": f"+{NUMBER}",
        "phone_name_0": "Shop",
        "coexistence": "1",  # share_history left unchecked: the business declines
    }
    origin = str(http.base_url).rstrip("/")
    posted = await http.post(page, data=form, headers={"Origin": origin})
    assert posted.status_code == 303, posted.text
    listed = await http.get(
        f"/api/v2/partners/{partner.partner_id}/channels", headers=partner.headers
    )
    (channel,) = listed.json()["partner_channels"]
    assert channel["is_on_biz_app"] is True
    moved = await http.post(
        f"/_emulator/channels/{channel['id']}/status", headers=EMULATOR, json={"status": "running"}
    )
    assert moved.status_code == 201, moved.text
    key = {"D360-API-KEY": (await generate(http, partner, channel["id"]))["api_key"]}
    assert (await sync(http, key, "history")).status_code == 200
    (event,) = await delivered(http, receiver, "history", 1)
    assert event["data"]["history"][0]["errors"][0]["code"] == 2593109


async def test_openapi_documents_synchronization_and_the_controls(http: Client) -> None:
    schema = (await http.get("/openapi.json")).json()
    operation = schema["paths"]["/synchronization"]["post"]
    assert operation["security"] == [{"D360ApiKey": []}]
    assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GraphErrorBody"
    }
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("SynchronizationIn")
    assert "post" in schema["paths"]["/_emulator/channels/{channel_id}/app_message"]
    onboard = schema["components"]["schemas"]
    assert any(name.endswith("CoexistenceIn") for name in onboard)


async def test_the_cli_onboards_coexistence_and_sends_from_the_app(
    http: Client, partner: PartnerCreds, receiver: Receiver, numbers_receiver: Receiver
) -> None:
    env = {
        "PARTNERHUB_BASE_URL": str(http.base_url).rstrip("/"),
        "PARTNERHUB_EMULATOR_TOKEN": EMULATOR_TOKEN,
        "PARTNERHUB_PARTNER_ID": partner.partner_id,
    }

    def cli(*args: str) -> Any:
        # In a thread: the CLI's blocking client talks to the server in this event loop.
        result = CliRunner().invoke(cli_app, ["emulate", *args, "--json"], env=env)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    done = await asyncio.to_thread(cli, "onboard", "--phone", f"+{NUMBER}", "--coexistence")
    assert done["coexistence"] is True
    (channel_id,) = done["channel_ids"]
    moved = await http.post(
        f"/_emulator/channels/{channel_id}/status", headers=EMULATOR, json={"status": "running"}
    )
    assert moved.status_code == 201, moved.text
    key = await generate(http, partner, channel_id)
    await point_webhook(http, key["api_key"], numbers_receiver.url)
    echo = await asyncio.to_thread(
        cli, "app-message", channel_id, "--to", CUSTOMER, "--text", "from the CLI"
    )
    (change,) = await messaging_changes(http, numbers_receiver, "smb_message_echoes")
    assert change["value"]["message_echoes"][0]["id"] == echo["id"]
    assert change["value"]["message_echoes"][0]["text"] == {"body": "from the CLI"}


async def test_the_hub_shows_a_coexistence_number_and_its_syncs(
    http: Client, partner: PartnerCreds, receiver: Receiver, numbers_receiver: Receiver
) -> None:
    channel, key = await coexistence_number(http, partner, receiver, numbers_receiver)
    await log_in(http, partner.email, partner.password)
    path = f"/hub/channels/{channel['channel_id']}"
    before = await http.get(path)
    assert before.status_code == 200, before.text
    assert "contacts sync not started, history sync not started" in before.text
    assert (await sync(http, key, "smb_app_state_sync")).status_code == 200
    after = await http.get(path)
    assert "contacts sync started" in after.text and "history sync not started" in after.text
