"""Every Partner API resource method that exists on the server, through the async SDK."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from partnerhub import webhooks
from partnerhub.client import AsyncPartnerClient, AuthenticationError, Page
from partnerhub.wire.clients import Channel, Client
from tests.conftest import EMULATOR
from tests.receiver import Receiver
from tests.sdk.conftest import World


async def test_partner_get_and_update(hub: AsyncPartnerClient, world: World) -> None:
    partner = await hub.partner.get()
    assert (partner.id, partner.brand_name) == (world.partner_id, "SDK Partner")

    updated = await hub.partner.update(brand_name="Renamed", country="DE")
    assert (updated.brand_name, updated.country) == ("Renamed", "DE")
    # Fields not given are left alone (UNSET is not sent), None clears a URL.
    assert updated.partner_redirect_url == "https://example.com/done"
    cleared = await hub.partner.update(partner_redirect_url=None)
    assert cleared.partner_redirect_url is None
    assert (await hub.partner.get()).brand_name == "Renamed"


async def test_api_keys_create_list_iter_revoke(
    hub: AsyncPartnerClient, client: httpx.AsyncClient, world: World
) -> None:
    created = await hub.api_keys.create("Prod Server")
    assert created.api_key.startswith("ph_test_") and created.name == "Prod Server"

    page = await hub.api_keys.list(limit=1, sort="-created_at")
    assert isinstance(page, Page)
    assert (page.limit, page.offset, page.total, page.count) == (1, 0, 2, 1)
    assert page.items[0].id == created.id and page.sort == ["-created_at"]
    assert sorted(k.id for k in [k async for k in hub.api_keys.iter(page_size=1)]) == sorted(
        k.id for k in (await hub.api_keys.list()).items
    )

    await hub.api_keys.revoke(created.id)
    revoked = AsyncPartnerClient(
        world.partner_id, api_key=created.api_key, base_url=hub._core.base_url, http_client=client
    )
    with pytest.raises(AuthenticationError):
        await revoked.partner.get()


async def test_webhook_settings(hub: AsyncPartnerClient) -> None:
    assert await hub.webhook.get() is None
    partner = await hub.webhook.set("https://example.com/hook", headers={"Authorization": "x"})
    assert partner.webhook_url == "https://example.com/hook"
    assert await hub.webhook.get() == "https://example.com/hook"
    status = await hub.webhook.status()  # not disabled: the [ours] fields are None
    assert (status.webhook_url, status.webhook_disabled_at) == ("https://example.com/hook", None)
    assert (await hub.partner.get()).webhook_disabled_reason is None

    assert (await hub.webhook.set_auto_approve(True)).auto_approve is True
    assert (await hub.webhook.set_auto_approve(False)).auto_approve is False

    secret = await hub.webhook.regenerate_platform_secret()
    assert secret.startswith("whsec_")
    assert (await hub.webhook.set_io_signature(True)).enabled is True
    assert (await hub.webhook.set_io_signature(False)).enabled is False

    await hub.webhook.set(None)
    assert await hub.webhook.get() is None


async def test_test_event_delivery_log_retry_and_verify(
    hub: AsyncPartnerClient, receiver: Receiver
) -> None:
    """A test event reaches a real receiver; partnerhub.webhooks verifies and parses it."""
    secret = await hub.webhook.regenerate_platform_secret()
    await hub.webhook.set(receiver.url)
    sent = await hub.webhook.send_test()
    assert sent.count == 1

    async with asyncio.timeout(10):
        while not receiver.requests:  # noqa: ASYNC110  (the receiver is a thread)
            await asyncio.sleep(0.01)
    delivered = receiver.requests[0]
    event = webhooks.construct_event(delivered.body, delivered.headers, secret, scheme="standard")
    assert (event.id, event.event) == (sent.event_id, "webhook_test")
    webhooks.verify(delivered.body, delivered.headers, secret, scheme="360dialog")

    async with asyncio.timeout(10):
        while (await hub.deliveries.list()).items[0].status != "delivered":  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    page = await hub.deliveries.list(filters={"status": "delivered"}, sort="-created_at")
    assert [d.id for d in page.items] == [sent.delivery_id]
    assert [d.id async for d in hub.deliveries.iter(created_after="2000-01-01T00:00:00Z")] == [
        sent.delivery_id
    ]
    retried = await hub.deliveries.retry(sent.delivery_id)
    assert retried.id == sent.delivery_id


async def test_clients(hub: AsyncPartnerClient, world: World) -> None:
    page = await hub.clients.list(limit=2, sort="created_at")
    assert isinstance(page.items[0], Client)
    assert ([c.id for c in page.items], page.total) == (world.client_ids[:2], 3)
    only = await hub.clients.list(filters={"name": "Client 00002"})
    assert [c.id for c in only.items] == [world.client_ids[2]]

    updated = await hub.clients.update(world.client_ids[1], partner_payload="crm-42")
    assert (updated.partner_payload, updated.max_channels) == ("crm-42", 10)
    updated = await hub.clients.update(world.client_ids[1], max_channels=5)
    assert (updated.partner_payload, updated.max_channels) == ("crm-42", 5)

    shared = await hub.clients.create_shared("Pizza Place", "owner@pizza.example")
    assert shared.name == "Pizza Place"
    assert len([c async for c in hub.clients.iter(page_size=2)]) == 4

    report = await hub.clients.balance(
        world.client_ids[0],
        start_date=datetime(2026, 1, 1, tzinfo=UTC),
        end_date=datetime(2026, 1, 31, tzinfo=UTC),
        granularity="day",
    )
    assert report.granularity == "day" and report.start_date == 1767225600


async def test_channels_waba_usage_balance(
    hub: AsyncPartnerClient, client: httpx.AsyncClient, world: World
) -> None:
    page = await hub.channels.list(filters={"status": "running"})
    assert [c.id for c in page.items] == [world.channel_id]
    assert isinstance(page.items[0], Channel)
    assert [c.id async for c in hub.channels.iter()] == [world.channel_id]

    waba = await hub.waba_accounts.get(world.waba_id)
    assert waba.client_id == world.channel_client_id

    response = await client.post(
        f"/_emulator/channels/{world.channel_id}/usage",
        headers=EMULATOR,
        json={
            "country": "DE",
            "pricing_category": "MARKETING",
            "volume": 2,
            "at": "2026-11-01T10:00:00Z",
        },
    )
    assert response.status_code in (200, 201), response.text
    usage = await hub.channels.usage(
        world.channel_client_id,
        world.channel_id,
        start_date=1793491200,
        end_date=1793577600,
        granularity="DAILY",
        countries=["DE", "FR"],
    )
    points = usage.pricing_analytics.data[0].data_points
    assert [(p.country, p.volume) for p in points] == [("DE", 2)]

    channel = await hub.channels.request_cancellation(world.channel_client_id, world.channel_id)
    assert channel.cancellation_date is not None
    channel = await hub.channels.request_cancellation(
        world.channel_client_id, world.channel_id, enabled=False
    )
    assert channel.cancellation_date is None

    balance = await hub.balance.get()
    assert balance.currency == "eur" and balance.total < 42.5  # the usage above was debited
