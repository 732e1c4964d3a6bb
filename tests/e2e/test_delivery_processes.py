"""Delivery across real processes: kill -9 mid-delivery loses nothing; workers scale out.

A real receiver (tests/receiver.py) counts what arrives; the database is read at the end to check
that the delivery log accounts for every request the receiver saw.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_URL
from tests.e2e.conftest import (
    cli_env,
    create_partner,
    delivery_log,
    free_port,
    settled,
    start_server,
    start_worker,
    stop_processes,
    wait_until,
)
from tests.receiver import Receiver

pytestmark = pytest.mark.slow


def _burst(base: str, partner_id: str, headers: dict[str, str], total: int, hook: str) -> None:
    """Point the partner's webhook at ``hook`` and create ``total`` events, 100 per request."""
    url = f"{base}/api/v2/partners/{partner_id}"
    with httpx.Client(timeout=60) as client:
        response = client.post(f"{url}/webhook_url", headers=headers, json={"webhook_url": hook})
        assert response.status_code == 200, response.text
        for _ in range(total // 100):
            response = client.post(f"{url}/webhook_url/test", headers=headers, json={"count": 100})
            assert response.status_code == 202, response.text


def test_kill_dash_nine_mid_delivery_loses_nothing(
    tmp_path: Path, database_url: str, receiver: Receiver
) -> None:
    receiver.delay_seconds = 0.2  # slow receiver: many deliveries in flight at the kill
    env = cli_env(tmp_path, database_url, PARTNERHUB_WEBHOOK_TIMEOUT_SECONDS="1")
    partner_id, headers = create_partner(env)
    port = free_port()
    server = start_server(env, port, tmp_path / "server-1.log")
    base = f"http://127.0.0.1:{port}"
    try:
        _burst(base, partner_id, headers, 2000, receiver.url)
        wait_until(lambda: len(receiver.requests) >= 300, 60, "the first deliveries")
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    seen_at_kill = len(receiver.requests)
    assert seen_at_kill < 2000, "everything was delivered before the kill; make it slower"

    server = start_server(env, port, tmp_path / "server-2.log")
    try:
        event_ids = lambda: {r.headers["webhook-id"] for r in receiver.requests}  # noqa: E731
        wait_until(lambda: len(event_ids()) >= 2000, 120, "every event to arrive after the restart")
        wait_until(lambda: settled(database_url), 60, "every delivery to be recorded")
    finally:
        server.terminate()
        server.wait(15)

    status, _, per_event, abandoned = asyncio.run(delivery_log(database_url))
    assert len(status) == 2000
    assert set(status.values()) == {"delivered"}
    assert event_ids() == set(status)
    received = Counter(r.headers["webhook-id"] for r in receiver.requests)
    for event_id, times in received.items():
        assert per_event[event_id] >= times, (
            f"{event_id}: {times} requests, {per_event[event_id]} attempts logged"
        )
    assert sum(abandoned.values()) > 0, "the kill left nothing in flight: the test proved nothing"


@pytest.mark.skipif(PG_URL is None, reason="scale-out workers need PostgreSQL")
@pytest.mark.usefixtures("_postgres_ready")
def test_two_workers_deliver_ten_thousand_events(tmp_path: Path, receiver: Receiver) -> None:
    assert PG_URL is not None
    from tests.conftest import _truncate_postgres

    asyncio.run(_truncate_postgres(PG_URL))
    env = cli_env(
        tmp_path, PG_URL, PARTNERHUB_EMBEDDED_WORKER="false", PARTNERHUB_WEBHOOK_TIMEOUT_SECONDS="2"
    )
    partner_id, headers = create_partner(env)
    port = free_port()
    server = start_server(env, port, tmp_path / "api.log")
    workers = [start_worker(env, tmp_path / f"worker-{n}.log") for n in range(2)]
    base = f"http://127.0.0.1:{port}"
    try:
        _burst(base, partner_id, headers, 10_000, receiver.url)
        wait_until(lambda: len(receiver.requests) >= 3000, 120, "deliveries to start")
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait(10)
        wait_until(
            lambda: len({r.headers["webhook-id"] for r in receiver.requests}) >= 10_000,
            180,
            "all 10,000 events",
        )
        wait_until(lambda: settled(PG_URL), 60, "every delivery to be recorded")
    finally:
        stop_processes(server, *workers)

    status, _, per_event, abandoned = asyncio.run(delivery_log(PG_URL))
    assert len(status) == 10_000 and set(status.values()) == {"delivered"}
    received = Counter(r.headers["webhook-id"] for r in receiver.requests)
    assert set(received) == set(status)
    duplicates = {event_id for event_id, times in received.items() if times > 1}
    # Duplicates only for deliveries that were in flight in the killed worker.
    assert duplicates <= set(abandoned), duplicates - set(abandoned)
    for event_id, times in received.items():
        assert per_event[event_id] >= times
    # Both workers did a share of the work.
    logs = [(tmp_path / f"worker-{n}.log").read_text() for n in range(2)]
    assert all("delivering from" in text for text in logs)
