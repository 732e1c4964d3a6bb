"""Partner webhook settings, the platform secret, test events, the outbox and the delivery log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from partnerhub.domain.clients.model import Channel
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.webhooks import outbox, signing
from partnerhub.domain.webhooks import services as webhooks
from partnerhub.domain.webhooks.model import DeliveryAttempt, DeliveryStatus
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]
MASTER = "master-key-" + "x" * 32
HOOK = "https://acme.example/hook"


@pytest.fixture
def partner(db: FakeDatabase, clock: FakeClock) -> Partner:
    found = builders.partner(clock.now(), webhook_url=HOOK)
    db.seed(found)
    return found


async def _set(new_uow: Uow, clock: FakeClock, partner: Partner, **kw: object) -> None:
    values: dict[str, object] = {"url": HOOK, "headers": None, "replace_headers": False}
    async with new_uow() as uow:
        await webhooks.set_webhook(uow, clock, partner.id, hub_mode=False, **(values | kw))  # type: ignore[arg-type]


async def test_setting_the_webhook_stores_url_and_headers(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    await _set(
        new_uow,
        clock,
        partner,
        url="https://acme.example/v2",
        headers={"X-Token": "t"},
        replace_headers=True,
    )
    stored = db.tables.partners[partner.id]
    assert (stored.webhook_url, stored.webhook_headers) == (
        "https://acme.example/v2",
        {"X-Token": "t"},
    )
    await _set(new_uow, clock, partner, url=None)
    assert db.tables.partners[partner.id].webhook_url is None
    assert db.tables.partners[partner.id].webhook_headers == {"X-Token": "t"}  # kept


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        ({"Bad Name": "v"}, "headers.Bad Name"),
        ({"Content-Type": "text/plain"}, "headers.Content-Type"),
        ({"X-A": "line\r\nbreak"}, "headers.X-A"),
        ({f"X-{n}": "v" for n in range(webhooks.MAX_HEADERS + 1)}, "headers"),
    ],
)
async def test_webhook_headers_we_set_or_cannot_send_are_refused(
    new_uow: Uow,
    clock: FakeClock,
    db: FakeDatabase,
    partner: Partner,
    headers: dict[str, str],
    field: str,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await _set(new_uow, clock, partner, headers=headers, replace_headers=True)
    assert refused.value.field == field
    assert db.tables.partners[partner.id].webhook_headers == {}


async def test_in_hub_mode_a_webhook_into_the_private_network_is_refused(
    new_uow: Uow, clock: FakeClock, partner: Partner
) -> None:
    async with new_uow() as uow:
        with pytest.raises(InvalidInput, match=r"refused: .*private network"):
            await webhooks.set_webhook(
                uow,
                clock,
                partner.id,
                "https://10.0.0.5/hook",
                None,
                replace_headers=False,
                hub_mode=True,
            )


async def test_rotating_the_platform_secret_keeps_the_old_one_for_the_grace_period(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    old_nonce = partner.platform_secret_nonce
    async with new_uow() as uow:
        rotated = await webhooks.regenerate_platform_secret(uow, clock, MASTER, partner.id, 3600)
    stored = db.tables.partners[partner.id]
    assert stored.previous_platform_secret_nonce == old_nonce
    assert rotated.previous_valid_until == stored.previous_platform_secret_until
    assert stored.platform_secret_nonce is not None
    assert rotated.secret == signing.derive_platform_secret(
        MASTER, partner.id, stored.platform_secret_nonce
    )
    keys = signing.partner_secrets(MASTER, stored, clock.now())
    assert keys is not None and keys.previous is not None
    assert (
        signing.partner_secrets(MASTER, stored, clock.now() + timedelta(hours=2)).previous is None
    )  # type: ignore[union-attr]
    async with new_uow() as uow:
        again = await webhooks.regenerate_platform_secret(uow, clock, MASTER, partner.id)
    stored = db.tables.partners[partner.id]
    assert again.previous_valid_until is None  # no grace: a leaked secret stops at once
    assert stored.previous_platform_secret_nonce is None


async def test_a_grace_period_over_30_days_is_refused(
    new_uow: Uow, clock: FakeClock, partner: Partner
) -> None:
    async with new_uow() as uow:
        with pytest.raises(InvalidInput) as refused:
            await webhooks.regenerate_platform_secret(
                uow, clock, MASTER, partner.id, webhooks.MAX_GRACE_SECONDS + 1
            )
    assert refused.value.field == "grace_period_seconds"


async def test_revealing_the_secret_gives_one_to_a_partner_without(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    bare = builders.partner(clock.now(), platform_secret_nonce=None)
    db.seed(bare)
    async with new_uow() as uow:
        secret = await webhooks.reveal_platform_secret(uow, MASTER, bare.id)
    nonce = db.tables.partners[bare.id].platform_secret_nonce
    assert nonce is not None
    assert secret == signing.derive_platform_secret(MASTER, bare.id, nonce)


async def test_a_burst_of_test_events_is_numbered_and_queued_for_delivery(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    async with new_uow() as uow:
        sent = await webhooks.send_test_events(uow, clock, partner.id, 3)
    bodies = db.bodies("webhook_test")
    assert [b["data"]["sequence"] for b in bodies] == [1, 2, 3]
    assert [b["id"] for b in bodies] == sent.event_ids
    assert [d.id for d in db.deliveries()] == sent.delivery_ids
    assert {d.status for d in db.deliveries()} == {DeliveryStatus.PENDING}
    assert db.outbox_wakeups == 1


@pytest.mark.parametrize(
    ("fields", "count", "field"),
    [
        ({}, 0, "count"),
        ({}, webhooks.MAX_TEST_EVENTS + 1, "count"),
        ({"webhook_url": None}, 1, "webhook_url"),
        ({"webhook_disabled_at": "set"}, 1, "webhook_url"),
    ],
)
async def test_test_events_need_a_live_webhook_url(
    new_uow: Uow,
    clock: FakeClock,
    db: FakeDatabase,
    fields: dict[str, object],
    count: int,
    field: str,
) -> None:
    if fields.get("webhook_disabled_at"):
        fields = {"webhook_url": HOOK, "webhook_disabled_at": clock.now()}
    partner = builders.partner(clock.now(), **({"webhook_url": HOOK} | fields))
    db.seed(partner)
    async with new_uow() as uow:
        with pytest.raises(InvalidInput) as refused:
            await webhooks.send_test_events(uow, clock, partner.id, count)
    assert refused.value.field == field
    assert not db.events()


async def test_an_event_is_logged_without_a_delivery_when_there_is_no_url(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    quiet = _channel(db, clock, messaging_webhook_url=None)
    async with new_uow() as uow:
        (emitted,) = await outbox.emit_to_channels(uow, clock, [(quiet, "message_sent", {"a": 1})])
        await uow.commit()
    assert emitted.delivery is None
    assert db.bodies() == [{"a": 1}]  # Cloud API payloads go as they are, with no envelope
    assert db.events()[0].channel_id == quiet.id
    assert not db.deliveries()
    assert db.outbox_wakeups == 0  # nothing for the engine to send


async def test_an_event_written_in_a_unit_of_work_left_uncommitted_is_gone(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    live = _channel(db, clock, messaging_webhook_url="https://bakery.example/wa")
    async with new_uow() as uow:
        (emitted,) = await outbox.emit_to_channels(uow, clock, [(live, "message_sent", {})])
        assert emitted.delivery is not None and uow.outbox_written
    assert not db.events()
    assert not db.deliveries()
    assert db.outbox_wakeups == 0


def _channel(db: FakeDatabase, clock: FakeClock, **fields: object) -> Channel:
    partner = builders.partner(clock.now())
    client = builders.client(partner, clock.now())
    waba = builders.waba(client, clock.now())
    channel = builders.channel(client, waba, clock.now(), **fields)
    db.seed(partner, client, waba, channel)
    return channel


async def _one_delivery(new_uow: Uow, clock: FakeClock, partner: Partner) -> str:
    async with new_uow() as uow:
        sent = await webhooks.send_test_events(uow, clock, partner.id)
    return sent.delivery_ids[0]


async def test_retrying_a_failed_delivery_restarts_its_schedule(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    delivery_id = await _one_delivery(new_uow, clock, partner)
    failed = db.tables.deliveries[delivery_id]
    failed.status, failed.attempt_count = DeliveryStatus.FAILED, 7
    wakeups = db.outbox_wakeups
    async with new_uow() as uow:
        delivery, attempts = await webhooks.retry_delivery(uow, clock, partner.id, delivery_id)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.PENDING, 0)
    assert attempts == []
    assert db.outbox_wakeups == wakeups + 1  # the engine is woken for it


async def test_a_delivery_being_sent_cannot_be_retried(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    delivery_id = await _one_delivery(new_uow, clock, partner)
    db.tables.deliveries[delivery_id].lease_until = clock.now() + timedelta(seconds=30)
    async with new_uow() as uow:
        with pytest.raises(Conflict):
            await webhooks.retry_delivery(uow, clock, partner.id, delivery_id)


async def test_another_partners_delivery_is_not_found(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    delivery_id = await _one_delivery(new_uow, clock, partner)
    other = builders.partner(clock.now(), webhook_url=HOOK)
    db.seed(other)
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await webhooks.retry_delivery(uow, clock, other.id, delivery_id)


async def test_the_delivery_log_lists_deliveries_with_their_attempts_in_order(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner: Partner
) -> None:
    first = await _one_delivery(new_uow, clock, partner)
    clock.advance(1)
    second = await _one_delivery(new_uow, clock, partner)
    attempts = [
        DeliveryAttempt(f"AT{n}", first, clock.now() + timedelta(seconds=n), 500, 1.0, "", None)
        for n in (2, 1)
    ]
    db.seed(*attempts)
    async with new_uow() as uow:
        views, total = await webhooks.list_deliveries(uow, partner.id, ListQuery())
        assert total == 2
        assert [d.id for d, _ in views] == [second, first]
        assert [a.id for a in views[1][1]] == ["AT1", "AT2"]
        failed, total = await webhooks.list_deliveries(
            uow, partner.id, ListQuery(filters={"status": "failed"})
        )
        assert (failed, total) == ([], 0)
        recent, _ = await webhooks.list_deliveries(
            uow, partner.id, ListQuery(), created_after=db.tables.deliveries[second].created_at
        )
        assert [d.id for d, _ in recent] == [second]
