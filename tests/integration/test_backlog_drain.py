"""A seeded world's delivery backlog drains at the engine's pace, not a trickle (issue 19, 7).

A few hundred pending deliveries, seeded in one document (``webhook_events`` and
``webhook_deliveries`` of the world format), to a local receiver that answers at once: the
worker must send them in a few batched rounds. The bound is generous (the machine is shared);
the measured figures are in docs/operations.md.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from partnerhub.domain.keys import secrets
from tests.conftest import EMULATOR
from tests.helpers.clock import eventually
from tests.receiver import Receiver

BACKLOG = 300
BOUND_SECONDS = 20.0
KEY = secrets.generate("ph_test_")


def backlog_world(url: str, count: int, at: str) -> dict[str, Any]:
    events = [
        {
            "id": f"bk{i:05d}EV",
            "partner_id": "drainPA",
            "type": "channel_live",
            "body": f'{{"id": "bk{i:05d}EV", "event": "channel_live", "data": {{}}}}',
            "created_at": at,
        }
        for i in range(count)
    ]
    deliveries = [
        {
            "id": f"bk{i:05d}WD",
            "event_id": e["id"],
            "partner_id": "drainPA",
            "event_type": "channel_live",
            "status": "pending",
            "attempt_count": 0,
            "created_at": at,
            "next_attempt_at": at,
        }
        for i, e in enumerate(events)
    ]
    return {
        "version": 2,
        "partners": [
            {
                "id": "drainPA",
                "brand_name": "Drain",
                "webhook_url": url,
                "api_keys": [{"key": KEY}],
            }
        ],
        "webhook_events": events,
        "webhook_deliveries": deliveries,
    }


async def test_a_seeded_backlog_drains_in_batches(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    now = (await client.get("/_emulator/clock", headers=EMULATOR)).json()["now"]
    started = time.monotonic()
    seeded = await client.post(
        "/_emulator/seed", headers=EMULATOR, json=backlog_world(receiver.url, BACKLOG, now)
    )
    assert seeded.status_code == 200, seeded.text
    await eventually(lambda: len(receiver.requests) >= BACKLOG, seconds=60)
    took = time.monotonic() - started
    print(f"drained {BACKLOG} deliveries in {took:.2f} s ({BACKLOG / took:.0f}/s)")
    assert took < BOUND_SECONDS, f"{BACKLOG} deliveries took {took:.1f} s"

    async def pending() -> int:
        log = await client.get(
            "/api/v2/partners/drainPA/webhook_deliveries",
            headers={"X-API-Key": KEY},
            params={"limit": 1, "filters": '{"status": "pending"}'},
        )
        assert log.status_code == 200, log.text
        return int(log.json()["total"])

    # The receiver counts a request when it arrives; the engine records a batch's answers a
    # moment after the last one: a request faster than that moment still sees them pending.
    recorded_by = time.monotonic() + 5
    while await pending() and time.monotonic() < recorded_by:  # noqa: ASYNC110  (polling HTTP)
        await asyncio.sleep(0.02)
    assert await pending() == 0
    assert len(receiver.requests) == BACKLOG  # each sent once
