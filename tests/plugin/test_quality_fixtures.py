"""Health status, messaging limits and quality through the plugin's fixtures and the SDK: what
a partner's own test suite writes (issue 17)."""

from __future__ import annotations

import anyio
import pytest

from partnerhub.client import AsyncMessagingClient, AuthenticationError, MessagingClient
from partnerhub.testing import Emulator, TestPartner, WebhookReceiver


def test_quality_moves_reach_the_webhook_and_the_health_status(
    partner: TestPartner, webhook_receiver: WebhookReceiver, emulator: Emulator
) -> None:
    number = emulator.onboard(partner.id)
    emulator.set_status(number.channel_id, "running")
    key = partner.client.channels.generate_api_key(number.channel_id)
    wa = partner.messaging(key)

    health = wa.health_status()
    assert health.can_send_message == "AVAILABLE"
    assert [e.entity_type for e in health.entities] == ["PHONE_NUMBER", "WABA", "BUSINESS", "APP"]

    assert emulator.report_spam(number.channel_id, 25)["current_quality_rating"] == "RED"
    flagged = webhook_receiver.wait_for("phone_number_quality_update")
    assert flagged["data"]["event"] == "FLAGGED" and flagged["data"]["id"] == number.channel_id
    phone = wa.health_status().entity("PHONE_NUMBER")
    assert phone is not None and phone.can_send_message == "LIMITED" and phone.additional_info

    assert emulator.set_limit(number.channel_id, "TIER_50")["events"] == ["DOWNGRADE"]
    lowered = webhook_receiver.wait_for("phone_number_quality_update")
    assert (lowered["data"]["old_limit"], lowered["data"]["current_limit"]) == (
        "TIER_1K",
        "TIER_50",
    )
    assert emulator.set_quality(number.channel_id, "GREEN")["events"] == ["UNFLAGGED"]
    assert wa.health.status().can_send_message == "AVAILABLE"

    async def read_async() -> str:
        async with AsyncMessagingClient(key.api_key, base_url=key.address) as client:
            return (await client.health_status()).can_send_message

    assert anyio.run(read_async) == "AVAILABLE"

    # A new key revokes this one.
    partner.client.channels.generate_api_key(number.channel_id)
    with (
        MessagingClient(key.api_key, base_url=key.address, max_retries=0) as old,
        pytest.raises(AuthenticationError),
    ):
        old.health_status()
