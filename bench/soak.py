"""Soak: the mixed workload at 80 % of its maximum for 10 minutes on PostgreSQL, with 2 API
processes and 2 separate workers, and a 1-minute retention window.

What a short benchmark cannot show: that nothing grows. Each minute prints the req/s, the p99,
the errors, the resident memory (VmRSS) of every process (the ``serve`` supervisor, its API
processes, both workers, the webhook receiver) and the row count of every retained table
(webhook events, deliveries, attempts, messages) and of the statuses' usage records. With
``PARTNERHUB_RETENTION_DAYS`` at one minute, the retained tables stop growing once retention
has caught up (after the first few minutes); usage records are kept by design and grow.

The mix is bench/load.py's (reads, writes, sends with status webhooks to bench/receiver_app.py).
The maximum is measured first (15 s, unpaced), then each connection is paced to 80 % of it.

Bars (issue 16): 0 errors; RSS of every process and the size of every retained table flat over
the last half of the run (the script prints the growth from the middle to the end and exits 1
on errors). Run: ``make bench-soak`` (``BENCH_SOAK_MINUTES``, default 10; BENCH_DATABASE_URL,
default the ``bench`` database on 127.0.0.1, dropped and created afresh).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    BIN,
    WrkResult,
    children,
    create_partner,
    ensure_wrk,
    free_port,
    printed_machine_load,
    uvicorn_app,
    wait_ready,
)
from load import (
    CONNECTIONS,
    DEFAULT_DB,
    cmdline,
    fresh_database,
    lua_script,
    run,
    start_server,
    stop,
)
from messages import TOKEN, prepare

MINUTES = int(os.environ.get("BENCH_SOAK_MINUTES", "10"))
MINUTE = int(os.environ.get("BENCH_SOAK_MINUTE_SECONDS", "60"))  # shorter only to try it out
LOAD_SHARE = 0.8
TABLES = ("webhook_events", "webhook_deliveries", "webhook_attempts", "messages", "usage_records")
RETAINED = TABLES[:4]


def rss_mib(pid: int) -> float:
    """The resident memory now (VmRSS), not the peak: a flat line is what the soak looks for."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def table_rows(url: str) -> dict[str, int]:
    import asyncpg

    async def count() -> dict[str, int]:
        conn = await asyncpg.connect(url)
        try:
            counts = {}
            for table in TABLES:  # our own table names
                counts[table] = int(await conn.fetchval(f"select count(*) from {table}"))  # noqa: S608
            return counts
        finally:
            await conn.close()

    return asyncio.run(count())


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(BIN / "partnerhub"), "worker"], env=env, stdout=log.open("a"), stderr=subprocess.STDOUT
    )


def main() -> None:
    wrk = ensure_wrk()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    if database_url == DEFAULT_DB:
        fresh_database(database_url)
    data_dir = Path(tempfile.mkdtemp(prefix="partnerhub-soak-"))
    env = {
        **os.environ,
        "PARTNERHUB_DATA_DIR": str(data_dir),
        "PARTNERHUB_DATABASE_URL": database_url,
        "PARTNERHUB_LOG_FORMAT": "json",
        "PARTNERHUB_LOG_LEVEL": "WARNING",
        "PARTNERHUB_EMULATOR_TOKEN": TOKEN,
        "PARTNERHUB_EMBEDDED_WORKER": "false",
        "PARTNERHUB_RETENTION_DAYS": str(1 / 1440),  # one minute
        "PARTNERHUB_RETENTION_INTERVAL_SECONDS": "10",
    }
    partner_id, api_key = create_partner(env)
    hook_port = free_port()
    hook = uvicorn_app("receiver_app:app", hook_port, 1, env)
    hook_base = f"http://127.0.0.1:{hook_port}"
    log = data_dir / "server.log"
    workers = [start_worker(env, log), start_worker(env, log)]
    server: subprocess.Popen[bytes] | None = None
    minutes: list[tuple[WrkResult, dict[str, float], dict[str, int]]] = []
    try:
        wait_ready(f"{hook_base}/stats")
        server, base = start_server(2, env, log)
        channel_key = prepare(base, partner_id, api_key, f"{hook_base}/hook")
        httpx.post(
            f"{base}/api/v2/partners/{partner_id}/webhook_url",
            headers={"X-API-Key": api_key},
            json={"webhook_url": f"{hook_base}/hook"},
            timeout=30,
        ).raise_for_status()
        flat_out = data_dir / "max.lua"
        flat_out.write_text(lua_script(partner_id, api_key, channel_key, 0))
        run(wrk, base, flat_out, 3)
        top = run(wrk, base, flat_out, 15)
        target = LOAD_SHARE * top.requests_per_second
        print(f"maximum {top.requests_per_second:.0f} req/s; soak target {target:.0f} req/s")
        delay_ms = max(0.0, CONNECTIONS / target * 1000 - top.p50_ms)
        paced = data_dir / "paced.lua"
        processes = {"supervisor": server.pid}
        api = [pid for pid in children(server.pid) if "resource_tracker" not in cmdline(pid)]
        processes |= {f"api {n}": pid for n, pid in enumerate(api, 1)}
        processes |= {f"worker {n}": w.pid for n, w in enumerate(workers, 1)}
        processes["receiver"] = hook.pid
        for minute in range(1, MINUTES + 1):
            paced.write_text(lua_script(partner_id, api_key, channel_key, delay_ms))
            result = run(wrk, base, paced, MINUTE)
            answer_ms = CONNECTIONS / max(result.requests_per_second, 1) * 1000 - delay_ms
            delay_ms = max(0.0, CONNECTIONS / target * 1000 - answer_ms)
            memory = {name: rss_mib(pid) for name, pid in processes.items()}
            rows = table_rows(database_url)
            minutes.append((result, memory, rows))
            print(
                f"minute {minute:>2}: {result.requests_per_second:>6.0f} req/s  "
                f"p99 {result.p99_ms:>7.2f} ms  errors {result.non_2xx + result.socket_errors}  "
                + "  ".join(f"{n} {m:.0f}MiB" for n, m in memory.items())
                + "  rows "
                + " ".join(f"{t}={n}" for t, n in rows.items()),
                flush=True,
            )
    finally:
        if server is not None:
            stop(server)
        for w in workers:
            stop(w)
        hook.terminate()
        hook.wait(10)
    tracebacks = log.read_text(errors="replace").count("Traceback")
    report(minutes, tracebacks)


def report(
    minutes: list[tuple[WrkResult, dict[str, float], dict[str, int]]], tracebacks: int
) -> None:
    errors = sum(r.non_2xx + r.socket_errors for r, _, _ in minutes)
    middle, last = minutes[len(minutes) // 2], minutes[-1]
    print(f"\nsoak: {len(minutes)} minutes, errors {errors}, tracebacks in the logs {tracebacks}")
    print("p99 ms per minute: " + " ".join(f"{r.p99_ms:.1f}" for r, _, _ in minutes))
    print("RSS growth from the middle to the end of the run (MiB):")
    for name, mib in last[1].items():
        print(
            f"  {name:<12} {middle[1][name]:>7.1f} -> {mib:>7.1f}  ({mib - middle[1][name]:+.1f})"
        )
    print("rows from the middle to the end of the run:")
    for table, count in last[2].items():
        kept = "" if table in RETAINED else "  (kept by design: usage, billing)"
        print(f"  {table:<20} {middle[2][table]:>8} -> {count:>8}{kept}")
    if errors or tracebacks:
        sys.exit(1)


if __name__ == "__main__":
    started = time.monotonic()
    with printed_machine_load():
        main()
    print(f"took {time.monotonic() - started:.0f} s")
