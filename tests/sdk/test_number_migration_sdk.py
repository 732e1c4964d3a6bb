"""The SDK's number migration resource (issue 18 item 4) against the real app."""

from __future__ import annotations

import httpx
import pytest

from partnerhub.client import AsyncPartnerClient, ConflictError, ValidationError
from tests.helpers.migration import otp, set_two_step
from tests.sdk.conftest import World


async def test_migrate_a_number_in_and_move_one_to_a_new_waba(
    hub: AsyncPartnerClient, client: httpx.AsyncClient, world: World
) -> None:
    migrations = hub.number_migrations
    await set_two_step(client, "+4915100008801", True)
    with pytest.raises(ConflictError):
        await migrations.start(world.channel_client_id, "+4915100008801")
    await set_two_step(client, "+4915100008801", False)

    started = await migrations.start(world.channel_client_id, "+4915100008801", phone_name="Two")
    assert started.status == "pending_verification" and started.channel.status == "created"
    sent = await migrations.request_code(world.channel_client_id, started.id, "SMS")
    assert sent.status == "code_sent" and sent.code_method == "SMS"
    with pytest.raises(ValidationError):
        await migrations.verify_code(world.channel_client_id, started.id, "not-it")
    code = (await otp(client, started.id))["code"]
    done = await migrations.verify_code(world.channel_client_id, started.id, code)
    assert done.status == "completed" and done.channel.is_migrated is True
    assert (await migrations.get(world.channel_client_id, started.id)).status == "completed"

    moved = await migrations.move_to_new_waba(world.channel_client_id, world.channel_id)
    assert moved.moved_channel_ids == [world.channel_id]
    assert moved.currency_changed is False and moved.waba_account.id != world.waba_id
