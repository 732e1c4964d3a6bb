"""The concurrent writer of ``bench/partner_get.py``: commits at a fixed rate through the API.

Each write is ``PATCH /api/v2/partners/{id}`` of one of several *other* partners (``--url`` and
``--key`` given once per partner, used in turn) with that partner's own key (its ``brand_name``,
one of a few values in turn; ``modified_at`` changes every time): the Partner API's own write
path through the unit of work, one commit per 2xx answer, so the achieved commit rate is exact.
Writes spread over several partners as a hub's writes spread over its objects (all on one row,
PostgreSQL would serialize them on that row's lock). They never touch the measured partner's
key or partner row, so a cache invalidated per key keeps the measured entries.

Run as a child process (pinned beside wrk) and driven over stdin, one command a line:
``start RATE`` starts writing at RATE commits/s (0: idle), ``stop`` stops and prints one JSON
line ``{"commits", "errors", "seconds", "rate", "skipped"}`` for the time since ``start``,
``quit`` (or end of input) exits. Bounded: at most ``MAX_SECONDS`` of writing per ``start``,
at most ``MAX_IN_FLIGHT`` writes outstanding, and the process exits after ``LIFETIME``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

import aiohttp

MAX_SECONDS = 120.0
MAX_IN_FLIGHT = 32
LIFETIME = 3600.0
# Behind schedule by more than this (the server is saturated): skip the missed slots instead
# of bursting to catch up, and count them, so the achieved rate is honest.
MAX_LAG = 0.25


class Writer:
    def __init__(self, session: aiohttp.ClientSession, targets: list[tuple[str, str]]) -> None:
        self._session = session
        self._targets = [
            (url, {"X-API-Key": key, "Content-Type": "application/json"}) for url, key in targets
        ]
        self._bodies = [json.dumps({"brand_name": f"Writer {n}"}).encode() for n in range(8)]
        self.commits = self.errors = self.skipped = 0

    async def _write(self, n: int, gate: asyncio.Semaphore) -> None:
        try:
            body = self._bodies[n % len(self._bodies)]
            url, headers = self._targets[n % len(self._targets)]
            async with self._session.patch(url, data=body, headers=headers) as answer:
                await answer.read()
                if 200 <= answer.status < 300:
                    self.commits += 1
                else:
                    self.errors += 1
        except (aiohttp.ClientError, TimeoutError):
            self.errors += 1
        finally:
            gate.release()

    async def run(self, rate: float, stopped: asyncio.Event) -> float:
        """Write at ``rate`` until ``stopped``; returns the seconds it ran."""
        self.commits = self.errors = self.skipped = 0
        started = time.monotonic()
        if rate <= 0:
            await stopped.wait()
            return time.monotonic() - started
        gate = asyncio.Semaphore(MAX_IN_FLIGHT)
        pending: set[asyncio.Task[None]] = set()
        interval, slot, origin = 1.0 / rate, 0, started
        while not stopped.is_set() and time.monotonic() - started < MAX_SECONDS:
            now = time.monotonic()
            due = origin + slot * interval
            if now - due > MAX_LAG:
                missed = int((now - due) / interval)
                self.skipped += missed
                slot += missed
                continue
            if due > now:
                try:
                    await asyncio.wait_for(stopped.wait(), due - now)
                    break
                except TimeoutError:
                    pass
            await gate.acquire()
            task = asyncio.create_task(self._write(slot, gate))
            pending.add(task)
            task.add_done_callback(pending.discard)
            slot += 1
        elapsed = time.monotonic() - started
        if pending:  # writes sent inside the window: let them land (bounded)
            await asyncio.wait(pending, timeout=5)
        return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", action="append", required=True)
    parser.add_argument("--key", action="append", required=True)
    args = parser.parse_args()
    if len(args.url) != len(args.key):
        sys.exit("one --key per --url")
    if not all(url.startswith("http://127.0.0.1:") for url in args.url):
        sys.exit("the writer only writes to 127.0.0.1")
    loop = asyncio.get_running_loop()
    born = time.monotonic()
    connector = aiohttp.TCPConnector(limit=MAX_IN_FLIGHT)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        writer = Writer(session, list(zip(args.url, args.key, strict=True)))
        running: asyncio.Task[float] | None = None
        stopped = asyncio.Event()
        print("ready", flush=True)
        while time.monotonic() - born < LIFETIME:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            command = line.split()
            if not command or command[0] == "quit":
                break
            if command[0] == "start" and running is None:
                stopped = asyncio.Event()
                running = asyncio.create_task(writer.run(float(command[1]), stopped))
            elif command[0] == "stop" and running is not None:
                stopped.set()
                seconds = await running
                running = None
                stats = {
                    "commits": writer.commits,
                    "errors": writer.errors,
                    "skipped": writer.skipped,
                    "seconds": seconds,
                    "rate": writer.commits / seconds if seconds > 0 else 0.0,
                }
                print(json.dumps(stats), flush=True)
        if running is not None:
            stopped.set()
            await running


if __name__ == "__main__":
    asyncio.run(main())
