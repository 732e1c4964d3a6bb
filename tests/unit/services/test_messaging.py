"""The Messaging API's rules: channel keys, their authentication, sending (window, templates,
revoked keys), inbound messages, read marks, the simulated statuses and the channel webhook."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from partnerhub.domain.clients.model import Channel, ChannelStatus
from partnerhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.messaging import errors, webhook_config
from partnerhub.domain.messaging import keys as channel_keys
from partnerhub.domain.messaging import services as messaging
from partnerhub.domain.messaging.auth import ChannelKeyAuthenticator, ChannelPrincipal
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.messaging.model import MessageStatus
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]
USER = "4915199999999"
STEP = 1.0
CONFIG = messaging.MessagingConfig(status_step_seconds=STEP)


@dataclass
class Number:
    channel: Channel
    secret: str
    principal: ChannelPrincipal


@pytest.fixture
def channel(db: FakeDatabase, clock: FakeClock) -> Channel:
    partner = builders.partner(clock.now())
    client = builders.client(partner, clock.now())
    waba = builders.waba(client, clock.now())
    live = builders.channel(client, waba, clock.now(), ChannelStatus.LIVE)
    db.seed(partner, client, waba, live)
    return live


async def _key(new_uow: Uow, clock: FakeClock, channel: Channel) -> str:
    async with new_uow() as uow:
        issued = await channel_keys.generate(uow, clock, channel.partner_id, channel.id)
    return issued.secret


@pytest.fixture
async def number(new_uow: Uow, clock: FakeClock, channel: Channel) -> Number:
    secret = await _key(new_uow, clock, channel)
    principal = await ChannelKeyAuthenticator(new_uow, clock).authenticate(secret)
    return Number(channel, secret, principal)


# Channel keys ---------------------------------------------------------------------------------


async def test_a_new_channel_key_revokes_the_old_ones_and_clears_the_webhook(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, channel: Channel
) -> None:
    first = await _key(new_uow, clock, channel)
    db.tables.channels[channel.id].messaging_webhook_url = "https://bakery.example/wa"
    second = await _key(new_uow, clock, channel)
    assert channel_keys.well_formed(second) and second.endswith("AK")
    live = [k for k in db.tables.channel_keys.values() if k.revoked_at is None]
    assert [k.secret_digest for k in live] == [channel_keys.digest(second)]
    assert channel_keys.digest(first) not in [k.secret_digest for k in live]
    assert db.tables.channels[channel.id].messaging_webhook_url is None
    async with new_uow() as uow:
        listed, total = await channel_keys.list_keys(
            uow, channel.partner_id, channel.id, ListQuery()
        )
    assert total == 1 and channel_keys.masked(listed[0]).startswith(second[:6])


async def test_keys_are_generated_only_for_running_or_live_channels(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, channel: Channel
) -> None:
    db.tables.channels[channel.id].status = ChannelStatus.SUBMITTED
    with pytest.raises(InvalidInput) as refused:
        await _key(new_uow, clock, channel)
    assert refused.value.field == "channel_id"
    assert not db.tables.channel_keys


async def test_keys_need_the_clients_permission(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, channel: Channel
) -> None:
    db.tables.channels[channel.id].permission = False
    with pytest.raises(PermissionDenied):
        await _key(new_uow, clock, channel)


async def test_another_partners_channel_has_no_keys_to_list_or_revoke(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, channel: Channel
) -> None:
    await _key(new_uow, clock, channel)
    other = builders.partner(clock.now())
    db.seed(other)
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await channel_keys.list_keys(uow, other.id, channel.id, ListQuery())
        with pytest.raises(NotFound):
            await channel_keys.revoke(uow, clock, other.id, channel.id)


async def test_revoking_one_unknown_key_is_not_found_and_all_revokes_every_key(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, channel: Channel
) -> None:
    await _key(new_uow, clock, channel)
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await channel_keys.revoke(uow, clock, channel.partner_id, channel.id, "CKmissing")
    async with new_uow() as uow:
        revoked = await channel_keys.revoke(uow, clock, channel.partner_id, channel.id)
    assert len(revoked) == 1
    assert all(k.revoked_at is not None for k in db.tables.channel_keys.values())


# Authentication -------------------------------------------------------------------------------


async def test_a_channel_key_authenticates_as_its_channel(number: Number) -> None:
    p = number.principal
    assert (p.channel_id, p.partner_id, p.channel_status) == (
        number.channel.id,
        number.channel.partner_id,
        ChannelStatus.LIVE,
    )


@pytest.mark.parametrize("secret", [None, "", "short", "x" * 30 + "AK"])
async def test_a_missing_malformed_or_unknown_key_fails_authentication(
    new_uow: Uow, clock: FakeClock, secret: str | None
) -> None:
    with pytest.raises(GraphError) as refused:
        await ChannelKeyAuthenticator(new_uow, clock).authenticate(secret)
    assert refused.value.code == errors.AUTH_EXCEPTION


async def test_a_revoked_key_fails_once_the_cache_is_invalidated(
    new_uow: Uow, clock: FakeClock, number: Number
) -> None:
    auth = ChannelKeyAuthenticator(new_uow, clock, ttl_seconds=60)
    await auth.authenticate(number.secret)
    async with new_uow() as uow:
        await channel_keys.revoke(uow, clock, number.channel.partner_id, number.channel.id)
    await auth.authenticate(number.secret)  # cached within its TTL
    auth.invalidate()
    with pytest.raises(GraphError):
        await auth.authenticate(number.secret)
    await auth.drain()


async def test_a_key_of_a_number_without_permission_is_refused_with_code_10(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, number: Number
) -> None:
    db.tables.channels[number.channel.id].permission = False
    with pytest.raises(GraphError) as refused:
        await ChannelKeyAuthenticator(new_uow, clock).authenticate(number.secret)
    assert refused.value.code == errors.PERMISSION_DENIED


async def test_authentication_records_when_a_key_was_last_used(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, number: Number
) -> None:
    auth = ChannelKeyAuthenticator(new_uow, clock)
    await auth.authenticate(number.secret)
    await auth.drain()
    (key,) = db.tables.channel_keys.values()
    assert key.last_used_at is not None


# Sending --------------------------------------------------------------------------------------


def _sender(new_uow: Uow, clock: FakeClock) -> messaging.MessageSender:
    return messaging.MessageSender(messaging.UnitOfWorkSendStore(new_uow), clock, CONFIG)


TEXT = {"messaging_product": "whatsapp", "to": "+" + USER, "type": "text", "text": {"body": "Hi"}}


async def _inbound(new_uow: Uow, clock: FakeClock, channel: Channel) -> str:
    body = {"channel_id": channel.id, "from": USER, "type": "text", "text": {"body": "Hello"}}
    async with new_uow() as uow:
        message = await messaging.receive_inbound(uow, clock, body)
    return message.id


class _HeldStore(messaging.UnitOfWorkSendStore):
    """Two batches in flight at once, as on PostgreSQL; the first waits for ``release``."""

    concurrency = 2

    def __init__(self, new_uow: Uow) -> None:
        super().__init__(new_uow)
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.batches = 0

    async def store_batch(self, *args: Any, **kwargs: Any) -> None:
        self.batches += 1
        self.started.set()
        if self.batches == 1:
            await self.release.wait()
        await super().store_batch(*args, **kwargs)


async def test_a_writer_cancelled_while_another_runs_leaves_its_sends_to_that_one(
    new_uow: Uow, clock: FakeClock, number: Number
) -> None:
    """Shutdown may cancel one writer while another is in its transaction: the send queued for
    the cancelled one is neither lost nor failed, the running writer takes it after its batch."""
    await _inbound(new_uow, clock, number.channel)
    store = _HeldStore(new_uow)
    sender = messaging.MessageSender(store, clock, CONFIG)
    first = asyncio.ensure_future(sender.send(number.principal, TEXT))
    await store.started.wait()  # the first writer gathered and is in its transaction
    running = set(sender._writers)
    second = asyncio.ensure_future(sender.send(number.principal, TEXT))
    await asyncio.sleep(0)  # queued, and a second writer started for it
    (other,) = sender._writers - running
    other.cancel()
    await asyncio.sleep(0)
    assert other.cancelled() and len(sender._queue) == 1 and not second.done()
    store.release.set()
    accepted = await asyncio.gather(first, second)
    assert store.batches == 2
    assert len({a.message_id for a in accepted}) == 2


async def test_free_form_text_needs_the_users_message_within_24_hours(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, number: Number
) -> None:
    sender = _sender(new_uow, clock)
    with pytest.raises(GraphError) as refused:
        await sender.send(number.principal, TEXT)
    assert refused.value.code == errors.RE_ENGAGEMENT_MESSAGE
    await _inbound(new_uow, clock, number.channel)
    accepted = await sender.send(number.principal, TEXT)
    assert accepted.response()["contacts"] == [{"input": "+" + USER, "wa_id": USER}]
    stored = db.tables.messages[accepted.message_id]
    assert (stored.status, stored.pricing_category) == (MessageStatus.ACCEPTED, "SERVICE")
    clock.advance(24 * 3600 + 1)
    with pytest.raises(GraphError):
        await sender.send(number.principal, TEXT)
    await sender.aclose()


async def test_a_template_send_is_priced_by_the_templates_category(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, number: Number
) -> None:
    waba = db.tables.wabas[number.channel.waba_account_id]
    db.seed(
        builders.template(
            waba,
            clock.now(),
            name="promo",
            category="MARKETING",
            components=[{"type": "BODY", "text": "Sale!"}],
        )
    )
    body = {
        "messaging_product": "whatsapp",
        "to": USER,
        "type": "template",
        "template": {"name": "promo", "language": {"code": "en"}},
    }
    accepted = await _sender(new_uow, clock).send(number.principal, body)
    assert accepted.response()["messages"][0]["message_status"] == "accepted"
    assert db.tables.messages[accepted.message_id].pricing_category == "MARKETING"
    missing = body | {"template": {"name": "nope", "language": {"code": "en"}}}
    with pytest.raises(GraphError) as refused:
        await _sender(new_uow, clock).send(number.principal, missing)
    assert refused.value.code == errors.TEMPLATE_DOES_NOT_EXIST


async def test_a_key_revoked_after_authentication_sends_nothing(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, number: Number
) -> None:
    await _inbound(new_uow, clock, number.channel)
    async with new_uow() as uow:
        await channel_keys.revoke(uow, clock, number.channel.partner_id, number.channel.id)
    with pytest.raises(GraphError) as refused:
        await _sender(new_uow, clock).send(number.principal, TEXT)
    assert refused.value.code == errors.AUTH_EXCEPTION
    assert not [m for m in db.tables.messages.values() if m.direction == "outbound"]


async def test_a_channel_that_is_not_running_cannot_send(
    new_uow: Uow, clock: FakeClock, number: Number
) -> None:
    restricted = replace(number.principal, channel_status=ChannelStatus.ACCOUNT_RESTRICTION)
    with pytest.raises(GraphError) as refused:
        await _sender(new_uow, clock).send(restricted, TEXT)
    assert refused.value.code == 131031  # Business Account locked


# Inbound messages and read marks --------------------------------------------------------------


async def test_an_inbound_message_opens_the_window_and_goes_to_the_channel_webhook(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, channel: Channel
) -> None:
    db.tables.channels[channel.id].messaging_webhook_url = "https://bakery.example/wa"
    message_id = await _inbound(new_uow, clock, channel)
    assert db.tables.messages[message_id].status == MessageStatus.RECEIVED
    assert (channel.id, USER) in db.tables.contacts
    (event,) = db.events("message_received")
    assert event.channel_id == channel.id
    value = db.bodies("message_received")[0]["entry"][0]["changes"][0]["value"]
    assert value["messages"][0]["id"] == message_id
    assert len(db.deliveries()) == 1


async def test_a_channel_still_in_review_receives_nothing(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, channel: Channel
) -> None:
    db.tables.channels[channel.id].status = ChannelStatus.READY
    with pytest.raises(InvalidInput) as refused:
        await _inbound(new_uow, clock, channel)
    assert refused.value.field == "channel_id"
    assert not db.tables.messages and not db.events()


async def test_the_business_marks_only_its_own_inbound_messages_read(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, number: Number
) -> None:
    message_id = await _inbound(new_uow, clock, number.channel)
    async with new_uow() as uow:
        await messaging.mark_read(uow, number.principal, {"message_id": message_id})
    assert db.tables.messages[message_id].status == MessageStatus.READ
    async with new_uow() as uow:
        with pytest.raises(GraphError) as refused:
            await messaging.mark_read(uow, number.principal, {"message_id": "wamid.other"})
        assert refused.value.code == errors.PARAMETER_VALUE_INVALID
        with pytest.raises(GraphError) as missing:
            await messaging.mark_read(uow, number.principal, {})
        assert missing.value.code == errors.REQUIRED_PARAMETER_MISSING


# Simulated statuses ---------------------------------------------------------------------------


async def _round(new_uow: Uow, clock: FakeClock) -> int:
    clock.advance(STEP)
    async with new_uow() as uow:
        return await messaging.run_due_statuses(uow, clock, CONFIG)


async def test_a_sent_message_goes_sent_delivered_read_and_delivery_is_charged(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, number: Number
) -> None:
    await _inbound(new_uow, clock, number.channel)
    accepted = await _sender(new_uow, clock).send(number.principal, TEXT)
    seen = []
    while await _round(new_uow, clock):
        seen.append(db.tables.messages[accepted.message_id].status)
    assert seen == ["sent", "delivered", "read"]
    assert db.tables.messages[accepted.message_id].next_status_at is None
    assert [e.type for e in db.events()][1:] == [
        "message_sent",
        "message_delivered",
        "message_read",
    ]
    (usage,) = db.tables.usage.values()
    assert (usage.pricing_category, usage.cost_micros) == ("SERVICE", 0)  # service is free


async def test_a_message_to_an_unreachable_number_fails_with_its_error_code(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, number: Number
) -> None:
    await _inbound(new_uow, clock, number.channel)
    async with new_uow() as uow:
        await messaging.set_unreachable(uow, "+" + USER, 131026)
    accepted = await _sender(new_uow, clock).send(number.principal, TEXT)
    assert await _round(new_uow, clock) == 1
    failed = db.tables.messages[accepted.message_id]
    assert failed.status == MessageStatus.FAILED
    assert failed.error is not None and failed.error["code"] == 131026
    assert await _round(new_uow, clock) == 0  # final
    assert not db.tables.usage


async def test_an_unreachable_mark_needs_a_phone_number(new_uow: Uow, db: FakeDatabase) -> None:
    async with new_uow() as uow:
        with pytest.raises(InvalidInput) as refused:
            await messaging.set_unreachable(uow, "abc", 131026)
        await messaging.set_unreachable(uow, USER, None)
    assert refused.value.field == "wa_id"


# The channel's messaging webhook --------------------------------------------------------------


async def test_the_messaging_webhook_is_set_only_while_key_and_permission_hold(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, number: Number
) -> None:
    url = "https://bakery.example/wa"
    async with new_uow() as uow:
        await webhook_config.set_webhook(
            uow, clock, number.principal, url, {"X-A": "1"}, hub_mode=False
        )
    assert db.tables.channels[number.channel.id].messaging_webhook_headers == {"X-A": "1"}
    async with new_uow() as uow:
        assert (await messaging.get_webhook(uow, number.principal)).messaging_webhook_url == url
    db.tables.channels[number.channel.id].permission = False
    async with new_uow() as uow:
        with pytest.raises(GraphError) as refused:
            await webhook_config.set_webhook(
                uow, clock, number.principal, None, None, hub_mode=False
            )
    assert refused.value.code == errors.PERMISSION_DENIED
    async with new_uow() as uow:
        await channel_keys.revoke(uow, clock, number.channel.partner_id, number.channel.id)
    async with new_uow() as uow:
        with pytest.raises(GraphError) as revoked:
            await webhook_config.set_webhook(
                uow, clock, number.principal, None, None, hub_mode=False
            )
    assert revoked.value.code == errors.AUTH_EXCEPTION
    assert db.tables.channels[number.channel.id].messaging_webhook_url == url
