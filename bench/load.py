"""Benchmark: the mixed workload at its maximum with 1 and 2 API processes, then 60 s at 80 %.

Mixed workload (one wrk script cycling through it): partner reads (GET the partner, its
channels, its clients), partner writes (PATCH the partner, a webhook test event), and message
sends with D360-API-KEY, whose simulated statuses and the test events go out as webhooks to
bench/receiver_app.py while the load runs. Database: PostgreSQL, the topology for more than
one process (BENCH_DATABASE_URL; by default the ``bench`` database on 127.0.0.1, dropped and
created afresh).

1. Maximum req/s of ``partnerhub serve --workers 1`` and ``--workers 2`` (BENCH_MAX_SECONDS,
   default 15, 32 connections), and of a bare ASGI app for the ratio; scaling factor 2 vs 1.
2. BENCH_SECONDS (default 60) at 80 % of the 2-process maximum (wrk's per-request delay paces
   each connection): errors (non-2xx and socket), p50/p99, peak RSS of every process.

Bars (issue 8): 0 errors during the 80 % run. Run: ``make bench-load``.
"""

from __future__ import annotations

import asyncio
import json
import os
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
    peak_rss_mib,
    printed_machine_load,
    run_wrk,
    uvicorn_app,
    wait_ready,
)
from messages import MESSAGE, TOKEN, prepare, received

