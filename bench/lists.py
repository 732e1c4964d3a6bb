"""Benchmark: a channel list page at 1,000 and at 1,000,000 channels, on SQLite and PostgreSQL.

``GET /api/v2/partners/{id}/channels?limit=20&sort=-created_at&filters={"status":"running"}``
is measured (wrk, p50) once the partner has 1,000 channels and again once it has 1,000,000, on
each database. The printed ratio p50(1M) / p50(1k) shows whether the page — its ``total``
included — costs the same at any size (bar: <= 2.0).

The channels are bulk-loaded with SQLAlchemy Core straight into the tables (100,000 clients with
one WABA and ten numbers each, a fifth of the numbers in each status, creation times spread
over a year) and the per-status counters are rebuilt with ``channel_counts.recount`` — the same
call the emulator's seed makes. Seeding must take under two minutes per database.

Run: ``make bench-lists``. Options (environment): BENCH_SECONDS (default 10), BENCH_CONNECTIONS
(default 4: latency, not throughput), BENCH_BACKENDS (default ``sqlite,postgresql``),
BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/partnerhub_bench — dropped and
recreated; never point it at a database you care about).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    BIN,
    WrkResult,
    create_partner,
    ensure_wrk,
    free_port,
    pinned,
    printed_machine_load,
    run_wrk,
    wait_ready,
)
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from partnerhub.adapters import channel_counts
from partnerhub.adapters.db import normalize_url

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/partnerhub_bench")
SIZES = (1_000, 1_000_000)
PER_CLIENT = 10
BATCH = 10_000
STATUSES = ("created", "submitted", "ready", "running", "live")
QUERY = "limit=20&sort=-created_at&filters=" + quote('{"status":"running"}', safe="")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _rows(
    partner_id: str, start: int, stop: int, rng: random.Random
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]]:
    """Batches of (clients, wabas, channels) for channel numbers ``start..stop``."""
    for batch_start in range(start, stop, BATCH):
        clients: list[dict[str, Any]] = []
        wabas: list[dict[str, Any]] = []
        channels: list[dict[str, Any]] = []
        for i in range(batch_start, min(batch_start + BATCH, stop)):
            created = EPOCH + timedelta(seconds=rng.randrange(365 * 86400))
            owner = i // PER_CLIENT
            if i % PER_CLIENT == 0:
                clients.append(
                    {
                        "id": f"b{owner:09d}CL",
                        "partner_id": partner_id,
                        "name": f"Client {owner}",
                        "status": "active",
                        "organisation": f"Client {owner}",
                        "partner_payload": None,
                        "max_channels": PER_CLIENT,
                        "meta_info": {},
                        "contact_info": {"email": f"c{owner}@example.com"},
                        "contact_user": {},
                        "created_by": {},
                        "modified_by": {},
                        "created_at": created,
                        "modified_at": created,
                    }
                )
                wabas.append(
                    {
                        "id": f"b{owner:09d}WA",
                        "partner_id": partner_id,
                        "client_id": f"b{owner:09d}CL",
                        "name": f"Client {owner}",
                        "status": "approved",
                        "external_id": str(10**14 + owner),
                        "fb_business_id": str(2 * 10**14 + owner),
                        "namespace": f"ns_{owner}",
                        "timezone_id": "1",
                        "settings": {},
                        "created_at": created,
                        "modified_at": created,
                    }
                )
            status = STATUSES[i % len(STATUSES)]
            channels.append(
                {
                    "id": f"b{i:010d}CH",
                    "partner_id": partner_id,
                    "client_id": f"b{owner:09d}CL",
                    "waba_account_id": f"b{owner:09d}WA",
                    "status": status,
                    "phone_number": f"+4915{i:09d}",
                    "phone_name": f"Number {i}",
                    "external_id": str(3 * 10**14 + i),
                    "account_mode": "live",
                    "billing_started_at": created if status in ("running", "live") else None,
                    "current_limit": "TIER_1K",
                    "current_quality_rating": "GREEN",
                    "was_in_use": False,
                    "verification_method": "sms",
                    "default_language": "en",
                    "permission": True,
                    # Left out: the columns with server defaults, and the ones that stay null —
                    # next_step_at among them, which keeps these numbers out of the simulator.
                    "created_at": created,
                    "modified_at": created,
                }
            )
        yield clients, wabas, channels


def _stored(value: Any, dialect: str) -> Any:
    """A value as the column holds it (what SQLAlchemy's types would have written)."""
    if isinstance(value, datetime):
        naive = value.astimezone(UTC).replace(tzinfo=None)  # UTCDateTime: naive UTC
        return naive.isoformat(" ", "microseconds") if dialect == "sqlite" else naive
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bool) and dialect == "sqlite":
        return int(value)
    return value


