"""WhatsApp Flows through the plugin (issue 18): the SDK's ``encryption.set/get``, the
emulator's ``flow_data_exchange`` against a partner's Flow endpoint written with
:mod:`partnerhub.testing.flows`, and ``complete_flow`` arriving as an ``nfm_reply`` webhook."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from partnerhub.testing import Emulator, TestPartner, WebhookReceiver
from partnerhub.testing.flows import (
    FlowCryptoError,
    decrypt_request,
    decrypt_response,
    encrypt_request,
    encrypt_response,
    generate_key_pair,
)

CUSTOMER = "4917612345678"
PRIVATE, PUBLIC = generate_key_pair()


def answer(payload: dict[str, Any]) -> dict[str, Any]:
    """The partner's endpoint logic under test."""
    if payload["action"] == "ping":
        return {"data": {"status": "active"}}
    if payload["action"] == "INIT":
        return {"screen": "PICK", "data": {"sizes": ["S", "M", "L"]}}
    return {"screen": "DONE", "data": {"size": payload["data"]["size"]}}


class Endpoint(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        try:
            opened = decrypt_request(body, PRIVATE)
        except FlowCryptoError:
            self.send_response(421)
            self.end_headers()
            return
        text = encrypt_response(answer(opened.payload), opened.aes_key, opened.iv).encode()
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def flow_endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/flow"
    server.shutdown()
    server.server_close()


def test_the_endpoint_logic_without_a_server() -> None:
    """A unit test of an endpoint with WhatsApp's half of the crypto, no server at all."""
    sealed = encrypt_request({"version": "3.0", "action": "INIT", "flow_token": "t"}, PUBLIC)
    opened = decrypt_request(sealed.body, PRIVATE)
    text = encrypt_response(answer(opened.payload), opened.aes_key, opened.iv)
    assert decrypt_response(text, sealed.aes_key, sealed.iv)["screen"] == "PICK"
    _, other_public = generate_key_pair()
    with pytest.raises(FlowCryptoError):
        decrypt_request(encrypt_request({"action": "ping"}, other_public).body, PRIVATE)


def test_key_exchange_and_completion_through_the_plugin(
    partner: TestPartner, emulator: Emulator, webhook_receiver: WebhookReceiver, flow_endpoint: str
) -> None:
    number = emulator.onboard(partner.id)
    emulator.set_status(number.channel_id, "running")
    wa = partner.messaging(partner.client.channels.generate_api_key(number.channel_id))
    assert wa.encryption.get() is None
    assert wa.encryption.set(PUBLIC) is True
    stored = wa.encryption.get()
    assert stored is not None and stored.business_public_key == PUBLIC
    assert stored.business_public_key_signature_status == "VALID"

    ping = emulator.flow_data_exchange(number.channel_id, flow_endpoint, "ping")
    assert ping["ok"] and ping["response"] == {"data": {"status": "active"}}
    init = emulator.flow_data_exchange(number.channel_id, flow_endpoint, "INIT", flow_token="t1")
    assert init["response"] == {"screen": "PICK", "data": {"sizes": ["S", "M", "L"]}}
    step = emulator.flow_data_exchange(
        number.channel_id, flow_endpoint, flow_token="t1", screen="PICK", data={"size": "M"}
    )
    assert step["response"] == {"screen": "DONE", "data": {"size": "M"}}

    wa.webhook.set(webhook_receiver.url + "/whatsapp")
    emulator.complete_flow(number.channel_id, CUSTOMER, {"size": "M"}, flow_token="t1")
    delivered = webhook_receiver.wait_for("message:interactive")
    (message,) = delivered["entry"][0]["changes"][0]["value"]["messages"]
    reply = message["interactive"]["nfm_reply"]
    assert message["interactive"]["type"] == "nfm_reply"
    assert (reply["name"], reply["body"]) == ("flow", "Sent")
    assert json.loads(reply["response_json"]) == {"size": "M", "flow_token": "t1"}
