"""The plugin's fixtures, used directly (our own suite loads the plugin like anyone's)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from partnerhub.client import AuthenticationError, ValidationError
from partnerhub.testing import Emulator, PartnerhubServer, TestPartner, WebhookReceiver


def test_partner_has_a_working_client(partner: TestPartner) -> None:
    assert partner.client.partner.get().id == partner.id
    assert partner.platform_secret is not None
    assert partner.platform_secret.startswith("whsec_")


def test_partners_are_isolated(partner: TestPartner, emulator: Emulator) -> None:
    emulator.onboard(partner.id)
    other = partner.client.channels.list()
    assert other.total == 1


def test_lifecycle_webhooks_arrive_signed(
    partner: TestPartner, webhook_receiver: WebhookReceiver, emulator: Emulator
) -> None:
    number = emulator.onboard(partner.id)
    assert webhook_receiver.wait_for("channel_created")["data"]["id"] == number.channel_id
    emulator.steps(3)
    running = webhook_receiver.wait_for("channel_running")
    assert running["data"]["id"] == number.channel_id
    assert webhook_receiver.received[-1].verified is True
    key = partner.client.channels.generate_api_key(number.channel_id)
    wa = partner.messaging(key)
    wa.webhook.set(webhook_receiver.url + "/whatsapp")
    emulator.inbound_message(number.channel_id, "4917612345678", "Hi")
    inbound = webhook_receiver.wait_for("message:text")
    assert inbound["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] == "Hi"
    wa.messages.send_text("4917612345678", "Hello back")
    emulator.advance("1h")
    webhook_receiver.wait_for("message_status:sent")


def test_handler_runs_on_each_delivery(
    partner: TestPartner, webhook_receiver: WebhookReceiver, emulator: Emulator
) -> None:
    keys: list[str] = []

    def handler(delivery: object) -> None:
        body = delivery.body  # type: ignore[attr-defined]
        if body["event"] == "channel_running":
            keys.append(partner.client.channels.generate_api_key(body["data"]["id"]).api_key)

    webhook_receiver.handle(handler)
    number = emulator.onboard(partner.id)
    emulator.set_status(number.channel_id, "running")
    webhook_receiver.wait_for("channel_running")
    assert len(keys) == 1


def test_reset_is_fast(partnerhub_server: PartnerhubServer) -> None:
    partnerhub_server.reset()
    times = []
    for _ in range(20):
        start = time.perf_counter()
        partnerhub_server.reset()
        times.append(time.perf_counter() - start)
    assert sorted(times)[10] < 0.020


def test_emulator_errors_are_readable(emulator: Emulator) -> None:
    with pytest.raises(AssertionError, match="404"):
        emulator.set_status("nosuchCH", "running")


def test_wrong_key_is_refused(partner: TestPartner) -> None:
    from partnerhub.client import PartnerClient

    with (
        PartnerClient(partner.id, api_key="ph_test_" + "x" * 34, base_url=partner.base_url) as c,
        pytest.raises(AuthenticationError),
    ):
        c.partner.get()


def test_the_plugin_imports_nothing_of_the_server() -> None:
    """Partners load the plugin into their own test process: only the SDK may come with it."""
    import subprocess
    import sys

    check = (
        "import sys, partnerhub.pytest_plugin\n"
        "heavy = {'litestar', 'sqlalchemy', 'aiohttp', 'alembic', 'uvicorn', 'structlog'}\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "ours = {m.split('.')[1] for m in sys.modules if m.startswith('partnerhub.')}\n"
        "assert not loaded & heavy, loaded & heavy\n"
        "assert not ours & {'server', 'adapters', 'domain', 'cli'}, ours\n"
    )
    subprocess.run([sys.executable, "-c", check], check=True)


def test_receiver_refuses_a_wrong_signature(
    partner: TestPartner, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.secret = "whsec_" + "QUJD" * 11  # not the partner's secret
    partner.client.webhook.send_test()
    webhook_receiver.wait_for(lambda body: True)
    delivery = webhook_receiver.received[0]
    assert (delivery.verified, delivery.status) == (False, 401)
    assert "signature check failed" in webhook_receiver.errors()[0]


def test_durations() -> None:
    from datetime import timedelta

    from partnerhub.testing import seconds_of

    assert seconds_of("1h30m") == 5400
    assert seconds_of(timedelta(days=1)) == seconds_of("1d") == 86400
    with pytest.raises(ValueError, match="not a duration"):
        seconds_of("soon")


def test_mm_lite_terms_and_injected_faults(
    partner: TestPartner, webhook_receiver: WebhookReceiver, emulator: Emulator
) -> None:
    number = emulator.onboard(partner.id)
    emulator.set_status(number.channel_id, "running")
    wa = partner.messaging(partner.client.channels.generate_api_key(number.channel_id))
    wa.webhook.set(webhook_receiver.url + "/whatsapp")
    created = wa.templates.create(
        name="spring_sale",
        language="en",
        category="MARKETING",
        components=[{"type": "BODY", "text": "20% off"}],
    )
    emulator.approve_template(created.id)
    with pytest.raises(ValidationError):  # 131055: the WABA has not accepted the terms
        wa.messages.send_marketing_template("4917612345679", "spring_sale", "en")
    emulator.accept_mm_lite_terms(number.waba_account_id)
    sent = wa.messages.send_marketing_template("4917612345679", "spring_sale", "en")
    emulator.inject_fault("4917612345680", "spam_limit")
    failing = wa.messages.send_marketing_template("4917612345680", "spring_sale", "en")
    emulator.advance("1h")

    def status_of(message_id: str, status: str) -> Any:
        def match(body: Any) -> bool:
            entries = body.get("entry", [{}])[0].get("changes", [{}])[0].get("value", {})
            return any(
                s["id"] == message_id and s["status"] == status for s in entries.get("statuses", [])
            )

        body = webhook_receiver.wait_for(match)
        value = body["entry"][0]["changes"][0]["value"]
        return next(s for s in value["statuses"] if s["id"] == message_id)

    assert status_of(sent.message_id, "sent")["pricing"]["category"] == "marketing_lite"
    assert status_of(failing.message_id, "failed")["errors"][0]["code"] == 131048
