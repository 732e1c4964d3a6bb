"""The plugin's ``emulator.request_partner_change`` (issue 18 item 5): the test's partner loses a
client to another partner, an emulated one or one the test made."""

from __future__ import annotations

import pytest

from partnerhub.client import AuthenticationError, PartnerClient
from partnerhub.testing import Emulator, TestPartner, WebhookReceiver


def test_losing_a_client_to_an_emulated_partner(
    partner: TestPartner, emulator: Emulator, webhook_receiver: WebhookReceiver
) -> None:
    number = emulator.onboard(partner.id)
    emulator.set_status(number.channel_id, "running")
    key = partner.client.channels.generate_api_key(number.channel_id)
    moved = emulator.request_partner_change(number.client_id)
    assert moved["status"] == "completed" and moved["source_partner_id"] == partner.id
    assert partner.client.clients.list().total == 0
    lost = webhook_receiver.wait_for("channel_permission_revoked")
    assert lost["data"]["id"] == number.channel_id
    wa = partner.messaging(key)
    with pytest.raises(AuthenticationError):
        wa.webhook.get()


def test_a_pending_request_the_target_decides(partner: TestPartner, emulator: Emulator) -> None:
    number = emulator.onboard(partner.id)
    pending = emulator.request_partner_change(number.client_id, approve=False)
    assert pending["status"] == "pending"
    with PartnerClient(
        pending["target_partner_id"],
        api_key=pending["target_api_key"],
        base_url=partner.base_url,
    ) as target:
        assert [p.id for p in target.partner_changes.list(status="pending").items] == [
            pending["id"]
        ]
        assert target.partner_changes.reject(pending["id"]).status == "rejected"
    assert partner.client.clients.list().total == 1