MAX_SECONDS = int(os.environ.get("BENCH_MAX_SECONDS", "15"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
CONNECTIONS = 32
LOAD_SHARE = 0.8
SEGMENT_SECONDS = 10
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/bench"


def fresh_database(url: str) -> None:
    """Drop and create the bench's own database, so every run starts empty (only that one)."""
    import asyncpg

    name = url.rsplit("/", 1)[1]

    async def create() -> None:
        admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
        try:
            await admin.execute(f'drop database if exists "{name}" with (force)')
            await admin.execute(f'create database "{name}"')
        finally:
            await admin.close()

    asyncio.run(create())


def lua_script(partner_id: str, api_key: str, channel_key: str, delay_ms: float) -> str:
    """wrk script: cycle through the mixed workload; ``delay_ms`` paces each connection."""
    p = f"/api/v2/partners/{partner_id}"
    partner = f'{{["X-API-Key"] = "{api_key}", ["Content-Type"] = "application/json"}}'
    channel = f'{{["D360-API-KEY"] = "{channel_key}", ["Content-Type"] = "application/json"}}'
    message = json.dumps(MESSAGE)
    patch = json.dumps({"brand_name": "Bench"})
    mix = [
        ("GET", p, partner, None),
        ("POST", "/messages", channel, message),
        ("GET", f"{p}/channels", partner, None),
        ("POST", "/messages", channel, message),
        ("GET", p, partner, None),
        ("PATCH", p, partner, patch),
        ("GET", f"{p}/clients", partner, None),
        ("POST", "/messages", channel, message),
        ("GET", p, partner, None),
        ("POST", f"{p}/webhook_url/test", partner, None),
    ]
    lines = ["local reqs = {}", "local i = 0", "init = function(args)"]
    for method, path, headers, body in mix:
        body_lua = f"[[{body}]]" if body else "nil"
        lines.append(
            f'  table.insert(reqs, wrk.format("{method}", "{path}", {headers}, {body_lua}))'
        )
    lines += [
        "end",
        "request = function()",
        "  i = i % #reqs + 1",
        "  return reqs[i]",
        "end",
    ]
    if delay_ms > 0:
        lines += ["delay = function()", f"  return {delay_ms:.2f}", "end"]
    return "\n".join(lines) + "\n"


def start_server(
    workers: int, env: dict[str, str], log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "partnerhub"), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{base}/readyz", 180)
    except BaseException:
        stop(server)  # not left running when it did not come up
        raise
    return server, base


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def run(wrk: str, base: str, script: Path, seconds: int) -> WrkResult:
    return run_wrk(wrk, f"{base}/", {}, seconds, CONNECTIONS, 1, ["-s", str(script)])


def main() -> None:
    wrk = ensure_wrk()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    if database_url == DEFAULT_DB:
        fresh_database(database_url)
    data_dir = Path(tempfile.mkdtemp(prefix="partnerhub-load-"))
    env = {
        **os.environ,
        "PARTNERHUB_DATA_DIR": str(data_dir),
        "PARTNERHUB_DATABASE_URL": database_url,
        "PARTNERHUB_LOG_FORMAT": "json",
        "PARTNERHUB_LOG_LEVEL": "WARNING",
        "PARTNERHUB_EMULATOR_TOKEN": TOKEN,
    }
    partner_id, api_key = create_partner(env)
    hook_port = free_port()
    hook = uvicorn_app("receiver_app:app", hook_port, 1, env)
    hook_base = f"http://127.0.0.1:{hook_port}"
    log = data_dir / "server.log"
    maxima: dict[str, WrkResult] = {}
    try:
        wait_ready(f"{hook_base}/stats")
        server, base = start_server(1, env, log)
        try:
            channel_key = prepare(base, partner_id, api_key, f"{hook_base}/hook")
            httpx.post(
                f"{base}/api/v2/partners/{partner_id}/webhook_url",
                headers={"X-API-Key": api_key},
                json={"webhook_url": f"{hook_base}/hook"},
                timeout=30,
            ).raise_for_status()
        finally:
            stop(server)
        flat_out = data_dir / "max.lua"
        flat_out.write_text(lua_script(partner_id, api_key, channel_key, 0))
        for workers in (1, 2):
            server, base = start_server(workers, env, log)
            try:
                run(wrk, base, flat_out, 3)  # warm-up
                maxima[f"{workers} API process{'es' if workers > 1 else ''}"] = run(
                    wrk, base, flat_out, MAX_SECONDS
                )
            finally:
                stop(server)
            time.sleep(2)

        # 80 % of the 2-process maximum: each of the connections waits between its requests.
        top = maxima["2 API processes"]
        target = LOAD_SHARE * top.requests_per_second
        paced = data_dir / "paced.lua"
        server, base = start_server(2, env, log)
        try:
            # Each connection's cycle is its answer time plus its delay, and answer times move
            # with the load (status webhooks pile up behind the sends): pace in 10 s segments,
            # correcting the delay after each from what it gave (cycle = connections / rate).
            delay_ms = max(0.0, CONNECTIONS / target * 1000 - top.p50_ms)
            before = received(hook_base)
            segments: list[WrkResult] = []
            for _ in range(max(1, SECONDS // SEGMENT_SECONDS)):
                paced.write_text(lua_script(partner_id, api_key, channel_key, delay_ms))
                segment = run(wrk, base, paced, SEGMENT_SECONDS)
                segments.append(segment)
                answer_ms = CONNECTIONS / segment.requests_per_second * 1000 - delay_ms
                delay_ms = max(0.0, CONNECTIONS / target * 1000 - answer_ms)
            statuses = received(hook_base) - before
            rss = {"supervisor": peak_rss_mib(server.pid)}
            api = [pid for pid in children(server.pid) if "resource_tracker" not in cmdline(pid)]
            for n, pid in enumerate(api, 1):
                rss[f"API process {n}"] = peak_rss_mib(pid)
        finally:
            stop(server)
        rss["webhook receiver"] = peak_rss_mib(hook.pid)
    finally:
        hook.terminate()
        hook.wait(10)
    server_log = log.read_text(errors="replace")

    bare_port = free_port()
    bare_env = {**env, "BENCH_API_KEY": api_key, "BENCH_BODY": '{"id":"x"}'}
    bare = uvicorn_app("bare_app:app", bare_port, 0, bare_env)
    try:
        wait_ready(f"http://127.0.0.1:{bare_port}/")
        bare_script = data_dir / "bare.lua"
        bare_script.write_text(lua_script(partner_id, api_key, channel_key, 0))
        run(wrk, f"http://127.0.0.1:{bare_port}", bare_script, 3)
        maxima["bare ASGI (1 process)"] = run(
            wrk, f"http://127.0.0.1:{bare_port}", bare_script, MAX_SECONDS
        )
    finally:
        bare.terminate()
        bare.wait(10)

    print(f"\nMixed workload on PostgreSQL, {CONNECTIONS} connections, 2 cores shared with wrk")
    print(
        f"{'maximum':<24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'sock err':>8}"
    )
    for name, r in maxima.items():
        print(
            f"{name:<24} {r.requests_per_second:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} "
            f"{r.non_2xx:>8} {r.socket_errors:>8}"
        )
    one, two = maxima["1 API process"], maxima["2 API processes"]
    bare_rps = maxima["bare ASGI (1 process)"].requests_per_second
    print(
        f"scaling factor 2 processes / 1: {two.requests_per_second / one.requests_per_second:.2f}"
    )
    print(f"ratio 1 process / bare ASGI: {one.requests_per_second / bare_rps:.3f}")
    requests = sum(seg.requests for seg in segments)
    seconds = SEGMENT_SECONDS * len(segments)
    non_2xx = sum(seg.non_2xx for seg in segments)
    socket_errors = sum(seg.socket_errors for seg in segments)
    errors = non_2xx + socket_errors
    rate = requests / seconds
    print(
        f"\nsteady {seconds}s at 80 % of the 2-process maximum (target {target:.0f} req/s), "
        f"paced in {len(segments)} segments: {rate:.0f} req/s "
        f"({rate / top.requests_per_second:.0%} of the maximum), {requests} requests, "
        f"errors {errors} (non-2xx {non_2xx}, socket {socket_errors})"
    )
    print(
        "  per segment: req/s "
        + " ".join(f"{seg.requests_per_second:.0f}" for seg in segments)
        + "; p99 ms "
        + " ".join(f"{seg.p99_ms:.0f}" for seg in segments)
        + f"; worst p99 {max(seg.p99_ms for seg in segments):.2f} ms"
        + f", median p50 {sorted(seg.p50_ms for seg in segments)[len(segments) // 2]:.2f} ms"
    )
    print(f"status webhooks received during the steady run: {statuses}")
    print("peak RSS: " + ", ".join(f"{name} {mib:.0f} MiB" for name, mib in rss.items()))
    print(f"tracebacks in the server log: {server_log.count('Traceback')}")
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    with printed_machine_load():
        main()
