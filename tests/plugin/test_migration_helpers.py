"""The plugin's ``emulator.set_two_step`` / ``migration_otp`` (issue 18 item 4) with the sync
SDK over real HTTP: a number migrated into a client, its events at the partner's webhook."""

from __future__ import annotations

import pytest

from partnerhub.client import ConflictError
from partnerhub.testing import Emulator, TestPartner, WebhookReceiver, new_phone_number


def test_migrate_a_number_with_the_emulator_helpers(
    partner: TestPartner, webhook_receiver: WebhookReceiver, emulator: Emulator
) -> None:
    number = emulator.onboard(partner.id)
    migrations = partner.client.number_migrations
    phone = new_phone_number()
    emulator.set_two_step(phone, True)
    with pytest.raises(ConflictError):
        migrations.start(number.client_id, phone)
    emulator.set_two_step(phone, False)

    started = migrations.start(number.client_id, phone, phone_name="Migrated")
    created = webhook_receiver.wait_for(
        lambda b: b.get("event") == "channel_created" and b["data"]["id"] == started.id
    )
    assert created["data"]["phone_number"] == phone
    with pytest.raises(ValueError):
        emulator.migration_otp(started.id)  # no code requested yet
    migrations.request_code(number.client_id, started.id, "VOICE")
    done = migrations.verify_code(number.client_id, started.id, emulator.migration_otp(started.id))
    assert done.channel.is_migrated is True
    emulator.steps(1)
    submitted = webhook_receiver.wait_for(
        lambda b: b.get("event") == "channel_submitted" and b["data"]["id"] == started.id
    )
    assert submitted["data"]["status"] == "submitted"
