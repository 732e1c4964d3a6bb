"""Shared pieces of the benchmarks: wrk, process pinning, readiness, peak memory, the machine's
load, and the interleaved rounds that compare a target with the bare ASGI app.

Load runs only against 127.0.0.1, bounded in time (wrk's -d, a wall-clock budget per series)
and in count (a fixed number of rounds).

Why interleaved: measured one after the other, the same code once moved from 0.23 to 0.55 of
the bare app only because the machine was busier while the bare app ran. Both servers are up
at once and measured in short alternating rounds, so drift in the machine's load hits both
sides of every round alike; the figure is the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def create_partner(env: dict[str, str]) -> tuple[str, str]:
    """A partner and its first API key, made with the CLI on the database ``env`` names."""
    import json
    import time

    created = subprocess.run(
        [
            str(BIN / "partnerhub"),
            "partners",
            "create",
            "--brand-name",
            "Bench",
            "--email",
            f"bench-{time.time_ns()}@example.com",
            "--password",
            "bench-password",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    creds = json.loads(created.stdout)
    return str(creds["partner_id"]), str(creds["api_key"])


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    print("wrk not found: installing it from Debian (apt-get install wrk)…", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=False)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    path = shutil.which("wrk")
    if not path:
        sys.exit("could not install wrk")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: int, argv: list[str]) -> list[str]:
    """Pin to one core when taskset exists and the machine has two or more cores."""
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(cpu), *argv]
    return argv


def wait_ready(url: str, timeout: float = 30.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {timeout}s")


def children(pid: int) -> list[int]:
    """The direct child processes of ``pid`` (the API processes of ``serve --workers N``)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def peak_rss_mib(pid: int) -> float:
    """VmHWM of the process (and its children are not counted: uvicorn serves in-process)."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int = 0
    requests: int = 0


def _ms(text: str) -> float:
    value = float(re.sub(r"[a-z]+$", "", text))
    if text.endswith("us"):
        return value / 1000
    if text.endswith("ms"):
        return value
    if text.endswith("s"):
        return value * 1000
    return value


def run_wrk(
    wrk: str,
    url: str,
    headers: dict[str, str],
    seconds: int,
    connections: int,
    cpu: int,
    extra: list[str] | None = None,
) -> WrkResult:
    argv = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *(extra or [])]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run(pinned(cpu, [*argv, url]), capture_output=True, text=True, check=True)
    text = out.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    broken = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    total = re.search(r"(\d+) requests in", text)
    return WrkResult(
        rps,
        p50,
        p99,
        int(bad.group(1)) if bad else 0,
        sum(int(n) for n in broken.groups()) if broken else 0,
        int(total.group(1)) if total else 0,
    )


# --- The machine's load: every bench prints what it saw -------------------------------------


@dataclass(frozen=True)
class MachineLoad:
    """The load averages (1, 5, 15 minutes) and the CPU count at one moment."""

    one: float
    five: float
    fifteen: float
    cpus: int


def machine_load() -> MachineLoad:
    one, five, fifteen = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return MachineLoad(one, five, fifteen, os.cpu_count() or 1)


def load_report(before: MachineLoad, after: MachineLoad) -> str:
    """One line: a load average above the CPU count means other work shared the machine."""

    def triple(load: MachineLoad) -> str:
        return f"{load.one:.2f} / {load.five:.2f} / {load.fifteen:.2f}"

    return (
        f"machine: {before.cpus} CPUs; load average (1 / 5 / 15 min) before {triple(before)}, "
        f"after {triple(after)}"
    )


@contextmanager
def printed_machine_load() -> Iterator[None]:
    """Print the machine's load before and after the bench, even when it fails."""
    before = machine_load()
    try:
        yield
    finally:
        print(load_report(before, machine_load()), flush=True)


# --- Interleaved rounds: the target and the bare ASGI app, both up at once -------------------


def round_ratios(target_rps: Sequence[float], bare_rps: Sequence[float]) -> list[float]:
    """Each round's target req/s over the bare app's req/s of the same round (NaN if the bare
    app served nothing, so a broken round cannot pass for a good one)."""
    if len(target_rps) != len(bare_rps):
        raise ValueError("one bare measurement per target measurement")
    return [t / b if b > 0 else math.nan for t, b in zip(target_rps, bare_rps, strict=True)]


def median_ratio(ratios: Sequence[float]) -> float:
    """The median of the rounds' ratios, NaN rounds left out; NaN when no round counts."""
    counted = [r for r in ratios if not math.isnan(r)]
    return statistics.median(counted) if counted else math.nan


def target_first(index: int) -> bool:
    """Alternate which side of a round goes first (target, bare, bare, target, ...), so a
    steady rise or fall of the machine's load does not favour one side."""
    return index % 2 == 0


@dataclass
class Endpoint:
    """What wrk hits: a URL on 127.0.0.1, its headers and extra wrk arguments (a Lua script)."""

    url: str
    headers: dict[str, str]
    extra: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.url.startswith("http://127.0.0.1:"):
            raise ValueError(f"benchmarks only load 127.0.0.1, not {self.url}")


@dataclass
class Round:
    index: int
    target: WrkResult
    bare: WrkResult
    # What the target's hooks reported about its side of the round (writer commits/s, ...).
    notes: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return round_ratios([self.target.requests_per_second], [self.bare.requests_per_second])[0]


@dataclass
class Plan:
    """How long and how often: ``rounds`` rounds of ``seconds`` per side, after one warm-up
    of ``warmup`` seconds per side; no round starts once ``budget_seconds`` have passed."""

    rounds: int
    seconds: int
    warmup: int
    connections: int
    budget_seconds: float


