"""Issue 14 (items 6-9) over real HTTP: a real ``partnerhub serve`` process, a real webhook
receiver, a partner made by the CLI.

- the first event of a brand-new partner carries ``x-360dialog-signature`` made with the
  secret the CLI printed, and a rotation keeps the old secret valid for the grace period;
- templates: the Messaging API's 201 create, the Partner API's edit with the review events that
  follow, the Messaging API's delete by name;
- unknown Messaging API paths and methods answer in the Graph shape;
- ``POST /v1/messages`` (360dialog's sandbox path) answers as ``POST /messages``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from tests.conftest import EMULATOR, EMULATOR_TOKEN
from tests.e2e.conftest import cli_env, free_port, run_cli, start_server, stop_server
from tests.helpers.live_messaging import bodies, wait_until
from tests.receiver import Received, Receiver, serve_receiver

CUSTOMER = "4917612345678"


@dataclass
class Hub:
    http: httpx.Client
    partner_id: str
    headers: dict[str, str]
    platform_secret: str

    @property
    def base(self) -> str:
        return f"/api/v2/partners/{self.partner_id}"


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[Hub]:
    env = cli_env(
        tmp_path,
        database_url,
        PARTNERHUB_EMULATOR_TOKEN=EMULATOR_TOKEN,
        PARTNERHUB_SIMULATOR_STEP_SECONDS="0.2",
        PARTNERHUB_MESSAGE_STATUS_SECONDS="0.2",
        PARTNERHUB_TEMPLATE_REVIEW_SECONDS="0.3",
        PARTNERHUB_DELIVERY_POLL_SECONDS="0.05",
    )
    created = json.loads(
        run_cli(
            env,
            "partners",
            "create",
            "--brand-name",
            "Compat",
            "--email",
            "ops@compat.example",
            "--password",
            "correct-horse-battery",
            "--json",
        ).stdout
    )
    port = free_port()
    log = tmp_path / "server.log"
    process: subprocess.Popen[bytes] = start_server(env, port, log)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            yield Hub(
                http,
                created["partner_id"],
                {"X-API-Key": created["api_key"]},
                created["platform_secret"],
            )
    finally:
        stop_server(process, log)


@pytest.fixture
def partner_hook() -> Iterator[Receiver]:
    yield from serve_receiver()


def signed_360(secret: str, request: Received) -> bool:
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(request.headers.get("x-360dialog-signature", ""), expected)


def signed_standard(secret: str, request: Received) -> bool:
    try:
        Webhook(secret).verify(request.body, request.headers)
    except WebhookVerificationError:
        return False
    return True


def requests_of(receiver: Receiver, event: str) -> list[Received]:
    with receiver.lock:
        return [r for r in receiver.requests if json.loads(r.body).get("event") == event]


def onboard(hub: Hub, phone: str) -> dict[str, Any]:
    done = hub.http.post(
        "/_emulator/onboard",
        headers=EMULATOR,
        json={
            "partner_id": hub.partner_id,
            "client": {"name": "Pizza Place", "email": "owner@pizza.example"},
            "phone_numbers": [phone],
        },
    )
    assert done.status_code in (200, 201), done.text
    body: dict[str, Any] = done.json()
    return body


def test_every_event_is_signed_from_the_first_and_rotation_has_grace(
    hub: Hub, partner_hook: Receiver
) -> None:
    http = hub.http
    # No platform_secret call: the secret the CLI printed signs the very first event.
    set_url = http.post(
        f"{hub.base}/webhook_url", headers=hub.headers, json={"webhook_url": partner_hook.url}
    )
    assert set_url.status_code == 200, set_url.text
    onboard(hub, "+4915112345001")
    first = wait_until(lambda: requests_of(partner_hook, "client_created"), "client_created")[0]
    assert signed_360(hub.platform_secret, first) and signed_standard(hub.platform_secret, first)
    wait_until(lambda: requests_of(partner_hook, "channel_created"), "channel_created")
    for request in list(partner_hook.requests):
        assert signed_360(hub.platform_secret, request), json.loads(request.body)["event"]

    # Rotation: the new secret signs x-360dialog-signature; the old one still verifies through
    # webhook-signature until the grace period (24 h by default) is over.
    rotated = http.post(f"{hub.base}/platform_secret", headers=hub.headers)
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()["platform_secret"]
    assert rotated.json()["previous_secret_valid_until"] is not None
    sent = http.post(f"{hub.base}/webhook_url/test", headers=hub.headers)
    assert sent.status_code == 202, sent.text
    during = wait_until(lambda: requests_of(partner_hook, "webhook_test"), "test event")[0]
    assert signed_360(new, during) and not signed_360(hub.platform_secret, during)
    assert signed_standard(new, during) and signed_standard(hub.platform_secret, during)

    advanced = http.post("/_emulator/clock/advance", headers=EMULATOR, json={"seconds": 86401})
    assert advanced.status_code in (200, 201), advanced.text
    http.post(f"{hub.base}/webhook_url/test", headers=hub.headers).raise_for_status()
    after = wait_until(lambda: requests_of(partner_hook, "webhook_test")[1:], "second test event")[
        0
    ]
    assert signed_360(new, after) and signed_standard(new, after)
    assert not signed_standard(hub.platform_secret, after)


def _comparable(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    if isinstance(body.get("error"), dict):
        body["error"].pop("fbtrace_id", None)
    for message in body.get("messages", []):
        message["id"] = "wamid"
    return {"status": response.status_code, "body": body}


def test_templates_graph_errors_and_the_sandbox_path(hub: Hub, partner_hook: Receiver) -> None:
    http = hub.http
    http.post(
        f"{hub.base}/webhook_url", headers=hub.headers, json={"webhook_url": partner_hook.url}
    ).raise_for_status()
    done = onboard(hub, "+4915112345002")
    channel_id = done["channel_ids"][0]
    wait_until(lambda: requests_of(partner_hook, "channel_running"), "channel_running")
    key = http.post(f"{hub.base}/channels/{channel_id}/api_keys", headers=hub.headers)
    assert key.status_code == 200, key.text
    d360 = {"D360-API-KEY": key.json()["api_key"]}
    waba_id = http.get(f"{hub.base}/channels", headers=hub.headers).json()["partner_channels"][0][
        "waba_account"
    ]["id"]

    # Create on the Messaging API: 201 and the Cloud API's three fields.
    template = {
        "name": "spring_sale",
        "language": "en",
        "category": "MARKETING",
        "components": [{"type": "BODY", "text": "Spring sale"}],
    }
    created = http.post("/v1/configs/templates", headers=d360, json=template)
    assert created.status_code == 201, created.text
    tid = created.json()["id"]
    assert created.json() == {"id": tid, "status": "PENDING", "category": "MARKETING"}

    def statuses_of_template() -> list[str]:
        return [
            e["data"]["status"]
            for e in bodies(partner_hook)
            if e.get("event") == "waba_template_status_changed" and e["data"]["id"] == tid
        ]

    wait_until(lambda: statuses_of_template() == ["approved"], "approval")

    # Edit on the Partner API: back to review, with the events that follow.
    summer = [{"type": "BODY", "text": "Summer sale"}]
    edited = http.patch(
        f"{hub.base}/waba_accounts/{waba_id}/waba_templates/{tid}",
        headers=hub.headers,
        json={"components": summer},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["status"] == "submitted" and edited.json()["components"] == summer
    wait_until(
        lambda: statuses_of_template() == ["approved", "submitted", "approved"], "re-approval"
    )
    again = http.patch(
        f"{hub.base}/waba_accounts/{waba_id}/waba_templates/{tid}",
        headers=hub.headers,
        json={"components": [{"type": "BODY", "text": "Autumn sale"}]},
    )
    assert again.status_code == 409  # an approved template: one edit in 24 hours
    assert again.json()["meta"]["http_code"] == 409

    # Delete by name on the Messaging API.
    deleted = http.delete("/v1/configs/templates/spring_sale", headers=d360)
    assert deleted.status_code == 200 and deleted.json() == {"success": True}
    assert http.get("/v1/configs/templates", headers=d360).json()["waba_templates"] == []

    # Paths and methods the Messaging API does not have: Graph errors, never `meta`.
    for method, path, status, code in [
        ("GET", "/v1/anything", 404, 2500),
        ("POST", "/whatever_graph_path", 404, 2500),
        ("PUT", "/messages", 405, 100),
        ("GET", "/v1/messages", 405, 100),
    ]:
        answer = http.request(method, path, headers=d360)
        assert answer.status_code == status, (method, path, answer.text)
        assert set(answer.json()) == {"error"} and answer.json()["error"]["code"] == code

    # The sandbox path answers exactly as /messages, for good and bad requests alike.
    http.post(
        "/_emulator/messages/inbound",
        headers=EMULATOR,
        json={"channel_id": channel_id, "from": CUSTOMER, "type": "text", "text": {"body": "Hi"}},
    ).raise_for_status()
    text = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "x"}}
    cases: list[tuple[dict[str, str], str]] = [
        (d360, json.dumps(text)),
        ({}, json.dumps(text)),
        (hub.headers, json.dumps(text)),
        (d360, "{"),
        (d360, json.dumps({"messaging_product": "whatsapp", "to": "491"})),
        (d360, json.dumps({**text, "type": "template", "template": {"name": "nope"}})),
    ]
    for headers, body in cases:
        plain = http.post("/messages", headers=headers, content=body)
        sandbox = http.post("/v1/messages", headers=headers, content=body)
        assert _comparable(sandbox) == _comparable(plain), (headers, body)
    assert http.post("/v1/messages", headers=d360, content=json.dumps(text)).status_code == 200
