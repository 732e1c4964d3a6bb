"""The plugin's ``emulator.decide_display_name`` / ``violate`` / ``restrict`` (issue 18 item 6)
with the SDK's display-name and CTWA calls."""

from __future__ import annotations

import pytest

from partnerhub.client import PermissionDeniedError
from partnerhub.testing import Emulator, TestPartner, WebhookReceiver

CUSTOMER = "4917612345678"


def test_display_name_decisions_and_ctwa(
    partner: TestPartner, webhook_receiver: WebhookReceiver, emulator: Emulator
) -> None:
    number = emulator.onboard(partner.id)
    emulator.set_status(number.channel_id, "running")
    channels = partner.client.channels
    asked = channels.request_display_name(number.client_id, number.channel_id, "Luigi Pizzeria")
    assert asked.status == "PENDING_REVIEW"
    emulator.decide_display_name(number.channel_id, "REJECTED", "Not the brand's name")
    update = webhook_receiver.wait_for("phone_number_name_update")
    assert update["data"]["decision"] == "REJECTED"
    assert update["data"]["rejection_reason"] == "Not the brand's name"
    channels.request_display_name(number.client_id, number.channel_id, "Luigi's Pizzeria")
    emulator.advance("1d")
    approved = webhook_receiver.wait_for(
        lambda body: (
            body.get("event") == "phone_number_name_update"
            and body["data"]["decision"] == "APPROVED"
        )
    )
    assert approved["data"]["phone_name"] == "Luigi's Pizzeria"
    names = channels.display_names(number.client_id, number.channel_id)
    assert [r.status for r in names.requests] == ["APPROVED", "REJECTED"]
    assert channels.enable_ctwa(number.client_id, number.channel_id).ctwa_enabled is True
    assert channels.disable_ctwa(number.client_id, number.channel_id).ctwa_enabled is False


def test_violate_and_restrict(
    partner: TestPartner, webhook_receiver: WebhookReceiver, emulator: Emulator
) -> None:
    number = emulator.onboard(partner.id)
    emulator.set_status(number.channel_id, "running")
    wa = partner.messaging(partner.client.channels.generate_api_key(number.channel_id))
    emulator.inbound_message(number.channel_id, CUSTOMER, "Hi")
    emulator.violate(number.waba_account_id, "ALCOHOL")
    assert webhook_receiver.wait_for("account_violation")["data"]["violation_type"] == "ALCOHOL"
    emulator.restrict(
        number.waba_account_id, "RESTRICTED_CUSTOMER_INITIATED_MESSAGING", duration="5d"
    )
    restriction = webhook_receiver.wait_for("account_restriction")["data"]
    assert restriction["restriction_info"][0]["restriction_type"] == (
        "RESTRICTED_CUSTOMER_INITIATED_MESSAGING"
    )
    webhook_receiver.wait_for("template_messaging_disabled")
    with pytest.raises(PermissionDeniedError) as refused:
        wa.messages.send_text(CUSTOMER, "Sorry")
    assert "131031" in str(refused.value)
    emulator.advance("5d")
    webhook_receiver.wait_for("template_messaging_enabled")
    emulator.inbound_message(number.channel_id, CUSTOMER, "Hello again")
    assert wa.messages.send_text(CUSTOMER, "Welcome back").messages[0].id.startswith("wamid.")
