"""The plugin as partners meet it: installed, loaded by pytest on its own, used by a test module
that imports nothing of ours but the fixtures' types."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

INTEGRATION_TESTS = """
from partnerhub.testing import ReceivedWebhook


def test_working_integration(partner, webhook_receiver, emulator):
    keys = {}

    def handler(delivery: ReceivedWebhook) -> int:
        if delivery.body["event"] == "channel_running":
            channel_id = delivery.body["data"]["id"]
            keys[channel_id] = partner.client.channels.generate_api_key(channel_id)
        return 200

    webhook_receiver.handle(handler)
    number = emulator.onboard(partner.id, phone="+4915199990001")
    emulator.steps(3)
    assert webhook_receiver.wait_for("channel_running")["data"]["id"] == number.channel_id
    wa = partner.messaging(keys[number.channel_id])
    wa.webhook.set(webhook_receiver.url + "/whatsapp")
    emulator.inbound_message(number.channel_id, "4917600000001", "Hi")
    assert webhook_receiver.wait_for("message:text")["object"] == "whatsapp_business_account"


def test_broken_integration_never_sets_the_messaging_webhook(partner, webhook_receiver, emulator):
    webhook_receiver.handle(lambda delivery: 200)  # forgets to generate the key
    number = emulator.onboard(partner.id)
    emulator.steps(3)
    webhook_receiver.wait_for("channel_running")
    emulator.inbound_message(number.channel_id, "4917600000002", "Hi")
    webhook_receiver.wait_for("message:text", timeout=0.5)


def test_crashing_handler(partner, webhook_receiver, emulator):
    def handler(delivery):
        return delivery.body["data"]["no_such_field"]

    webhook_receiver.handle(handler)
    emulator.onboard(partner.id)
    webhook_receiver.wait_for("channel_running", timeout=0.5)
"""


@pytest.mark.slow
def test_fixtures_in_a_partners_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_integration=INTEGRATION_TESTS)
    # Only to quiet pytest-asyncio (installed here, not needed by the fixtures).
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=180)
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: no 'message:text' webhook arrived at http://127.0.0.1:*/webhook"
            " within 0.5 s",
            "*received 5, in order:",
            "*channel_ready",
            "*5. channel_running",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: no 'channel_running' webhook arrived at * within 0.5 s",
            "*received 2, in order:",
            # (fnmatch reads [...] as a character class, hence the *)
            "*1. c*_created *500: handler raised KeyError('no_such_field')*",
            "*2 answered with an error (see * above)",
        ]
    )
