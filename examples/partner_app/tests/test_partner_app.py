"""The partner back end against a real partnerhub: onboarding to auto-reply, and the failures
a production integration meets (outages, rejected templates, forged webhooks)."""

from __future__ import annotations

from partner_app.app import MESSAGING_PATH, TEMPLATE_NAME, PartnerApp
from partnerhub.testing import Emulator, TestPartner, WebhookReceiver

CUSTOMER = "4917612345678"


def bring_number_live(emulator: Emulator, partner: TestPartner) -> str:
    """A client signs up; Meta's review takes the number to running (three review steps)."""
    number = emulator.onboard(partner.id)
    emulator.steps(3)
    return number.channel_id


def test_running_number_gets_key_and_messaging_webhook(
    app: PartnerApp, partner: TestPartner, webhook_receiver: WebhookReceiver, emulator: Emulator
) -> None:
    channel_id = bring_number_live(emulator, partner)

    running = webhook_receiver.wait_for("channel_running")
    assert running["data"]["id"] == channel_id
    assert channel_id in app.numbers
    assert partner.client.channels.list_api_keys(channel_id).total == 1
    wa = partner.messaging(app.numbers[channel_id].api_key)
    assert wa.webhook.get().url == webhook_receiver.url + MESSAGING_PATH + channel_id
    assert webhook_receiver.errors() == []


def test_inbound_message_gets_the_approved_template(
    app: PartnerApp, partner: TestPartner, webhook_receiver: WebhookReceiver, emulator: Emulator
) -> None:
    channel_id = bring_number_live(emulator, partner)
    emulator.steps(1)  # Meta reviews the template the app submitted
    decided = webhook_receiver.wait_for("waba_template_status_changed")
    assert (decided["data"]["name"], decided["data"]["status"]) == (TEMPLATE_NAME, "approved")

    emulator.inbound_message(channel_id, CUSTOMER, "Where is my order?", profile_name="Grace")
    webhook_receiver.wait_for("message:text")
    assert [r.to for r in app.replies] == [CUSTOMER]

    emulator.advance(emulator.server.message_status_seconds)
    sent = webhook_receiver.wait_for("message_status:sent")
    status = sent["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert (status["id"], status["recipient_id"]) == (app.replies[0].message_id, CUSTOMER)


def test_rejected_template_means_no_reply(
    app: PartnerApp, partner: TestPartner, webhook_receiver: WebhookReceiver, emulator: Emulator
) -> None:
    channel_id = bring_number_live(emulator, partner)
    template = partner.client.templates.list(app.numbers[channel_id].waba_account_id).items[0]
    assert template.id is not None
    emulator.reject_template(template.id, "PROMOTIONAL")
    webhook_receiver.wait_for("waba_template_status_changed")

    emulator.inbound_message(channel_id, CUSTOMER, "Hello?")
    webhook_receiver.wait_for("message:text")
    assert app.replies == []
    assert app.unanswered == [CUSTOMER]
    assert app.rejected_templates == {app.numbers[channel_id].waba_account_id: "PROMOTIONAL"}


def test_outage_then_retry_generates_one_key(
    app: PartnerApp, partner: TestPartner, webhook_receiver: WebhookReceiver, emulator: Emulator
) -> None:
    number = emulator.onboard(partner.id)
    webhook_receiver.wait_for("channel_created")
    emulator.fail_webhooks(1, status=503)  # our endpoint is down for the next delivery
    emulator.set_status(number.channel_id, "running")
    emulator.deliver()  # the attempt fails: 503
    assert number.channel_id not in app.numbers
    emulator.advance("10s")  # the hub retries 5 s later

    webhook_receiver.wait_for("channel_running")
    assert partner.client.channels.list_api_keys(number.channel_id).total == 1
    assert number.channel_id in app.numbers


def test_forged_webhook_is_refused(app: PartnerApp) -> None:
    forged = b'{"id": "x", "event": "channel_running", "data": {}}'
    status = app.handle("/webhook", {"x-360dialog-signature": "00" * 32}, forged)
    assert status == 401
    assert app.numbers == {}
