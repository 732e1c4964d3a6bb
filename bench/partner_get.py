"""Benchmark: ``GET /api/v2/partners/{id}`` with ``X-API-Key``, against a bare ASGI app.

Both servers run under the same uvicorn (uvloop + httptools) pinned to core 0; wrk runs pinned
to core 1 (32 connections). The printed ratio is partnerhub's req/s over the bare app's, so it
holds even though absolute numbers drift on shared machines. Run: ``make bench``.
Options (environment): BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32),
BENCH_DATABASE_URL (default: a fresh SQLite file).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    BIN,
    create_partner,
    ensure_wrk,
    free_port,
    peak_rss_mib,
    pinned,
    run_wrk,
    wait_ready,
)

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))


def main() -> None:
    wrk = ensure_wrk()
    data_dir = Path(tempfile.mkdtemp(prefix="partnerhub-bench-"))
    env = {**os.environ, "PARTNERHUB_DATA_DIR": str(data_dir), "PARTNERHUB_LOG_FORMAT": "json"}
    if os.environ.get("BENCH_DATABASE_URL"):
        env["PARTNERHUB_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    partner_id, api_key = create_partner(env)
    headers = {"X-API-Key": api_key}

    results = {}
    # 1. partnerhub itself.
    port = free_port()
    log = open(data_dir / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        pinned(0, [str(BIN / "partnerhub"), "serve", "--port", str(port)]),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v2/partners/{partner_id}"
        wait_ready(f"http://127.0.0.1:{port}/livez")
        import httpx

        body = httpx.get(url, headers=headers).content
        run_wrk(wrk, url, headers, 2, CONNECTIONS, 1)  # warm-up
        results["partnerhub"] = run_wrk(wrk, url, headers, SECONDS, CONNECTIONS, 1)
        rss = peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(10)
        log.close()

    # 2. The bare ASGI app, same server, same core, same load.
    port = free_port()
    bare_env = {**env, "BENCH_API_KEY": api_key, "BENCH_BODY": body.decode()}
    bare = subprocess.Popen(
        pinned(
            0,
            [
                str(BIN / "uvicorn"),
                "bare_app:app",
                "--port",
                str(port),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--log-level",
                "warning",
                "--no-access-log",
                "--app-dir",
                str(Path(__file__).resolve().parent),
            ],
        ),
        env=bare_env,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v2/partners/{partner_id}"
        wait_ready(url)
        run_wrk(wrk, url, headers, 2, CONNECTIONS, 1)
        results["bare ASGI"] = run_wrk(wrk, url, headers, SECONDS, CONNECTIONS, 1)
    finally:
        bare.terminate()
        bare.wait(10)

    backend = "PostgreSQL" if "BENCH_DATABASE_URL" in os.environ else "SQLite"
    print(
        f"\nGET /api/v2/partners/{{id}} with X-API-Key — {backend}, {CONNECTIONS} connections, "
        f"{SECONDS}s, server on core 0, wrk on core 1"
    )
    print(f"{'target':<12} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for name, r in results.items():
        print(
            f"{name:<12} {r.requests_per_second:>10.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} "
            f"{r.non_2xx:>8}"
        )
    ratio = results["partnerhub"].requests_per_second / results["bare ASGI"].requests_per_second
    print(f"ratio partnerhub / bare ASGI: {ratio:.3f}  (bar: >= 0.15)")
    print(f"partnerhub peak RSS: {rss:.1f} MiB")


if __name__ == "__main__":
    main()
