"""``POST /messages`` below the framework (server/fastpath/send.py), the one-hop SQLite send store
and the set-based status rounds: each must be indistinguishable from the code it replaced."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from partnerhub.adapters import db, tables
from partnerhub.adapters.db import sqlite_path
from partnerhub.adapters.fastpath import postgres_send
from partnerhub.adapters.fastpath.postgres_send import PostgresSendStore
from partnerhub.adapters.fastpath.sqlite_send import SqliteSendStore
from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.domain.messaging.auth import ChannelKeyAuthenticator
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.messaging.model import MessageStatus
from partnerhub.server.errors import database_unavailable
from partnerhub.server.errors.graph import status_of as graph_status
from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.billing import channel_usage
from tests.helpers.clock import advance
from tests.helpers.hot_paths import routed_twin
from tests.helpers.messaging import (
    CUSTOMER,
    inbound,
    ready_channel,
    send_text,
    statuses,
    wait_statuses,
)
from tests.receiver import Receiver

Client = httpx.AsyncClient
TEXT = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "x"}}


_routed = routed_twin


def _status_webhooks(receiver: Receiver) -> list[dict[str, Any]]:
    bodies = [json.loads(request.body) for request in receiver.requests]
    return [b for b in bodies if "statuses" in b["entry"][0]["changes"][0]["value"]]


def _comparable(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    if isinstance(body.get("error"), dict):
        body["error"].pop("fbtrace_id")
    for message in body.get("messages", []):
        message["id"] = "wamid"
    headers = {k: v for k, v in response.headers.items() if k not in ("x-request-id", "date")}
    return {"status": response.status_code, "headers": headers, "body": body}


async def test_the_send_path_answers_exactly_as_the_routed_handler(
    app: Litestar, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    big = json.dumps(
        {**TEXT, "text": {"body": "x" * (app.state.partnerhub.settings.max_body_bytes)}}
    )
    cases: list[tuple[str, dict[str, str], str | bytes]] = [
        ("/messages", key, json.dumps(TEXT)),
        ("/messages/", key, json.dumps(TEXT)),
        ("/messages?x=1", key, json.dumps(TEXT)),
        # 360dialog's sandbox path: the same send, checks and answer.
        ("/v1/messages", key, json.dumps(TEXT)),
        ("/v1/messages/", key, json.dumps(TEXT)),
        ("/v1/messages", {}, json.dumps(TEXT)),
        ("/v1/messages", {"X-API-Key": partner.api_key}, json.dumps(TEXT)),
        ("/v1/messages", key, "{"),
        ("/v1/messages", key, big),
        ("/v1/messages", key, json.dumps({"messaging_product": "whatsapp", "to": "491"})),
        ("/v1/messages", key, json.dumps({"status": "read", "message_id": "nope"})),
        ("/messages", {}, json.dumps(TEXT)),
        ("/messages", {"D360-API-KEY": "nope"}, json.dumps(TEXT)),
        ("/messages", {"X-API-Key": partner.api_key}, json.dumps(TEXT)),
        ("/messages", key, ""),
        ("/messages", key, "  "),
        ("/messages", key, "{"),
        ("/messages", key, "[]"),
        ("/messages", key, '{"a": "\\u0000"}'),
        ("/messages", key, "[" * 3000 + "]" * 3000),
        ("/messages", key, b'{"to": "\xff"}'),
        ("/messages", key, big),
        ("/messages", {}, big),
        ("/messages", key, json.dumps({**TEXT, "to": "4917600000000"})),
        ("/messages", key, json.dumps({"messaging_product": "whatsapp", "to": "491"})),
        ("/messages", key, json.dumps({"status": "read", "message_id": "nope"})),
        ("/messages", key, json.dumps({"status": "read"})),
        (
            "/messages",
            key,
            json.dumps(
                {
                    **TEXT,
                    "type": "template",
                    "template": {"name": "nope", "language": {"code": "en"}},
                }
            ),
        ),
    ]
    transport = httpx.ASGITransport(app=_routed(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as routed:
        for path, headers, body in cases:
            fast = await client.post(path, headers=headers, content=body)
            slow = await routed.post(path, headers=headers, content=body)
            assert _comparable(fast) == _comparable(slow), (path, headers, body[:80])
            assert fast.headers["x-request-id"]


async def test_a_sent_message_reads_back_as_it_was_sent(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    """On SQLite the send store writes with the standard library, not SQLAlchemy: what it wrote
    must read back through the mapped columns unchanged (aware UTC times, JSON body)."""
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    before = state.clock.now()
    sent = await send_text(client, key, "Grüße 👋")
    assert sent.status_code == 200, sent.text
    wamid = sent.json()["messages"][0]["id"]
    async with state.uow() as uow:
        message = await uow.messaging.get_message(wamid)
    assert message is not None
    assert message.status == MessageStatus.ACCEPTED and message.error is None
    assert message.channel_id == channel["channel_id"] and message.wa_id == CUSTOMER
    assert message.body["text"] == {"body": "Grüße 👋"}
    assert message.pricing_category == "SERVICE"
    assert message.created_at.tzinfo is not None
    assert before <= message.created_at <= state.clock.now()
    step = timedelta(seconds=state.settings.message_status_seconds)
    assert message.next_status_at == message.created_at + step
    if state.settings.sqlalchemy_url.get_backend_name() == "sqlite":
        assert isinstance(state.sender._store, SqliteSendStore)
    else:
        assert isinstance(state.sender._store, PostgresSendStore)


async def test_one_round_moves_mixed_messages_and_charges_them_as_one_row(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    """Several messages to a reachable and an unreachable number, moved in the same rounds:
    the failure (with its error) only where it belongs, one webhook per round, one usage row
    counting every delivery of a round."""
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    other = "4917699999999"
    await client.post(
        "/_emulator/messages/inbound",
        headers=EMULATOR,
        json={
            "channel_id": channel["channel_id"],
            "from": other,
            "type": "text",
            "text": {"body": "yo"},
        },
    )
    marked = await client.post(f"/_emulator/numbers/{other}/unreachable", headers=EMULATOR, json={})
    assert marked.status_code == 200, marked.text
    good = [(await send_text(client, key, f"m{i}")).json()["messages"][0]["id"] for i in range(4)]
    bad = await client.post("/messages", headers=key, json={**TEXT, "to": other})
    assert bad.status_code == 200, bad.text
    bad_id = bad.json()["messages"][0]["id"]

    step = state.settings.message_status_seconds
    await advance(client, step)
    first = wait_statuses(receiver, 5)
    assert {s["id"]: s["status"] for s in first} == {
        **dict.fromkeys(good, "sent"),
        bad_id: "failed",
    }
    (failure,) = [s for s in first if s["status"] == "failed"]
    assert failure["errors"][0]["code"] == 131026
    assert all("errors" not in s for s in first if s["status"] == "sent")
    assert len(_status_webhooks(receiver)) == 1  # one channel, one round: one webhook

    await advance(client, step)
    await advance(client, step)
    found = wait_statuses(receiver, 5 + 8)
    assert sorted(s["status"] for s in found if s["id"] == good[0]) == ["delivered", "read", "sent"]
    assert not [s for s in found[5:] if s["id"] == bad_id]  # nothing follows a failure

    async with state.uow() as uow:
        rows = (
            await uow.session.execute(
                select(
                    tables.messages.c.id, tables.messages.c.status, tables.messages.c.error
                ).where(tables.messages.c.id.in_([*good, bad_id]))
            )
        ).all()
        usage = (
            await uow.session.execute(
                select(func.count(), func.sum(tables.usage_records.c.volume)).where(
                    tables.usage_records.c.channel_id == channel["channel_id"]
                )
            )
        ).one()
    by_id = {row[0]: (row[1], row[2]) for row in rows}
    assert by_id[bad_id][0] == "failed" and by_id[bad_id][1]["code"] == 131026
    assert all(by_id[m] == ("read", None) for m in good)
    assert tuple(usage) == (1, 4)  # four deliveries in one round: one row, volume 4

    report = await channel_usage(
        client,
        partner,
        channel["client_id"],
        channel["channel_id"],
        start_date=0,
        end_date=int(state.clock.now().timestamp()) + 1,
    )
    points = report["pricing_analytics"]["data"][0]["data_points"]
    assert [(p["pricing_category"], p["volume"]) for p in points] == [("SERVICE", 4)]
    assert len(statuses(receiver)) == 13


async def test_concurrent_requests_with_an_expired_key_share_one_lookup(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    """When a key's cache entry lapses under load, the requests holding it wait for one query
    instead of each sending its own; a failed lookup fails them all alike."""
    _, key = await ready_channel(client, partner, receiver)
    opened = 0

    def counting_uow() -> UnitOfWork:
        nonlocal opened
        opened += 1
        return state.uow()

    # No last-used writes (they open units of work too): only lookups are counted.
    keys = ChannelKeyAuthenticator(
        counting_uow, state.clock, ttl_seconds=60, last_used_resolution=float("inf")
    )
    found = await asyncio.gather(*(keys.authenticate(key["D360-API-KEY"]) for _ in range(20)))
    assert opened == 1
    assert len({p.key_id for p in found}) == 1

    unknown = "x" * len(key["D360-API-KEY"])
    results = await asyncio.gather(
        *(keys.authenticate(unknown) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, GraphError) and graph_status(r) == 401 for r in results)
    assert opened <= 2  # one lookup for the five, or none when the key is not even well formed
    await keys.drain()


def _sqlite_file(state: AppState) -> Path:
    path = sqlite_path(state.settings.sqlalchemy_url)
    if path is None:
        pytest.skip("the one-hop send store is SQLite's")
    return path


class _OtherWriter:
    """Another process's writer on the SQLite file: a connection of its own that holds the write
    lock (``BEGIN IMMEDIATE``) until :meth:`release`, driven off the event loop, as the app's
    own worker must be able to finish a round meanwhile."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    async def __aenter__(self) -> _OtherWriter:
        await asyncio.to_thread(self._connection.execute, "BEGIN IMMEDIATE")
        return self

    async def release(self) -> None:
        await asyncio.to_thread(self._connection.execute, "ROLLBACK")

    async def __aexit__(self, *exc: object) -> None:
        if self._connection.in_transaction:
            self._connection.execute("ROLLBACK")
        self._connection.close()