@dataclass
class Hooks:
    """Called around every measurement of the target (not of the bare app): ``start`` just
    before wrk starts, ``stop`` right after it ends with wrk's result, returning figures for
    the round's notes (a concurrent writer runs only while the target is measured; the
    target's backlog is drained before the bare app's turn)."""

    start: Callable[[], None] = lambda: None
    stop: Callable[[WrkResult], dict[str, float]] = lambda _result: {}


def interleaved(
    wrk: str, target: Endpoint, bare: Endpoint, plan: Plan, cpu: int, hooks: Hooks | None = None
) -> list[Round]:
    """Measure ``target`` and ``bare`` in alternating short wrk runs (wrk pinned to ``cpu``)."""
    hooks = hooks or Hooks()

    def measure(endpoint: Endpoint, seconds: int) -> WrkResult:
        return run_wrk(
            wrk, endpoint.url, endpoint.headers, seconds, plan.connections, cpu, endpoint.extra
        )

    def measure_target(seconds: int) -> tuple[WrkResult, dict[str, float]]:
        hooks.start()
        try:
            result = measure(target, seconds)
        except BaseException:
            hooks.stop(WrkResult(0.0, math.nan, math.nan, 0))
            raise
        return result, hooks.stop(result)

    measure_target(plan.warmup)
    measure(bare, plan.warmup)
    started = time.monotonic()
    rounds: list[Round] = []
    for index in range(plan.rounds):
        if rounds and time.monotonic() - started > plan.budget_seconds:
            print(f"  (time budget of {plan.budget_seconds:.0f}s spent after {index} rounds)")
            break
        if target_first(index):
            mine, notes = measure_target(plan.seconds)
            theirs = measure(bare, plan.seconds)
        else:
            theirs = measure(bare, plan.seconds)
            mine, notes = measure_target(plan.seconds)
        rounds.append(Round(index + 1, mine, theirs, notes))
    return rounds


def print_rounds(rounds: Sequence[Round], bar: float | None, name: str = "partnerhub") -> float:
    """Per-round table and the median ratio against ``bar`` (None: no bar); returns the median."""
    keys = sorted({key for r in rounds for key in r.notes})
    head = f"  {'round':>5} {'first':>6} {name + ' req/s':>17} {'bare req/s':>11} {'ratio':>7}"
    head += f" {'p99 ms':>8} {'non-2xx':>8} {'sock err':>8}"
    head += "".join(f" {key:>16}" for key in keys)
    print(head)
    for r in rounds:
        first = "target" if target_first(r.index - 1) else "bare"
        line = (
            f"  {r.index:>5} {first:>6} {r.target.requests_per_second:>17.0f} "
            f"{r.bare.requests_per_second:>11.0f} {r.ratio:>7.3f} {r.target.p99_ms:>8.2f} "
            f"{r.target.non_2xx + r.bare.non_2xx:>8} "
            f"{r.target.socket_errors + r.bare.socket_errors:>8}"
        )
        line += "".join(f" {r.notes.get(key, math.nan):>16.1f}" for key in keys)
        print(line)
    median = median_ratio([r.ratio for r in rounds])
    verdict = (
        "" if bar is None else f"  (bar: >= {bar:.2f}: {'met' if median >= bar else 'NOT met'})"
    )
    print(f"  median ratio {name} / bare ASGI over {len(rounds)} rounds: {median:.3f}{verdict}")
    return median


def uvicorn_app(app: str, port: int, cpu: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """An ASGI app from bench/ (the bare app, the webhook receiver) served as ``partnerhub
    serve`` serves partnerhub (bench/_serve.py: uvloop, the same httptools protocol), pinned to
    ``cpu``."""
    argv = [sys.executable, str(Path(__file__).resolve().parent / "_serve.py"), app, str(port)]
    return subprocess.Popen(pinned(cpu, argv), env=env)


def stop(process: subprocess.Popen[Any], timeout: float = 30) -> None:
    """Terminate one process this bench started, and wait for it (kill if it hangs)."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


# --- Command line shared by the interleaved benches -------------------------------------------

DATABASE_URL_VARIABLE = "PARTNERHUB_BENCH_DATABASE_URL"


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="2 rounds of 2 s per side (proves it works)"
    )
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "5")))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "3")))
    parser.add_argument(
        "--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", "32"))
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=300.0,
        help="no round starts after this many seconds of a series (default 300)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(DATABASE_URL_VARIABLE) or os.environ.get("BENCH_DATABASE_URL"),
        help=f"PostgreSQL to run on after SQLite (default: ${DATABASE_URL_VARIABLE})",
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    return parser


def plan_from(args: argparse.Namespace) -> Plan:
    if args.quick:
        return Plan(rounds=2, seconds=2, warmup=1, connections=args.connections, budget_seconds=60)
    rounds = max(1, min(args.rounds, 50))
    seconds = max(1, min(args.seconds, 60))
    return Plan(rounds, seconds, 2, args.connections, max(1.0, args.budget))


def backends(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(label, database URL or None for a fresh SQLite file) for every database to run on."""
    chosen: list[tuple[str, str | None]] = [] if args.skip_sqlite else [("SQLite", None)]
    if args.database_url:
        if not args.database_url.startswith("postgresql"):
            sys.exit(f"--database-url must be a PostgreSQL URL, not {args.database_url}")
        chosen.append(("PostgreSQL", args.database_url))
    if not chosen:
        sys.exit("nothing to run: --skip-sqlite without --database-url")
    return chosen
