"""Benchmark: what the pytest plugin costs a partner's test, per test.

Runs a generated test module of BENCH_TESTS (default 200) tests in a pytest subprocess, each
test doing what a partner's integration test starts with: the emulator reset, a fresh partner
(with its SDK client), a client onboarding, the number moved to ``running`` and the number's
channel key generated; then as many again that also get a webhook receiver and wait for the
``channel_running`` webhook before generating the key (the showcase's pattern). A conftest in
the generated directory times, per test, the reset (``_partnerhub_reset``'s set-up) and the
whole test (``pytest_runtest_protocol``: set-up, call, teardown), and writes them out; this
script prints p50/p99.

Bars: reset <= 20 ms, whole per-test overhead <= 100 ms (p50). The server's start-up happens
once per session and is printed apart.

Run: ``make bench-fixture``. ``BENCH_DATABASE_URL=postgresql://…`` runs it on PostgreSQL
(passed as ``--partnerhub-database-url``; the database is migrated, never emptied).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import printed_machine_load

RESET_BAR_MS = 20.0
TEST_BAR_MS = 100.0

CONFTEST = """
import json
import os
import time

import pytest

TIMES = {"reset": [], "test": [], "webhooks_reset": [], "webhooks_test": [], "server_start": []}


def _kind(item):
    return "webhooks_" if "webhooks" in item.name else ""


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    if fixturedef.argname == "_partnerhub_reset":
        TIMES[_kind(request.node) + "reset"].append(elapsed)
    elif fixturedef.argname == "partnerhub_server":
        TIMES["server_start"].append(elapsed)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.perf_counter()
    yield
    TIMES[_kind(item) + "test"].append(time.perf_counter() - start)


def pytest_sessionfinish(session):
    with open(os.environ["BENCH_TIMES"], "w") as out:
        json.dump(TIMES, out)
"""

TESTS = """
import pytest


@pytest.mark.parametrize("n", range({count}))
def test_onboard_and_generate_key(n, partner, emulator):
    number = emulator.onboard(partner.id)
    emulator.set_status(number.channel_id, "running")
    key = partner.client.channels.generate_api_key(number.channel_id)
    assert key.api_key


@pytest.mark.parametrize("n", range({count}))
def test_with_webhooks(n, partner, webhook_receiver, emulator):
    number = emulator.onboard(partner.id)
    emulator.set_status(number.channel_id, "running")
    assert webhook_receiver.wait_for("channel_running")["data"]["id"] == number.channel_id
    key = partner.client.channels.generate_api_key(number.channel_id)
    assert key.api_key
"""


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    count = int(os.environ.get("BENCH_TESTS", "200"))
    database_url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="partnerhub-bench-fixture-") as tmp:
        root = Path(tmp)
        (root / "conftest.py").write_text(CONFTEST)
        (root / "test_bench.py").write_text(textwrap.dedent(TESTS.format(count=count)))
        (root / "pytest.ini").write_text(
            "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        )
        times_path = root / "times.json"
        args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root)]
        if database_url:
            args += ["--partnerhub-database-url", database_url]
        env = {**os.environ, "BENCH_TIMES": str(times_path)}
        result = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"the benchmark's tests failed:\n{result.stdout[-6000:]}\n{result.stderr}")
        times = json.loads(times_path.read_text())

    # The first test also pays for the server's start-up (session fixture): left out.
    start = times["server_start"][0] if times["server_start"] else float("nan")
    backend = "PostgreSQL" if database_url else "SQLite"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"pytest plugin, {count} tests per scenario, {backend}, load average {load:.1f}")
    print(f"server start-up (once per session): {start:.2f} s")
    print(f"{'':46} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}   bar (p50)")
    rows = [
        ("reset (/_emulator/reset)", times["reset"][1:], RESET_BAR_MS),
        ("whole test: partner, onboard, running, key", times["test"][1:], TEST_BAR_MS),
        ("  same + receiver + wait_for(channel_running)", times["webhooks_test"], None),
    ]
    for label, seconds, bar in rows:
        values = [t * 1000 for t in seconds]
        p50 = percentile(values, 50)
        verdict = "" if bar is None else f"<= {bar:.0f} ms: {'ok' if p50 <= bar else 'OVER'}"
        print(f"{label:46} {p50:7.1f} {percentile(values, 99):7.1f} {max(values):7.1f}   {verdict}")


if __name__ == "__main__":
    with printed_machine_load():
        main()
