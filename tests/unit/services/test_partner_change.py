"""Partner change requests (issue 18 item 5) against the fakes: the state machine (pending,
completed, rejected), who may decide, and what a move changes in one commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from partnerhub.domain.clients.model import Channel, ChannelStatus, Client
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.partner_change import services
from partnerhub.domain.partners.model import Partner
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]


@dataclass
class World:
    source: Partner
    target: Partner
    client: Client
    live: Channel
    ended: Channel


def make_world(db: FakeDatabase, clock: FakeClock, *, auto_approve: bool = False) -> World:
    now = clock.now()
    source = builders.partner(now, webhook_url="https://source.example/hook")
    target = builders.partner(
        now,
        brand_name="Rival",
        webhook_url="https://target.example/hook",
        settings={"partner_change_request": {"auto_approve": auto_approve}},
    )
    client = builders.client(source, now, partner_payload="source's CRM id 42")
    waba = builders.waba(client, now)
    live = builders.channel(
        client, waba, now, ChannelStatus.LIVE, messaging_webhook_url="https://source.example/m"
    )
    ended = builders.channel(client, waba, now, ChannelStatus.TERMINATED)
    key = builders.channel_key(live, now)
    template = builders.template(waba, now)
    db.seed(source, target, client, waba, live, ended, key, template)
    return World(source, target, client, live, ended)


def events_of(db: FakeDatabase, partner: Partner) -> list[str]:
    return [e.type for e in db.events() if e.partner_id == partner.id]


async def test_auto_approve_moves_everything_in_one_commit(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    w = make_world(db, clock, auto_approve=True)
    async with new_uow() as uow:
        pcr = await services.request_change(uow, clock, w.client.id, w.target.id)
    assert pcr.status == "completed" and pcr.channel_ids == (w.live.id,)
    assert db.commits == 1  # the request and its move: one commit
    t = db.tables
    assert t.clients[w.client.id].partner_id == w.target.id
    assert t.clients[w.client.id].partner_payload is None
    assert {c.partner_id for c in t.channels.values()} == {w.target.id}
    assert {waba.partner_id for waba in t.wabas.values()} == {w.target.id}
    assert {tp.partner_id for tp in t.templates.values()} == {w.target.id}
    moved = t.channels[w.live.id]
    assert moved.permission is False and moved.messaging_webhook_url is None
    assert all(k.revoked_at is not None for k in t.channel_keys.values())
    assert events_of(db, w.source) == ["channel_permission_revoked"]
    assert events_of(db, w.target) == ["client_created", "channel_created"]
    body = db.bodies("channel_created")[0]
    assert body["data"]["id"] == w.live.id and body["data"]["client_id"] == w.client.id


async def test_pending_until_the_target_decides(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    w = make_world(db, clock)
    async with new_uow() as uow:
        pcr = await services.request_change(uow, clock, w.client.id, w.target.id)
    assert pcr.status == "pending" and db.events() == []
    assert db.tables.clients[w.client.id].partner_id == w.source.id
    with pytest.raises(Conflict):
        async with new_uow() as uow:
            await services.request_change(uow, clock, w.client.id, w.target.id)
    for wrong in (w.source.id, "nobodyPA"):
        with pytest.raises(NotFound):
            async with new_uow() as uow:
                await services.approve(uow, clock, wrong, pcr.id)
    async with new_uow() as uow:
        assert (await services.list_requests(uow, w.source.id, ListQuery()))[1] == 0
        listed, total = await services.list_requests(uow, w.target.id, ListQuery(), "pending")
    assert total == 1 and listed[0].id == pcr.id
    clock.advance(60)
    now = clock.now()
    added = builders.channel(w.client, db.tables.wabas[w.live.waba_account_id], now)
    db.seed(added)  # a number the client added while the request was pending moves too
    async with new_uow() as uow:
        done = await services.approve(uow, clock, w.target.id, pcr.id)
    assert done.status == "completed" and done.updated_at > done.created_at
    assert done.channel_ids == (w.live.id, added.id) and pcr.channel_ids == (w.live.id,)
    assert db.tables.channels[added.id].partner_id == w.target.id
    assert db.tables.clients[w.client.id].partner_id == w.target.id
    with pytest.raises(Conflict):
        async with new_uow() as uow:
            await services.reject(uow, clock, w.target.id, pcr.id)


async def test_reject_moves_nothing(new_uow: Uow, clock: FakeClock, db: FakeDatabase) -> None:
    w = make_world(db, clock)
    async with new_uow() as uow:
        pcr = await services.request_change(uow, clock, w.client.id, w.target.id)
    async with new_uow() as uow:
        rejected = await services.reject(uow, clock, w.target.id, pcr.id)
    assert rejected.status == "rejected" and db.events() == []
    assert db.tables.clients[w.client.id].partner_id == w.source.id
    assert all(k.revoked_at is None for k in db.tables.channel_keys.values())
    async with new_uow() as uow:  # the client may ask again
        again = await services.request_change(uow, clock, w.client.id, w.target.id)
    assert again.status == "pending" and again.id != pcr.id


async def test_request_refusals(new_uow: Uow, clock: FakeClock, db: FakeDatabase) -> None:
    w = make_world(db, clock)
    with pytest.raises(InvalidInput) as same:
        async with new_uow() as uow:
            await services.request_change(uow, clock, w.client.id, w.source.id)
    assert same.value.field == "target_partner_id"
    with pytest.raises(InvalidInput):
        async with new_uow() as uow:
            await services.request_change(uow, clock, w.client.id, "nobodyPA")
    with pytest.raises(NotFound):
        async with new_uow() as uow:
            await services.request_change(uow, clock, "nobodyCL", w.target.id)
    assert db.tables.partner_changes == {}
