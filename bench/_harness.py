"""Shared pieces of the benchmarks: wrk, process pinning, readiness, peak memory.

Load runs only against 127.0.0.1, bounded in time (wrk's -d) and in count (one run per target).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

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