async def _bulk(conn: AsyncConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert through the driver's own bulk path (COPY on PostgreSQL, executemany on SQLite):
    SQLAlchemy's per-row parameter processing would make a million rows take minutes."""
    columns = list(rows[0])
    raw = (await conn.get_raw_connection()).driver_connection
    dialect = conn.dialect.name
    records = [tuple(_stored(row[c], dialect) for c in columns) for row in rows]
    if dialect == "postgresql":
        await raw.copy_records_to_table(table, records=records, columns=columns)  # type: ignore[union-attr]
    else:
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        await raw.executemany(sql, records)  # type: ignore[union-attr]


async def seed(url: str, partner_id: str, start: int, stop: int) -> float:
    """Load channels ``start..stop`` for the partner; returns the seconds it took."""
    engine = create_async_engine(normalize_url(url))
    try:
        return await _seed(engine, partner_id, start, stop)
    finally:
        await engine.dispose()


async def _seed(engine: AsyncEngine, partner_id: str, start: int, stop: int) -> float:
    rng = random.Random(start)
    began = time.perf_counter()
    with Progress(
        TextColumn(f"seeding {stop - start:,} channels"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ) as progress:
        task = progress.add_task("seed", total=stop - start)
        for clients, wabas, channels in _rows(partner_id, start, stop, rng):
            async with engine.begin() as conn:
                if clients:
                    await _bulk(conn, "clients", clients)
                    await _bulk(conn, "waba_accounts", wabas)
                await _bulk(conn, "channels", channels)
            progress.advance(task, len(channels))
    async with engine.begin() as conn:
        await channel_counts.recount(conn)
        # Fresh statistics, as PostgreSQL's autovacuum (and SQLite's PRAGMA optimize) would
        # have them for a table that grew this large.
        await conn.execute(text("ANALYZE"))
    return time.perf_counter() - began


def measure(wrk: str, env: dict[str, str], partner_id: str, api_key: str) -> WrkResult:
    port = free_port()
    server = subprocess.Popen(
        pinned(0, [str(BIN / "partnerhub"), "serve", "--port", str(port)]),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/livez")
        url = f"http://127.0.0.1:{port}/api/v2/partners/{partner_id}/channels?{QUERY}"
        headers = {"X-API-Key": api_key}
        import httpx

        page = httpx.get(url, headers=headers).json()
        print(f"  total={page['total']:,} count={page['count']}")
        run_wrk(wrk, url, headers, 2, CONNECTIONS, 1)  # warm-up
        return run_wrk(wrk, url, headers, SECONDS, CONNECTIONS, 1)
    finally:
        server.terminate()
        server.wait(10)


async def _recreate_postgres(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def run_backend(wrk: str, backend: str) -> tuple[list[tuple[int, float, WrkResult]], bool]:
    data_dir = Path(tempfile.mkdtemp(prefix="partnerhub-bench-lists-"))
    env = {**os.environ, "PARTNERHUB_DATA_DIR": str(data_dir), "PARTNERHUB_LOG_LEVEL": "warning"}
    if backend == "postgresql":
        asyncio.run(_recreate_postgres(PG_URL))
        env["PARTNERHUB_DATABASE_URL"] = PG_URL
        url = PG_URL
    else:
        url = f"sqlite:///{data_dir / 'partnerhub.db'}"
    partner_id, api_key = create_partner(env)  # also migrates the fresh database
    rows: list[tuple[int, float, WrkResult]] = []
    seeded_in_time = True
    done = 0
    try:
        for size in SIZES:
            took = asyncio.run(seed(url, partner_id, done, size))
            seeded_in_time &= took < 120 or size < 1_000_000
            done = size
            print(f"{backend}: {size:,} channels, seeding took {took:.1f}s", flush=True)
            rows.append((size, took, measure(wrk, env, partner_id, api_key)))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return rows, seeded_in_time


def main() -> None:
    wrk = ensure_wrk()
    report: dict[str, list[tuple[int, float, WrkResult]]] = {}
    ok = True
    for backend in BACKENDS:
        rows, seeded_in_time = run_backend(wrk, backend)
        report[backend] = rows
        ok &= seeded_in_time
    print(
        f"\nGET /api/v2/partners/{{id}}/channels?{QUERY} — {CONNECTIONS} connections, {SECONDS}s, "
        "server on core 0, wrk on core 1"
    )
    print(
        f"{'database':<11} {'channels':>10} {'seed s':>7} {'req/s':>8} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'non-2xx':>8}"
    )
    for backend, rows in report.items():
        for size, took, r in rows:
            print(
                f"{backend:<11} {size:>10,} {took:>7.1f} {r.requests_per_second:>8.0f} "
                f"{r.p50_ms:>7.2f} {r.p99_ms:>7.2f} {r.non_2xx:>8}"
            )
        ratio = rows[-1][2].p50_ms / rows[0][2].p50_ms
        ok &= ratio <= 2.0
        print(f"{backend}: p50 at 1M / p50 at 1k = {ratio:.2f}  (bar: <= 2.0)")
    print("seeding 1M under 2 minutes on every database:", "yes" if ok else "see above")


if __name__ == "__main__":
    with printed_machine_load():
        main()