async def test_a_locked_database_is_unavailable_not_a_bug(state: AppState) -> None:
    """Locked past busy_timeout (another process writing): the same 503 as every other query
    that finds the database unavailable, not a 500 with a traceback."""
    store = SqliteSendStore(_sqlite_file(state), asyncio.Lock, busy_timeout_seconds=0.2)
    try:
        async with _OtherWriter(_sqlite_file(state)):
            with pytest.raises(OperationalError) as caught:
                await store.store_batch(set(), set(), lambda reads: [])
        assert database_unavailable(caught.value)
    finally:
        await store.aclose()


async def test_a_batch_waits_for_another_processs_writer_without_stopping_the_loop(
    state: AppState,
) -> None:
    """The batch runs on the event loop's thread: while another connection (another process's
    writer) holds the write lock, it waits in asyncio sleeps, not in SQLite's busy handler, so
    the loop goes on serving; once the lock is free the batch commits."""
    path = _sqlite_file(state)
    store = SqliteSendStore(path, asyncio.Lock)
    planned: list[str] = []

    def plan(reads: Any) -> list[dict[str, Any]]:
        planned.append("planned")
        return []

    try:
        async with _OtherWriter(path) as other:
            batch = asyncio.ensure_future(store.store_batch(set(), set(), plan))
            started = time.monotonic()
            ticks = 0
            while time.monotonic() - started < 0.3:  # the loop keeps turning meanwhile
                await asyncio.sleep(0.01)
                ticks += 1
            assert ticks >= 10 and not batch.done() and planned == []
            await other.release()
            await asyncio.wait_for(batch, 5)
        assert planned == ["planned"]
        assert store._connection is not None and not store._connection.in_transaction
        busy = store._connection.execute("PRAGMA busy_timeout").fetchone()
        assert busy == (0,)  # never SQLite's busy handler on the loop's thread
    finally:
        await store.aclose()


