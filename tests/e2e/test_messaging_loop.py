"""The partner's whole loop over real HTTP: a real ``partnerhub serve`` process, two real webhook
receivers (the partner's and the number's), the simulator running on real time.

onboard -> ``channel_running`` webhook -> generate the key -> set the messaging webhook ->
inbound message -> free-form reply accepted -> statuses arrive -> outside the window text is
refused with 131047 -> an approved template is accepted -> usage and balance reflect it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import EMULATOR, EMULATOR_TOKEN
from tests.e2e.conftest import cli_env, free_port, run_cli, start_server
from tests.helpers.live_messaging import bodies, statuses, wait_until
from tests.receiver import Receiver, serve_receiver

CUSTOMER = "4917612345678"


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[tuple[httpx.Client, dict[str, str], str]]:
    env = cli_env(
        tmp_path,
        database_url,
        PARTNERHUB_EMULATOR_TOKEN=EMULATOR_TOKEN,
        PARTNERHUB_SIMULATOR_STEP_SECONDS="0.2",
        PARTNERHUB_MESSAGE_STATUS_SECONDS="0.2",
        PARTNERHUB_TEMPLATE_REVIEW_SECONDS="0.2",
        PARTNERHUB_DELIVERY_POLL_SECONDS="0.05",
    )
    created = run_cli(
        env,
        "partners",
        "create",
        "--brand-name",
        "Loop",
        "--email",
        "ops@loop.example",
        "--password",
        "correct-horse-battery",
        "--json",
    )
    creds = json.loads(created.stdout)
    port = free_port()
    log = tmp_path / "server.log"
    process: subprocess.Popen[bytes] = start_server(env, port, log)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            yield http, {"X-API-Key": creds["api_key"]}, creds["partner_id"]
    finally:
        process.terminate()
        process.wait(15)
        assert "Traceback" not in log.read_text(errors="replace"), log.read_text()


@pytest.fixture
def partner_hook() -> Iterator[Receiver]:
    yield from serve_receiver()


@pytest.fixture
def number_hook() -> Iterator[Receiver]:
    yield from serve_receiver()


def test_the_whole_loop(
    hub: tuple[httpx.Client, dict[str, str], str], partner_hook: Receiver, number_hook: Receiver
) -> None:
    http, partner_headers, partner_id = hub
    base = f"/api/v2/partners/{partner_id}"
    assert (
        http.post(
            f"{base}/webhook_url", headers=partner_headers, json={"webhook_url": partner_hook.url}
        )
    ).status_code == 200
    http.post(
        f"/_emulator/partners/{partner_id}/balance", headers=EMULATOR, json={"total": 5}
    ).raise_for_status()

    done = http.post(
        "/_emulator/onboard",
        headers=EMULATOR,
        json={
            "partner_id": partner_id,
            "client": {"name": "Pizza Place", "email": "owner@pizza.example"},
            "phone_numbers": ["+4915112345678"],
        },
    ).json()
    channel_id, client_id = done["channel_ids"][0], done["client_id"]

    # The number goes through Meta's review on its own; the partner hears it is running.
    running = wait_until(
        lambda: [e for e in bodies(partner_hook) if e["event"] == "channel_running"],
        "channel_running",
    )
    assert running[0]["data"]["status"] == "running"

    key = http.post(f"{base}/channels/{channel_id}/api_keys", headers=partner_headers)
    assert key.status_code == 200, key.text
    d360 = {"D360-API-KEY": key.json()["api_key"]}
    assert key.json()["address"] == str(http.base_url).rstrip("/")
    messaging = httpx.Client(base_url=key.json()["address"], headers=d360, timeout=30)
    assert messaging.post("/v1/configs/webhook", json={"url": number_hook.url}).status_code == 200

    inbound = http.post(
        "/_emulator/messages/inbound",
        headers=EMULATOR,
        json={"channel_id": channel_id, "from": CUSTOMER, "type": "text", "text": {"body": "Hi"}},
    )
    assert inbound.status_code == 200, inbound.text
    wait_until(
        lambda: any(
            "messages" in b["entry"][0]["changes"][0]["value"] for b in bodies(number_hook)
        ),
        "inbound webhook",
    )

    reply = messaging.post(
        "/messages",
        json={
            "messaging_product": "whatsapp",
            "to": CUSTOMER,
            "type": "text",
            "text": {"body": "Hello!"},
        },
    )
    assert reply.status_code == 200, reply.text
    wamid = reply.json()["messages"][0]["id"]
    wait_until(
        lambda: (
            [s["status"] for s in statuses(number_hook) if s["id"] == wamid]
            == ["sent", "delivered", "read"]
        ),
        "sent, delivered, read",
    )

    # A day later the window is closed: free-form text is refused, a template is not.
    http.post("/_emulator/clock/advance", headers=EMULATOR, json={"seconds": 25 * 3600})
    late = messaging.post(
        "/messages",
        json={
            "messaging_product": "whatsapp",
            "to": CUSTOMER,
            "type": "text",
            "text": {"body": "?"},
        },
    )
    assert late.status_code == 400 and late.json()["error"]["code"] == 131047

    template = http.post(
        f"{base}/waba_accounts/{done['waba_account_id']}/waba_templates",
        headers=partner_headers,
        json={
            "name": "order_update",
            "language": "en",
            "category": "UTILITY",
            "components": [
                {"type": "BODY", "text": "Order {{1}} shipped.", "example": {"body_text": [["42"]]}}
            ],
        },
    )
    assert template.status_code == 200, template.text
    wait_until(
        lambda: [
            e
            for e in bodies(partner_hook)
            if e["event"] == "waba_template_status_changed" and e["data"]["status"] == "approved"
        ],
        "template approved",
    )
    sent = messaging.post(
        "/messages",
        json={
            "messaging_product": "whatsapp",
            "to": CUSTOMER,
            "type": "template",
            "template": {
                "name": "order_update",
                "language": {"code": "en"},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": "42"}]}],
            },
        },
    )
    assert sent.status_code == 200, sent.text
    template_id = sent.json()["messages"][0]["id"]
    wait_until(
        lambda: (
            "delivered" in [s["status"] for s in statuses(number_hook) if s["id"] == template_id]
        ),
        "template delivered",
    )

    clock = http.get("/_emulator/clock", headers=EMULATOR).json()["now"]
    now = int(datetime.fromisoformat(clock.replace("Z", "+00:00")).timestamp()) + 1
    usage = http.get(
        f"{base}/clients/{client_id}/channels/{channel_id}/info/usage",
        headers=partner_headers,
        params={"start_date": 0, "end_date": now},
    ).json()
    points = usage["pricing_analytics"]["data"][0]["data_points"]
    by_category = {p["pricing_category"]: p for p in points}
    assert by_category["SERVICE"]["volume"] == 1 and by_category["SERVICE"]["cost"] == 0
    assert by_category["UTILITY"]["volume"] == 1 and by_category["UTILITY"]["cost"] > 0
    balance = http.get(f"{base}/balance", headers=partner_headers).json()
    assert balance["total"] == round(5 - by_category["UTILITY"]["cost"], 6)
    messaging.close()
