"""The plugin's coexistence helpers (issue 18 item 3): ``emulator.onboard(...,
coexistence=...)``, the SDK's ``coexistence.synchronize`` and ``emulator.app_message``, against
the plugin's real server and receiver."""

from __future__ import annotations

import pytest

from partnerhub.client import ValidationError
from partnerhub.testing import Emulator, TestPartner, WebhookReceiver
from partnerhub.wire import events as wire

CUSTOMER = "4917612345678"


def test_coexistence_syncs_and_echoes(
    partner: TestPartner, webhook_receiver: WebhookReceiver, emulator: Emulator
) -> None:
    app = {
        "contacts": [{"phone_number": CUSTOMER, "full_name": "Grace Hopper"}],
        "threads": [{"wa_id": CUSTOMER, "messages": [{"text": "Hello", "days_ago": 2}]}],
    }
    number = emulator.onboard(partner.id, coexistence=app)
    emulator.set_status(number.channel_id, "running")
    assert partner.client.channels.list().items[0].is_on_biz_app is True
    wa = partner.messaging(partner.client.channels.generate_api_key(number.channel_id))
    wa.webhook.set(webhook_receiver.url + "/whatsapp")

    started = wa.coexistence.synchronize("smb_app_state_sync")
    assert started.messaging_product == "whatsapp" and started.request_id
    # The partner event, and Meta's change on the number's webhook.
    event = webhook_receiver.wait_for(lambda body: body.get("event") == "smb_app_state_sync")
    assert event["data"]["state_sync"][0]["contact"]["first_name"] == "Grace"
    change = webhook_receiver.wait_for(lambda body: "entry" in body)
    assert change["entry"][0]["changes"][0]["field"] == "smb_app_state_sync"

    wa.coexistence.synchronize("history")
    history = [webhook_receiver.wait_for("history")]  # phase 0 at once
    for _ in range(2):  # phases 1 and 2, a simulator step apart each
        emulator.steps(1)
        history.append(webhook_receiver.wait_for("history"))
    typed = [d.event for d in webhook_receiver.received if d.names == ["history"]]
    assert all(isinstance(e, wire.History) for e in typed) and len(typed) == 3
    phases = [h["data"]["history"][0]["metadata"]["phase"] for h in history]
    assert phases == [0, 1, 2]
    with pytest.raises(ValidationError):
        wa.coexistence.synchronize("history")  # once only

    echo = emulator.app_message(number.channel_id, CUSTOMER, "From the app")
    got = webhook_receiver.wait_for("smb_message_echoes")
    (change,) = got["entry"][0]["changes"]
    assert change["value"]["message_echoes"][0]["id"] == echo["id"]