async def test_a_batch_cancelled_while_it_waits_for_the_lock_leaves_nothing_open(
    state: AppState,
) -> None:
    """Cancelled while another connection holds the write lock: the gate is free again, the
    store's connection holds no transaction, and its next batch commits."""
    path = _sqlite_file(state)
    gate = asyncio.Lock()
    store = SqliteSendStore(path, lambda: gate)
    try:
        async with _OtherWriter(path):
            batch = asyncio.ensure_future(store.store_batch(set(), set(), lambda reads: []))
            await asyncio.sleep(0.1)
            assert gate.locked() and not batch.done()
            batch.cancel()
            with pytest.raises(asyncio.CancelledError):
                await batch
            assert not gate.locked()
            assert store._connection is not None and not store._connection.in_transaction
        planned: list[bool] = []

        def plan(reads: Any) -> list[dict[str, Any]]:
            planned.append(True)
            return []

        await store.store_batch(set(), set(), plan)
        assert planned == [True]
    finally:
        await store.aclose()


async def test_sends_arriving_over_the_next_turns_of_the_loop_share_one_batch(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    """The writer turns the loop over while each turn brings another send, so a send that
    arrives one turn after the first still joins its batch; the batch is committed at the first
    turn that brings none, and each send gets its own id."""
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    principal = await state.channel_keys.authenticate(key["D360-API-KEY"])
    sender, sizes = state.sender, []
    store_batch = sender._store.store_batch

    async def recording(*args: Any, **kwargs: Any) -> None:
        plan = args[2]

        def counted(reads: Any) -> list[dict[str, Any]]:
            rows = plan(reads)
            sizes.append(len(rows))
            return rows

        await store_batch(args[0], args[1], counted, *args[3:], **kwargs)

    sender._store.store_batch = recording  # type: ignore[method-assign]
    try:
        sends = []
        for n in range(6):  # one new send each turn of the loop
            body = {**TEXT, "text": {"body": f"m{n}"}}
            sends.append(asyncio.ensure_future(sender.send(principal, body)))
            await asyncio.sleep(0)
        accepted = await asyncio.gather(*sends)
        alone = await sender.send(principal, TEXT)  # nobody else: committed at the next turn
    finally:
        del sender._store.store_batch
    assert sizes == [6, 1]
    assert len({a.message_id for a in [*accepted, alone]}) == 7


@pytest.mark.parametrize("turns", [1, 2], ids=["before-its-first-step", "while-it-gathers"])
async def test_a_writer_cancelled_before_its_batch_fails_the_queued_sends_as_unavailable(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState, turns: int
) -> None:
    """Shutdown cancels a writer that has not taken its batch yet (not even started, or still
    gathering): the queued send is answered (code 2, which Cloud API clients retry), none is
    left waiting, and the next send is stored."""
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    principal = await state.channel_keys.authenticate(key["D360-API-KEY"])
    sender = state.sender
    queued = asyncio.ensure_future(sender.send(principal, TEXT))
    for _ in range(turns):  # 1: the send is queued and its writer created; 2: it gathers
        await asyncio.sleep(0)
    (writer,) = sender._writers
    writer.cancel()
    with pytest.raises(GraphError) as refused:
        await queued
    assert refused.value.code == 2 and not sender._queue
    assert (await sender.send(principal, TEXT)).message_id


async def _as_admin(state: AppState, query: str, *args: Any) -> Any:
    """One value from ``query`` on a connection of its own (not one of the pool's)."""
    url = state.settings.sqlalchemy_url
    admin = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(False))
    try:
        return await admin.fetchval(query, *args)
    finally:
        await admin.close()


