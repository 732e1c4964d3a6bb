"""The sync client over real sockets against a ``partnerhub serve`` process."""

from __future__ import annotations

import time

import pytest

from partnerhub.client import (
    AuthenticationError,
    NotFoundError,
    PartnerClient,
    PermissionDeniedError,
    ValidationError,
)
from tests.receiver import Receiver
from tests.sdk.conftest import EMAIL, OTHER_PARTNER_ID, PASSWORD, Server, world_document

pytestmark = pytest.mark.slow


def test_sync_client_walkthrough(server: Server, receiver: Receiver) -> None:
    doc, world = world_document(clients=250)
    server.emulator("/_emulator/seed", doc)
    waits: list[float] = []
    with PartnerClient(
        world.partner_id, api_key=world.api_key, base_url=server.base_url, sleep=waits.append
    ) as hub:
        assert hub.partner.get().brand_name == "SDK Partner"
        assert hub.partner.update(country="DE").country == "DE"

        key = hub.api_keys.create("sync")
        assert key.id in [k.id for k in hub.api_keys.iter(page_size=1)]
        hub.api_keys.revoke(key.id)

        assert [
            c.id for c in hub.clients.iter(page_size=100, sort="created_at")
        ] == world.client_ids
        page = hub.clients.list(limit=10, offset=245)
        assert (page.total, page.count, page.next_offset()) == (250, 5, None)
        assert hub.clients.update(world.client_ids[3], max_channels=3).max_channels == 3
        assert hub.clients.create_shared("Shop", "o@shop.example").name == "Shop"
        assert hub.clients.balance(world.client_ids[0], granularity="month").currency == "eur"

        assert [c.id for c in hub.channels.iter()] == [world.channel_id]
        assert hub.channels.list().items[0].setup_info.phone_number == "+4915112345678"
        usage = hub.channels.usage(world.channel_client_id, world.channel_id)
        assert usage.pricing_analytics.data is not None
        assert (
            hub.channels.request_cancellation(
                world.channel_client_id, world.channel_id
            ).cancellation_date
            is not None
        )
        assert hub.waba_accounts.get(world.waba_id).id == world.waba_id
        assert hub.balance.get().total == 42.5

        hub.webhook.set(receiver.url, headers={"Authorization": "Bearer receiver"})
        assert hub.webhook.get() == receiver.url
        assert hub.webhook.set_auto_approve(True).auto_approve is True
        assert hub.webhook.regenerate_platform_secret().startswith("whsec_")
        assert hub.webhook.set_io_signature(True).enabled is True
        sent = hub.webhook.send_test()
        receiver.wait_for(1)
        deadline = time.monotonic() + 10
        while hub.deliveries.list().items[0].status != "delivered":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert receiver.requests[0].headers["authorization"] == "Bearer receiver"
        assert sent.delivery_id in [d.id for d in hub.deliveries.iter()]
        assert hub.deliveries.list(limit=1).total == 1
        assert hub.deliveries.retry(sent.delivery_id).id == sent.delivery_id

        with pytest.raises(NotFoundError):
            hub.waba_accounts.get("missingWA")
        with pytest.raises(ValidationError):
            hub.clients.list(limit=5000)
    assert waits == []

    with (
        PartnerClient(OTHER_PARTNER_ID, api_key=world.api_key, base_url=server.base_url) as other,
        pytest.raises(PermissionDeniedError),
    ):
        other.partner.get()


def test_sync_token_auth_refreshes_after_the_virtual_clock_moves(server: Server) -> None:
    doc, world = world_document()
    server.emulator("/_emulator/seed", doc)
    with PartnerClient(
        world.partner_id, username=EMAIL, password=PASSWORD, base_url=server.base_url
    ) as hub:
        assert hub.partner.get().id == world.partner_id
        first = getattr(hub.auth, "access_token", None)
        server.emulator("/_emulator/clock/advance", {"seconds": 86400 + 60})
        assert hub.partner.get().id == world.partner_id
        assert getattr(hub.auth, "access_token", None) not in (None, first)

    with (
        PartnerClient(
            world.partner_id, username=EMAIL, password="wrong-password", base_url=server.base_url
        ) as bad,
        pytest.raises(AuthenticationError),
    ):
        bad.partner.get()
