"""``/multi_webhook``'s rules against the fakes: POST/PUT/PATCH, the limit of three, unique
names, what a new key clears; the URL rules: 360dialog's (no ``_`` in the host, no port) and the
SSRF rules in hub mode, in emulator mode the main webhook's (form only)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from partnerhub.domain.clients.model import ChannelStatus
from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.messaging import keys as channel_keys
from partnerhub.domain.messaging import multi_webhook
from partnerhub.domain.messaging.auth import ChannelKeyAuthenticator, ChannelPrincipal
from partnerhub.domain.messaging.multi_webhook import DestinationIn, check_url
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]

FIELD = "destinations[0].url"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://your_webhook.example.com", "'_'"),
        ("https://subdomain.your_webhook.example.com/hook", "'_'"),
        ("https://subdomain.yourwebhook.example.com:3000", "port"),
        ("https://8.8.8.8:443/hook", "port"),
        ("http://8.8.8.8/hook", "https"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://10.0.0.1/hook", "private"),
        ("ftp://example.com/hook", "scheme"),
    ],
)
async def test_hub_mode_refuses(url: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        await check_url(FIELD, url, hub_mode=True)
    assert refused.value.field == FIELD
    assert reason in refused.value.message


async def test_hub_mode_accepts_a_public_https_url_without_port() -> None:
    assert await check_url(FIELD, "https://8.8.8.8/hook", hub_mode=True) == "https://8.8.8.8/hook"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8123/hook", "http://my_receiver:9000/x", "https://a.example"]
)
async def test_emulator_mode_follows_the_main_webhooks_policy(url: str) -> None:
    assert await check_url(FIELD, url, hub_mode=False) == url


@pytest.fixture
async def principal(db: FakeDatabase, clock: FakeClock, new_uow: Uow) -> ChannelPrincipal:
    partner = builders.partner(clock.now())
    client = builders.client(partner, clock.now())
    waba = builders.waba(client, clock.now())
    live = builders.channel(client, waba, clock.now(), ChannelStatus.LIVE)
    db.seed(partner, client, waba, live)
    async with new_uow() as uow:
        issued = await channel_keys.generate(uow, clock, partner.id, live.id)
    return await ChannelKeyAuthenticator(new_uow, clock).authenticate(issued.secret)


def d(name: str, url: str | None = "https://a.example/hook", **headers: str) -> DestinationIn:
    return DestinationIn(name, url, headers or None)


async def test_post_put_patch(new_uow: Uow, clock: FakeClock, principal: ChannelPrincipal) -> None:
    async with new_uow() as uow:
        with pytest.raises(InvalidInput, match="enable it first"):
            await multi_webhook.append(uow, clock, principal, [d("a")], hub_mode=False)
    async with new_uow() as uow:
        ch = await multi_webhook.enable(
            uow, clock, principal, True, [d("a", X="1")], hub_mode=False
        )
    assert multi_webhook.targets(ch) == ["a"]
    async with new_uow() as uow:
        ch = await multi_webhook.append(uow, clock, principal, [d("b"), d("c")], hub_mode=False)
    assert multi_webhook.targets(ch) == ["a", "b", "c"]
    async with new_uow() as uow:
        with pytest.raises(InvalidInput, match="at most 3"):
            await multi_webhook.append(uow, clock, principal, [d("x")], hub_mode=False)
    async with new_uow() as uow:
        ch = await multi_webhook.update(
            uow, clock, principal, [d("a", "https://moved.example")], hub_mode=False
        )
    assert multi_webhook.destination(ch, "a") == {
        "name": "a",
        "url": "https://moved.example",
        "headers": {"X": "1"},
    }
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await multi_webhook.update(uow, clock, principal, [d("zz")], hub_mode=False)
    async with new_uow() as uow:
        ch = await multi_webhook.enable(uow, clock, principal, False, None, hub_mode=False)
    assert multi_webhook.targets(ch) == [] and len(ch.multi_webhook_destinations) == 3


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([d("a"), d("a")], "destinations[1].name"),
        ([d("a", None)], "destinations[0].url"),
        ([d(" a")], "destinations[0].name"),
        ([d(f"n{i}") for i in range(4)], "destinations"),
    ],
)
async def test_post_refusals(
    new_uow: Uow,
    clock: FakeClock,
    principal: ChannelPrincipal,
    items: list[DestinationIn],
    field: str,
) -> None:
    async with new_uow() as uow:
        with pytest.raises(InvalidInput) as refused:
            await multi_webhook.enable(uow, clock, principal, True, items, hub_mode=False)
    assert refused.value.field == field


async def test_names_are_case_sensitive(
    new_uow: Uow, clock: FakeClock, principal: ChannelPrincipal
) -> None:
    async with new_uow() as uow:
        ch = await multi_webhook.enable(
            uow, clock, principal, True, [d("Hook"), d("hook")], hub_mode=False
        )
    assert multi_webhook.targets(ch) == ["Hook", "hook"]


async def test_a_new_key_clears_the_destinations(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, principal: ChannelPrincipal
) -> None:
    async with new_uow() as uow:
        await multi_webhook.enable(uow, clock, principal, True, [d("a")], hub_mode=False)
    async with new_uow() as uow:
        await channel_keys.generate(uow, clock, principal.partner_id, principal.channel_id)
    channel = db.tables.channels[principal.channel_id]
    assert not channel.multi_webhook_enabled and channel.multi_webhook_destinations == []
