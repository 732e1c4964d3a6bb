"""Retention on the virtual clock: delivered webhook events (with their deliveries and attempts)
and finished messages older than PARTNERHUB_RETENTION_DAYS go, in batches, by the worker loop;
recent rows, undelivered events and messages still moving stay; usage and balances are kept."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text

from partnerhub.adapters import tables
from partnerhub.adapters.repositories import messaging as messaging_repository
from partnerhub.adapters.retention import Retention, RetentionConfig
from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.state import AppState
from tests.conftest import PartnerCreds
from tests.helpers.clock import advance
from tests.helpers.messaging import (
    inbound,
    ready_channel,
    send_text,
    statuses,
    wait_statuses,
)
from tests.receiver import Receiver

DAY = 86400


async def count(state: AppState, table: Any, *where: Any) -> int:
    async with state.engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar()
            or 0
        )


async def billing_rows(state: AppState) -> tuple[list[Any], list[Any]]:
    async with state.engine.connect() as conn:
        usage = (await conn.execute(select(tables.usage_records))).all()
        balances = (await conn.execute(select(tables.balances))).all()
    return sorted(usage), sorted(balances)


async def conversation(
    client: httpx.AsyncClient,
    state: AppState,
    receiver: Receiver,
    channel: dict[str, Any],
    key: dict[str, str],
    seen: int,
) -> int:
    """An inbound message and two replies, their statuses delivered: the webhook count after."""
    await inbound(client, channel["channel_id"])
    for body in ("one", "two"):
        assert (await send_text(client, key, body)).status_code == 200
    for _ in range(3):
        await advance(client, state.settings.message_status_seconds)
    await asyncio.to_thread(wait_statuses, receiver, seen + 6)
    return seen + 6


async def undelivered(state: AppState, partner_id: str, at: datetime) -> list[str]:
    """An event still pending and one given up (failed), both as old as ``at``."""
    ids = []
    async with state.engine.begin() as conn:
        for n, status in enumerate(("pending", "failed")):
            event_id = f"oldundelivered{n}"
            await conn.execute(
                insert(tables.webhook_events).values(
                    id=event_id, partner_id=partner_id, type="t", body="{}", created_at=at
                )
            )
            await conn.execute(
                insert(tables.webhook_deliveries).values(
                    id=f"olddelivery{n}",
                    event_id=event_id,
                    partner_id=partner_id,
                    event_type="t",
                    status=status,
                    attempt_count=1,
                    created_at=at,
                    next_attempt_at=at + timedelta(days=365),  # never due in this test
                )
            )
            ids.append(event_id)
    return ids


async def moving_message(state: AppState, channel: dict[str, Any], at: datetime) -> str:
    """An old message whose next status is still to come (so still to be charged): kept."""
    async with state.engine.begin() as conn:
        await conn.execute(
            insert(tables.messages).values(
                id="wamid.still-moving",
                partner_id=channel["partner_id"],
                client_id=channel["client_id"],
                channel_id=channel["channel_id"],
                direction="out",
                wa_id="4915100000001",
                type="text",
                status="sent",
                body={},
                next_status_at=at + timedelta(days=365),
                created_at=at,
                modified_at=at,
            )
        )
    return "wamid.still-moving"


async def until(condition: Any, seconds: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "retention did not run"
        await asyncio.sleep(0.05)


async def test_old_delivered_rows_go_recent_and_undelivered_stay(
    client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    assert state.settings.retention_days == 30
    channel, key = await ready_channel(client, partner, receiver)
    channel.setdefault("partner_id", partner.partner_id)
    long_ago = state.clock.now()
    seen = await conversation(client, state, receiver, channel, key, len(statuses(receiver)))
    kept_events = await undelivered(state, partner.partner_id, long_ago)
    moving = await moving_message(state, channel, long_ago)
    old_messages = await count(state, tables.messages)
    assert old_messages == 4  # inbound, two replies, the one still moving
    old_attempts = await count(state, tables.webhook_attempts)
    assert old_attempts > 0
    billing = await billing_rows(state)
    assert billing[0], "the replies were recorded as usage"

    await advance(client, 31 * DAY)  # the old rows are now past the window
    await conversation(client, state, receiver, channel, key, seen)
    recent = state.clock.now() - timedelta(days=1)

    # The embedded worker's next rounds delete them (no call from the test).
    async def old_ones_gone() -> bool:
        return await count(
            state, tables.messages, tables.messages.c.created_at < recent
        ) == 1 and await count(
            state, tables.webhook_events, tables.webhook_events.c.created_at < recent
        ) == len(kept_events)

    await until(old_ones_gone)
    # What stays: the recent conversation, the undelivered events with their deliveries, the
    # message still moving; every usage record and balance.
    assert await count(state, tables.messages, tables.messages.c.created_at >= recent) == 3
    m = tables.messages.c
    assert await count(state, tables.messages, m.created_at < recent, m.id == moving) == 1
    e = tables.webhook_events.c
    assert await count(state, tables.webhook_events, e.id.in_(kept_events)) == 2
    assert (
        await count(
            state, tables.webhook_deliveries, tables.webhook_deliveries.c.event_id.in_(kept_events)
        )
        == 2
    )
    assert await count(state, tables.webhook_events, e.created_at >= recent) > 0
    d, a = tables.webhook_deliveries.c, tables.webhook_attempts.c
    assert await count(state, tables.webhook_deliveries, d.created_at < recent) == 2
    assert await count(state, tables.webhook_attempts, a.attempted_at < recent) == 0
    assert await count(state, tables.webhook_attempts, a.attempted_at >= recent) > 0
    usage_after, balances_after = await billing_rows(state)
    assert {tuple(u) for u in billing[0]} <= {tuple(u) for u in usage_after}
    assert len(usage_after) > len(billing[0])  # the recent replies were recorded too
    assert [b[:4] for b in balances_after] == [b[:4] for b in billing[1]]


async def test_batches_are_small_and_a_run_resumes_where_it_stopped(
    client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    state.worker.housekeeping = None  # this test runs the sweeps itself
    channel, key = await ready_channel(client, partner, receiver)
    await conversation(client, state, receiver, channel, key, len(statuses(receiver)))
    await advance(client, 31 * DAY)
    # Batches of one row, two batches per run: the three messages take two runs.
    small = Retention(
        state.engine,
        state.clock,
        RetentionConfig(days=30, batch_size=1, max_batches=2, interval_seconds=3600),
    )
    first = await small.sweep()
    assert first.more and first.rows["messages"] == 2
    second = await small.sweep()
    assert second.rows.get("messages", 0) == 1
    assert await count(state, tables.messages) == 0
    off = Retention(state.engine, state.clock, RetentionConfig(days=0))
    assert not off.enabled and (await off.sweep()).total == 0


async def test_metrics_show_table_sizes_and_oldest_rows(
    client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await conversation(client, state, receiver, channel, key, len(statuses(receiver)))
    await advance(client, 3600)
    text = (await client.get("/metrics")).text
    rows = dict(re.findall(r'partnerhub_table_rows\{table="(\w+)"\} ([0-9.e+]+)', text))
    ages = dict(
        re.findall(r'partnerhub_table_oldest_row_age_seconds\{table="(\w+)"\} ([0-9.e+]+)', text)
    )
    assert (
        set(rows)
        == set(ages)
        == {
            "webhook_events",
            "webhook_deliveries",
            "webhook_attempts",
            "messages",
        }
    )
    assert float(rows["messages"]) >= 3 or state.engine.dialect.name == "postgresql"
    assert float(ages["messages"]) >= 3600
    # Computed at most every TABLE_STATS_SECONDS: a second scrape reuses the figures.
    again = (await client.get("/metrics")).text
    assert re.findall(r"partnerhub_table_rows\{.*", again) == re.findall(
        r"partnerhub_table_rows\{.*", text
    )


async def test_the_oldest_message_is_found_among_the_finished_and_those_in_flight(
    client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    """Messages have an index on the finished ones' age and one on the due time of those in
    flight (migration 0032), none on every age: the oldest row is the older of the two."""
    channel, key = await ready_channel(client, partner, receiver)
    channel.setdefault("partner_id", partner.partner_id)
    await conversation(client, state, receiver, channel, key, len(statuses(receiver)))
    now = state.clock.now()

    async def oldest_message_days() -> float:
        fresh = Retention(state.engine, state.clock, RetentionConfig(stats_seconds=0))
        figures = {f.table: f for f in await fresh.table_figures()}
        return figures["messages"].oldest_age_seconds / DAY

    assert await oldest_message_days() < 1  # the conversation's, all finished
    await moving_message(state, channel, now - timedelta(days=10))
    assert 10 <= await oldest_message_days() < 11  # the one still in flight
    m = tables.messages.c
    async with state.engine.begin() as conn:  # finished messages older still
        done = await conn.execute(
            tables.messages.update()
            .where(m.next_status_at.is_(None))
            .values(created_at=now - timedelta(days=20))
        )
        assert done.rowcount == 3
    assert 20 <= await oldest_message_days() < 21


async def test_messages_keep_one_partial_index_for_those_in_flight_and_one_for_the_finished(
    state: AppState,
) -> None:
    """Migration 0032 as the database has it (Alembic's comparison ignores index predicates),
    and on SQLite the plans of the simulator's due read and retention's oldest-first read."""
    sqlite = state.engine.dialect.name == "sqlite"
    listed = (
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'"
        " AND sql IS NOT NULL"
        if sqlite
        else "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'messages'"
        " AND indexname <> 'pk_messages'"
    )
    async with state.engine.connect() as conn:
        found = {
            name: sql.replace("(", " ").replace(")", " ")
            for name, sql in await conn.execute(text(listed))
        }
        assert set(found) == {"ix_messages_next_status", "ix_messages_finished_created"}
        assert " next_status_at IS NOT NULL" in found["ix_messages_next_status"]
        assert " next_status_at IS NULL" in found["ix_messages_finished_created"]
        if not sqlite:
            return
        due = (messaging_repository._DUE_SQLITE, ("2999-01-01", 10))
        m = tables.messages.c
        oldest_first = (
            select(m.id)
            .where(m.created_at < state.clock.now(), m.next_status_at.is_(None))
            .order_by(m.created_at)
            .limit(500)
        ).compile(state.engine)
        retention = (str(oldest_first), ("2999-01-01", 500, 0))
        for (query, values), index in (
            (due, "ix_messages_next_status"),
            (retention, "ix_messages_finished_created"),
        ):
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", values)
            plan = " ".join(str(row[-1]) for row in rows)
            assert f"INDEX {index} " in plan and "TEMP B-TREE" not in plan, plan


async def test_a_clock_set_back_does_not_postpone_retention(state: AppState) -> None:
    """The emulator's reset moves the virtual clock back to real time: the next run stays due
    within the interval, not after the distance the clock jumped."""
    clock = VirtualClock()
    retention = Retention(state.engine, clock, RetentionConfig(days=30, interval_seconds=60))
    clock.advance(90 * DAY)
    await retention.run_due()
    assert retention._waiting(clock.now())
    back = VirtualClock()  # real time again: 90 days before the last run
    retention._clock = back
    assert not retention._waiting(back.now())
