"""Benchmark: 10,000 hostile requests, and what they leave behind.

Starts ``partnerhub serve`` (SQLite, or BENCH_DATABASE_URL), measures the p99 of a normal
request (GET the partner, one at a time), sends BENCH_ABUSE_REQUESTS (default 10,000) broken
requests from tests/abuse.py (malformed JSON, huge and many headers, 10 MB bodies, unicode in
every field, SQL and template injection in fields, filters, sorts and paths; 16 at a time,
bounded to 10 minutes), then measures the normal p99 again.

Bars (issue 8): 0 server errors; the p99 afterwards within the usual p99 (ratio after/before
printed; the load itself ends before the second measurement).

Run: ``make bench-abuse``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _harness import printed_machine_load  # noqa: E402
from tests.abuse import hammer, latencies, p99  # noqa: E402
from tests.e2e.test_abuse import start  # noqa: E402

SAMPLE = 1000
# The abuse leaves background work behind (webhook retries for events it caused, a template
# review): the second measurement is taken once that has had a moment.
SETTLE_SECONDS = 5.0


def main() -> None:
    count = int(os.environ.get("BENCH_ABUSE_REQUESTS", "10000"))
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{tmp}/bench.db"
        server = start(Path(tmp), url)
        try:
            args = (server.base_url, server.partner_id, server.api_key)
            asyncio.run(latencies(*args, 200))  # warm-up
            before = asyncio.run(latencies(*args, SAMPLE))
            started = time.perf_counter()
            tally = asyncio.run(hammer(server.base_url, server.targets, count))
            elapsed = time.perf_counter() - started
            right_after = asyncio.run(latencies(*args, SAMPLE))
            time.sleep(SETTLE_SECONDS)
            after = asyncio.run(latencies(*args, SAMPLE))
        finally:
            server.process.terminate()
            server.process.wait(15)
        log = server.log_path.read_text(errors="replace")
    backend = "postgresql" if database_url else "sqlite"
    print(f"abuse bench ({backend}): {tally.total} hostile requests in {elapsed:.1f} s")
    print(f"  answers by status: {dict(sorted(tally.statuses.items()))}")
    print(f"  by kind: {dict(sorted(tally.kinds.items()))}")
    print(f"  server errors (5xx): {len(tally.server_errors)}; no answer: {len(tally.dropped)}")
    print(f"  tracebacks in the server log: {log.count('Traceback')}")
    print(
        f"  normal GET p99 ({SAMPLE} requests each): before {p99(before) * 1000:.2f} ms, "
        f"right after {p99(right_after) * 1000:.2f} ms "
        f"({p99(right_after) / p99(before):.2f}x), {SETTLE_SECONDS:g} s later "
        f"{p99(after) * 1000:.2f} ms ({p99(after) / p99(before):.2f}x)"
    )
    for line in tally.server_errors[:10]:
        print("  5xx:", line)
    if tally.server_errors or tally.total != count:
        sys.exit(1)


if __name__ == "__main__":
    with printed_machine_load():
        main()
