"""Benchmark: webhook delivery end to end, events created through the API.

For each topology it measures
- throughput: N events created through the API (``POST …/webhook_url/test {"count": 100}``,
  bursts of 100), until the receiver has seen every one: events/s;
- latency: single events at a steady 100 events/s for a few seconds; commit-to-delivery time
  (the event's stored ``created_at`` to its first arrival at the receiver): p50 and p99.

Topologies: (a) embedded worker on SQLite, (b) one ``partnerhub worker`` on PostgreSQL,
(c) two workers on PostgreSQL (API processes then only write the outbox). The denominator is the
receiver's own ceiling, measured in the same run: wrk posting to it as fast as it can.
All traffic stays on 127.0.0.1; every loop is bounded in count and time.
Options (environment): BENCH_EVENTS (10000), BENCH_LATENCY_SECONDS (5),
BENCH_DATABASE_URL (postgresql://postgres@127.0.0.1:5432/test; "none" skips b and c).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    BIN,
    create_partner,
    ensure_wrk,
    free_port,
    pinned,
    printed_machine_load,
    run_wrk,
    wait_ready,
)

EVENTS = int(os.environ.get("BENCH_EVENTS", "10000"))
LATENCY_SECONDS = float(os.environ.get("BENCH_LATENCY_SECONDS", "5"))
RATE = 100
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
HERE = Path(__file__).resolve().parent


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:
        return subprocess.Popen(argv, env=env, stdout=handle, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def receiver_stats(base: str) -> dict[str, float]:
    received: dict[str, float] = httpx.get(f"{base}/stats", timeout=30).json()["received"]
    return received


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _created_at(database_url: str, partner_id: str) -> dict[str, float]:
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import create_async_engine

    from partnerhub.adapters import tables
    from partnerhub.adapters.db import normalize_url

    engine = create_async_engine(normalize_url(database_url))
    e = tables.webhook_events.c
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(select(e.id, e.created_at).where(e.partner_id == partner_id))
            ).all()
    finally:
        await engine.dispose()
    return {row.id: row.created_at.timestamp() for row in rows}


def run_topology(
    name: str, database_url: str, workers: int, receiver: str, tmp: Path
) -> dict[str, float]:
    env = {
        **os.environ,
        "PARTNERHUB_DATA_DIR": str(tmp),
        "PARTNERHUB_DATABASE_URL": database_url,
        "PARTNERHUB_LOG_LEVEL": "WARNING",
        "PARTNERHUB_LOG_FORMAT": "json",
        "PARTNERHUB_EMBEDDED_WORKER": "false" if workers else "true",
    }
    pid, api_key = create_partner(env)
    headers = {"X-API-Key": api_key}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with ExitStack() as stack:
        server = start(
            pinned(0, [str(BIN / "partnerhub"), "serve", "--port", str(port)]),
            env,
            tmp / f"{name}-api.log",
        )
        stack.callback(stop, server)
        for n in range(workers):
            worker = start([str(BIN / "partnerhub"), "worker"], env, tmp / f"{name}-worker-{n}.log")
            stack.callback(stop, worker)
        wait_ready(f"{base}/readyz")
        client = httpx.Client(base_url=base, headers=headers, timeout=60)
        stack.callback(client.close)
        url = f"/api/v2/partners/{pid}"
        assert (
            client.post(f"{url}/webhook_url", json={"webhook_url": f"{receiver}/hook"}).status_code
            == 200
        )
        httpx.post(f"{receiver}/reset")

        # Throughput: N events through the API in bursts of 100, until all arrived.
        started = time.perf_counter()
        for _ in range(EVENTS // 100):
            assert client.post(f"{url}/webhook_url/test", json={"count": 100}).status_code == 202
        deadline = time.monotonic() + 300
        while len(receiver_stats(receiver)) < EVENTS:
            if time.monotonic() > deadline:
                raise RuntimeError("not every event arrived within 300 s")
            time.sleep(0.05)
        throughput = EVENTS / (time.perf_counter() - started)

        # Latency at a steady 100 events/s.
        httpx.post(f"{receiver}/reset")
        total = int(RATE * LATENCY_SECONDS)
        begin = time.perf_counter()
        for i in range(total):
            delay = begin + i / RATE - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            assert client.post(f"{url}/webhook_url/test").status_code == 202
        deadline = time.monotonic() + 60
        while len(received := receiver_stats(receiver)) < total:
            if time.monotonic() > deadline:
                raise RuntimeError("latency events did not all arrive within 60 s")
            time.sleep(0.05)
    created_at = asyncio.run(_created_at(database_url, pid))
    latencies = [(received[i] - created_at[i]) * 1000 for i in received if i in created_at]
    return {
        "events/s": throughput,
        "p50 ms": statistics.median(latencies),
        "p99 ms": percentile(latencies, 0.99),
    }


def main() -> None:
    wrk = ensure_wrk()
    tmp = Path(tempfile.mkdtemp(prefix="partnerhub-bench-webhooks-"))
    port = free_port()
    receiver = f"http://127.0.0.1:{port}"
    recv = start(
        pinned(
            1,
            [
                str(BIN / "uvicorn"),
                "receiver_app:app",
                "--port",
                str(port),
                "--app-dir",
                str(HERE),
                "--log-level",
                "warning",
                "--no-access-log",
                "--lifespan",
                "off",
            ],
        ),
        dict(os.environ),
        tmp / "receiver.log",
    )
    try:
        wait_ready(f"{receiver}/stats")
        script = tmp / "post.lua"
        script.write_text(
            'wrk.method = "POST"\nwrk.body = \'{"id":"x","event":"webhook_test","data":{}}\'\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
        ceiling = run_wrk(wrk, f"{receiver}/hook", {}, 5, 64, 0, extra=["-s", str(script)])
        httpx.post(f"{receiver}/reset")
        results = {
            "(a) embedded, SQLite": run_topology("a", f"sqlite:///{tmp / 'a.db'}", 0, receiver, tmp)
        }
        if PG_URL != "none":
            results["(b) 1 worker, PostgreSQL"] = run_topology("b", PG_URL, 1, receiver, tmp)
            results["(c) 2 workers, PostgreSQL"] = run_topology("c", PG_URL, 2, receiver, tmp)
    finally:
        stop(recv)

    print(
        f"\nWebhook delivery end to end — {EVENTS} events through the API (bursts of 100); "
        f"latency at {RATE} events/s for {LATENCY_SECONDS:g} s"
    )
    print(f"receiver ceiling (wrk, 64 connections): {ceiling.requests_per_second:.0f} req/s")
    print(f"{'topology':<28} {'events/s':>9} {'ratio':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for name, r in results.items():
        ratio = r["events/s"] / ceiling.requests_per_second
        print(
            f"{name:<28} {r['events/s']:>9.0f} {ratio:>7.3f} "
            f"{r['p50 ms']:>8.1f} {r['p99 ms']:>8.1f}"
        )
    a = results["(a) embedded, SQLite"]
    ok = a["events/s"] >= 1000 and a["p50 ms"] <= 50
    print(
        f"bar (a): >= 1000 events/s and p50 <= 50 ms at 100 events/s: {'met' if ok else 'NOT met'}"
    )


if __name__ == "__main__":
    with printed_machine_load():
        main()