def _postgres_store(state: AppState) -> PostgresSendStore:
    store = state.sender._store
    if not isinstance(store, PostgresSendStore):
        pytest.skip("the one-hop PostgreSQL send store")
    return store


async def test_a_batch_of_free_form_sends_on_postgresql_is_two_statements(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    """One read (the keys still live, the windows) and one INSERT of every row: no BEGIN and no
    COMMIT (the INSERT is atomic on its own), and what it wrote reads back through the mapped
    columns."""
    _postgres_store(state)
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    logged: list[str] = []
    await state.engine.dispose()  # every connection from now on logs its statements

    def log_queries(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(lambda q: logged.append(q.query))

    event.listen(state.engine.sync_engine, "connect", log_queries)
    try:
        sent = await asyncio.gather(*(send_text(client, key, f"m{i}") for i in range(5)))
    finally:
        event.remove(state.engine.sync_engine, "connect", log_queries)
    assert [r.status_code for r in sent] == [200] * 5
    store_statements = (postgres_send._READS, postgres_send._INSERT)
    transaction = ("BEGIN", "COMMIT", "ROLLBACK")
    batch = [q for q in logged if q in store_statements or q.strip().upper() in transaction]
    inserts = batch.count(postgres_send._INSERT)
    assert inserts and batch == list(store_statements) * inserts, batch
    async with state.uow() as uow:
        stored = [await uow.messaging.get_message(r.json()["messages"][0]["id"]) for r in sent]
    assert sorted(m.body["text"]["body"] for m in stored if m is not None) == [
        f"m{i}" for i in range(5)
    ]


async def test_postgresql_keeps_several_batches_in_flight(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    """While one batch waits for PostgreSQL the next is already in its transaction: many
    concurrent sends, each stored exactly once and answered with its own id."""
    store = _postgres_store(state)
    assert store.concurrency == 4  # the default pool of 20: a fifth of it
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    sent = await asyncio.gather(*(send_text(client, key, f"n{i}") for i in range(60)))
    assert [r.status_code for r in sent] == [200] * 60
    ids = [r.json()["messages"][0]["id"] for r in sent]
    assert len(set(ids)) == 60
    async with state.engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).select_from(tables.messages).where(tables.messages.c.id.in_(ids))
        )
    assert count == 60


async def test_dropped_connections_cost_a_send_one_503_not_a_500(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    """PostgreSQL drops every pooled connection (a restart, a failover): the send that meets a
    dead one answers 503 + Retry-After like any outage, and the sends after it are served."""
    _postgres_store(state)
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    await asyncio.gather(*(send_text(client, key) for _ in range(10)))  # pooled connections
    dropped = await _as_admin(
        state,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = $1 AND pid <> pg_backend_pid()",
        state.settings.sqlalchemy_url.database,
    )
    assert dropped >= 1
    answers = [await send_text(client, key) for _ in range(3)]
    codes = [r.status_code for r in answers]
    assert 500 not in codes and codes[-1] == 200 and codes.count(503) <= 1, codes
    for refused in (r for r in answers if r.status_code == 503):
        assert refused.headers["retry-after"] == "5"


async def test_a_connection_that_died_in_the_pool_fails_one_batch_not_every_batch(
    state: AppState,
) -> None:
    """A pooled connection whose backend ended while it waited (a restart, an idle timeout): the
    batch that draws it fails as an outage (503), and the pool is replaced, so the next batch
    runs, even where nothing but the send store uses the pool."""
    _postgres_store(state)
    engine = db.create_engine(state.settings.sqlalchemy_url, db.PoolConfig(size=1))
    store = PostgresSendStore(engine, concurrency=1)
    try:
        await store.store_batch(set(), set(), lambda reads: [])  # the pool's one connection
        async with engine.connect() as pooled:
            pid = (await pooled.get_raw_connection()).driver_connection.get_server_pid()
        assert await _as_admin(state, "SELECT pg_terminate_backend($1)", pid)
        await asyncio.sleep(0.3)  # the client side sees its socket close
        with pytest.raises(Exception) as failed:
            await store.store_batch(set(), set(), lambda reads: [])
        assert database_unavailable(failed.value)
        for _ in range(2):
            await store.store_batch(set(), set(), lambda reads: [])
    finally:
        await engine.dispose()


async def test_every_sqlite_connection_checkpoints_its_wal_every_10000_pages(
    state: AppState,
) -> None:
    """The app's connections and the send store's own: fewer, larger WAL checkpoints (see
    ``db.sqlite_pragmas``), on every connection that writes."""
    path = _sqlite_file(state)
    async with state.engine.connect() as connection:
        pages = await connection.exec_driver_sql("PRAGMA wal_autocheckpoint")
        assert pages.scalar() == db.SQLITE_WAL_CHECKPOINT_PAGES == 10_000
    store = SqliteSendStore(path, asyncio.Lock)
    try:
        await store.store_batch(set(), set(), lambda reads: [])  # opens its connection
        assert store._connection is not None
        found = store._connection.execute("PRAGMA wal_autocheckpoint").fetchone()
        assert found == (10_000,)
    finally:
        await store.aclose()


async def test_a_round_moves_what_it_read_as_due_as_an_id_list_would(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    """On SQLite a round moves the messages it read as due by rowid, on the driver itself;
    messages it did not read go through the id list. Both must store the same values, in the
    same formats: the due query compares ``next_status_at`` as text."""
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    sent = [(await send_text(client, key, f"m{i}")).json()["messages"][0]["id"] for i in range(6)]
    later = state.clock.now() + timedelta(days=1)
    moved_at = state.clock.now() + timedelta(hours=1)
    next_at = moved_at + timedelta(seconds=7)
    error = {"code": 131026, "title": "Message undeliverable"}
    async with state.uow() as uow:
        await uow.lock_for_write()
        due = [m for m in await uow.messaging.due_messages(later, 100) if m.id in sent]
        assert {m.id for m in due} == set(sent)
        assert all(m.status == "accepted" and m.biz_opaque_callback_data is None for m in due)
        await uow.messaging.move_statuses(sent[:2], "sent", moved_at, next_at, error)
        await uow.messaging.move_statuses(sent[2:3], "read", moved_at, None)
        await uow.commit()
        # The same unit of work, a new transaction: what was read as due then is not used now.
        await uow.lock_for_write()
        await uow.messaging.move_statuses(sent[3:4], "read", moved_at, None)
        await uow.commit()
    async with state.uow() as uow:  # read nothing as due: the id list
        await uow.messaging.move_statuses(sent[4:5], "read", moved_at, None)
        await uow.messaging.move_statuses(sent[:1], "sent", moved_at, next_at, error)
        await uow.commit()
    async with state.uow() as uow:  # some read as due, one not: the id list for all
        await uow.lock_for_write()
        due_ids = {m.id for m in await uow.messaging.due_messages(later, 100)}
        assert sent[5] in due_ids and sent[2] not in due_ids  # sent[2] is read: nothing is due
        await uow.messaging.move_statuses([sent[5], sent[2]], "read", moved_at, None)
        await uow.commit()
    async with state.uow() as uow:
        stored = {m: await uow.messaging.get_message(m) for m in sent}
    for wamid in sent[:2]:
        message = stored[wamid]
        assert message is not None
        assert (message.status, message.error) == ("sent", error)
        assert (message.modified_at, message.next_status_at) == (moved_at, next_at)
    for wamid in sent[2:]:
        message = stored[wamid]
        assert message is not None
        assert (message.status, message.error, message.next_status_at) == ("read", None, None)
        assert message.modified_at == moved_at
    path = sqlite_path(state.settings.sqlalchemy_url)
    if path is not None:  # the very text SQLAlchemy would have written
        with sqlite3.connect(path) as raw:
            texts = raw.execute(
                "SELECT id, modified_at, next_status_at, error FROM messages "
                "WHERE id IN (?, ?, ?, ?, ?, ?)",
                sent,
            ).fetchall()
        by_id = {row[0]: row[1:] for row in texts}
        assert by_id[sent[0]] == by_id[sent[1]]  # id list and rowid alike
        assert by_id[sent[2]] == by_id[sent[3]] == by_id[sent[4]] == by_id[sent[5]]
        assert by_id[sent[2]][2] == "null"  # no error: JSON null, as the column's type writes it
