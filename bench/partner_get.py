"""Benchmark: ``GET /api/v2/partners/{id}`` with ``X-API-Key`` while a writer commits at fixed
rates, against a bare ASGI app measured in the same rounds.

Per database (SQLite, then PostgreSQL when ``--database-url`` or PARTNERHUB_BENCH_DATABASE_URL
is given): ``partnerhub serve`` (default settings, access log on) and ``bench/bare_app.py`` are
both up at once, both under uvicorn (uvloop + httptools) pinned to core 0. wrk (1 thread, 32
connections) pinned to core 1 measures them in short alternating rounds (see bench/_harness.py);
each printed figure is the median of the rounds' ratios.

The writer (bench/_writer.py, pinned to core 1 beside wrk) commits at 0, 50 and 400 commits/s
(``--rates``) while partnerhub is measured, through the API's own write path: ``PATCH`` of
other partners' settings (sixteen, in turn) with each one's own key, one commit per answer, never
touching the measured partner's key or row. It pauses while the bare app is measured (its
requests would load core 0 on the bare app's side too). Each round prints the commit rate it
achieved: on a saturated server it can fall short of the target (see docs/benchmarks.md).

Run: ``make bench-api`` (``--quick``: 2 rounds of 2 s per side, to prove it works).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    BIN,
    Endpoint,
    Hooks,
    WrkResult,
    arguments,
    backends,
    create_partner,
    ensure_wrk,
    free_port,
    interleaved,
    peak_rss_mib,
    pinned,
    plan_from,
    print_rounds,
    printed_machine_load,
    stop,
    uvicorn_app,
    wait_ready,
)

BENCH_DIR = Path(__file__).resolve().parent
# Bars of issue 16 (median ratio): {database: {commits/s: bar}}; other rates have no bar.
WRITER_PARTNERS = 16
BARS = {"SQLite": {0: 0.35, 400: 0.25}, "PostgreSQL": {0: 0.30, 400: 0.20}}


class WriterProcess:
    """bench/_writer.py as a child process driven over its stdin (see its docstring)."""

    def __init__(self, targets: list[tuple[str, str]], cpu: int) -> None:
        argv = [sys.executable, str(BENCH_DIR / "_writer.py")]
        for url, key in targets:
            argv += ["--url", url, "--key", key]
        self.process = subprocess.Popen(
            pinned(cpu, argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        if self._line() != "ready":
            raise RuntimeError("the writer did not start")
        self.rate = 0.0

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line:
            raise RuntimeError(f"the writer exited (status {self.process.poll()})")
        return line

    def _send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def start(self) -> None:
        self._send(f"start {self.rate}")

    def stop(self, _result: WrkResult | None = None) -> dict[str, float]:
        self._send("stop")
        stats = json.loads(self._line())
        return {
            "commits/s": float(stats["rate"]),
            "write errors": float(stats["errors"]),
            # Slots the writer skipped because the server had fallen behind its schedule.
            "writes missed": float(stats["skipped"]),
        }

    def close(self) -> None:
        try:
            self._send("quit")
            self.process.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            stop(self.process)


def run_backend(
    label: str, database_url: str | None, rates: list[int], args: argparse.Namespace
) -> None:
    wrk = ensure_wrk()
    plan = plan_from(args)
    data_dir = Path(tempfile.mkdtemp(prefix="partnerhub-bench-"))
    env = {**os.environ, "PARTNERHUB_DATA_DIR": str(data_dir), "PARTNERHUB_LOG_FORMAT": "json"}
    if database_url:
        env["PARTNERHUB_DATABASE_URL"] = database_url
    partner_id, api_key = create_partner(env)
    # The writer's partners: its writes spread over several rows, as a hub's do.
    others = [create_partner(env) for _ in range(WRITER_PARTNERS)]
    headers = {"X-API-Key": api_key}

    port, bare_port = free_port(), free_port()
    log = open(data_dir / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        pinned(0, [str(BIN / "partnerhub"), "serve", "--host", "127.0.0.1", "--port", str(port)]),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    bare: subprocess.Popen[bytes] | None = None
    writer: WriterProcess | None = None
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/livez")
        url = f"{base}/api/v2/partners/{partner_id}"
        body = httpx.get(url, headers=headers).content
        bare_env = {**env, "BENCH_API_KEY": api_key, "BENCH_BODY": body.decode()}
        bare = uvicorn_app("bare_app:app", bare_port, 0, bare_env)
        bare_url = f"http://127.0.0.1:{bare_port}/api/v2/partners/{partner_id}"
        wait_ready(bare_url)
        writer = WriterProcess(
            [(f"{base}/api/v2/partners/{other_id}", other_key) for other_id, other_key in others], 1
        )
        print(
            f"\nGET /api/v2/partners/{{id}} with X-API-Key — {label}, {plan.connections} "
            f"connections, {plan.rounds} rounds of {plan.seconds}s per side, partnerhub and bare "
            "ASGI both on core 0, wrk and the writer on core 1",
            flush=True,
        )
        medians = {}
        for rate in rates:
            writer.rate = rate
            print(f"writer at {rate} commits/s (PATCH of other partners):", flush=True)
            rounds = interleaved(
                wrk,
                Endpoint(url, headers),
                Endpoint(bare_url, headers),
                plan,
                1,
                Hooks(start=writer.start, stop=writer.stop),
            )
            medians[rate] = print_rounds(rounds, BARS[label].get(rate))
        print(
            f"{label} summary, median ratio by commit rate: "
            + ", ".join(f"{rate}/s {median:.3f}" for rate, median in medians.items())
        )
        print(f"partnerhub peak RSS: {peak_rss_mib(server.pid):.1f} MiB", flush=True)
    finally:
        if writer is not None:
            writer.close()
        if bare is not None:
            stop(bare)
        stop(server)
        log.close()
        if server.returncode not in (0, -15):
            print((data_dir / "server.log").read_text()[-3000:])
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = arguments(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument(
        "--rates",
        default="0,50,400",
        help="the writer's commit rates, commits/s (default 0,50,400)",
    )
    args = parser.parse_args()
    rates = [max(0, min(int(rate), 5000)) for rate in args.rates.split(",")]
    for label, database_url in backends(args):
        run_backend(label, database_url, rates, args)


if __name__ == "__main__":
    with printed_machine_load():
        main()
