"""Benchmark: ``POST /messages`` (text, inside the 24-hour window) with ``D360-API-KEY``, while
the simulated status webhooks flow, against a bare ASGI app measured in the same run.

Setup: a partner (CLI), an emulator-mode server on SQLite pinned to core 0 with its embedded
worker (statuses every ``BENCH_STATUS_SECONDS``, default 0: as fast as the worker goes), one
running channel with a key, its messaging webhook pointing at ``bench/receiver_app.py`` (core 1),
and an inbound message that opens the window. wrk (core 1) then posts text messages. After the
run the script waits (bounded) for the status webhooks to drain and reports how many arrived.
Options (environment): BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_DATABASE_URL.
Run: ``make bench-messages``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

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
STATUS_SECONDS = os.environ.get("BENCH_STATUS_SECONDS", "0")
TOKEN = "bench-emulator-token"  # noqa: S105  (the emulator token of a throwaway server)
CUSTOMER = "4917612345678"
MESSAGE = {
    "messaging_product": "whatsapp",
    "recipient_type": "individual",
    "to": CUSTOMER,
    "type": "text",
    "text": {"body": "Your order is on its way"},
}
BENCH_DIR = Path(__file__).resolve().parent


def uvicorn(app: str, port: int, cpu: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    argv = [
        str(BIN / "uvicorn"),
        app,
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
        str(BENCH_DIR),
    ]
    return subprocess.Popen(pinned(cpu, argv), env=env)


def prepare(base: str, partner_id: str, api_key: str, hook_url: str) -> str:
    """Onboard a number, make it running, generate its key, set its webhook, open the window."""
    emulator = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base, timeout=30) as http:
        done = http.post(
            "/_emulator/onboard",
            headers=emulator,
            json={
                "partner_id": partner_id,
                "client": {"name": "Bench Client", "email": "bench@client.example"},
                "phone_numbers": ["+4915100000999"],
            },
        ).json()
        channel_id = done["channel_ids"][0]
        http.post(
            f"/_emulator/channels/{channel_id}/status", headers=emulator, json={"status": "running"}
        ).raise_for_status()
        key = http.post(
            f"/api/v2/partners/{partner_id}/channels/{channel_id}/api_keys",
            headers={"X-API-Key": api_key},
        ).json()["api_key"]
        http.post(
            "/v1/configs/webhook", headers={"D360-API-KEY": key}, json={"url": hook_url}
        ).raise_for_status()
        http.post(
            "/_emulator/messages/inbound",
            headers=emulator,
            json={
                "channel_id": channel_id,
                "from": CUSTOMER,
                "type": "text",
                "text": {"body": "hi"},
            },
        ).raise_for_status()
        probe = http.post("/messages", headers={"D360-API-KEY": key}, json=MESSAGE)
        probe.raise_for_status()
    return str(key)


def received(hook_base: str) -> int:
    """Status updates the receiver has seen (a webhook may carry several)."""
    return int(httpx.get(f"{hook_base}/stats", timeout=10).json()["statuses"])


def main() -> None:
    wrk = ensure_wrk()
    data_dir = Path(tempfile.mkdtemp(prefix="partnerhub-bench-"))
    script = data_dir / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [[{json.dumps(MESSAGE)}]]\n"
    )
    env = {
        **os.environ,
        "PARTNERHUB_DATA_DIR": str(data_dir),
        "PARTNERHUB_LOG_FORMAT": "json",
        "PARTNERHUB_LOG_LEVEL": "WARNING",
        "PARTNERHUB_EMULATOR_TOKEN": TOKEN,
        "PARTNERHUB_MESSAGE_STATUS_SECONDS": STATUS_SECONDS,
    }
    if os.environ.get("BENCH_DATABASE_URL"):
        env["PARTNERHUB_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    partner_id, api_key = create_partner(env)

    hook_port = free_port()
    hook = uvicorn("receiver_app:app", hook_port, 1, env)
    hook_base = f"http://127.0.0.1:{hook_port}"
    results = {}
    try:
        wait_ready(f"{hook_base}/stats")
        port = free_port()
        log = open(data_dir / "server.log", "w")  # noqa: SIM115
        server = subprocess.Popen(
            pinned(0, [str(BIN / "partnerhub"), "serve", "--port", str(port)]),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(f"{base}/livez")
            key = prepare(base, partner_id, api_key, f"{hook_base}/hook")
            headers = {"D360-API-KEY": key}
            url = f"{base}/messages"
            run_wrk(wrk, url, headers, 2, CONNECTIONS, 1, ["-s", str(script)])  # warm-up
            time.sleep(3)  # let the warm-up's statuses go out first
            before = received(hook_base)
            results["partnerhub"] = run_wrk(
                wrk, url, headers, SECONDS, CONNECTIONS, 1, ["-s", str(script)]
            )
            during = received(hook_base) - before
            # Drain: every accepted message owes three statuses (sent, delivered, read).
            deadline = time.monotonic() + 120
            settled, last = received(hook_base), -1
            while time.monotonic() < deadline and settled != last:
                time.sleep(2)
                last, settled = settled, received(hook_base)
            rss = peak_rss_mib(server.pid)
        finally:
            server.terminate()
            server.wait(30)
            log.close()
    finally:
        hook.terminate()
        hook.wait(10)

    port = free_port()
    answer = '{"messaging_product":"whatsapp","contacts":[{"input":"4917612345678",'
    answer += '"wa_id":"4917612345678"}],"messages":[{"id":"wamid.HBgLNDkxNzY="}]}'
    bare_env = {
        **env,
        "BENCH_API_KEY": key,
        "BENCH_KEY_HEADER": "d360-api-key",
        "BENCH_BODY": answer,
    }
    bare = uvicorn("bare_app:app", port, 0, bare_env)
    try:
        url = f"http://127.0.0.1:{port}/messages"
        wait_ready(url)
        run_wrk(wrk, url, headers, 2, CONNECTIONS, 1, ["-s", str(script)])
        results["bare ASGI"] = run_wrk(
            wrk, url, headers, SECONDS, CONNECTIONS, 1, ["-s", str(script)]
        )
    finally:
        bare.terminate()
        bare.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)

    backend = "PostgreSQL" if "BENCH_DATABASE_URL" in os.environ else "SQLite"
    print(
        f"\nPOST /messages (text, in window) with D360-API-KEY — {backend}, {CONNECTIONS} "
        f"connections, {SECONDS}s, server on core 0, wrk + webhook receiver on core 1"
    )
    print(f"{'target':<12} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for name, r in results.items():
        print(
            f"{name:<12} {r.requests_per_second:>10.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} "
            f"{r.non_2xx:>8}"
        )
    ratio = results["partnerhub"].requests_per_second / results["bare ASGI"].requests_per_second
    sent = results["partnerhub"].requests_per_second * SECONDS
    print(f"ratio partnerhub / bare ASGI: {ratio:.3f}  (bar: >= 0.10)")
    print(
        f"statuses delivered by webhook: {during} during the run ({during / SECONDS:.0f}/s); "
        f"{settled - before} in all after draining, for ~{sent:.0f} messages "
        f"(3 each: {3 * sent:.0f})"
    )
    print(f"partnerhub peak RSS: {rss:.1f} MiB")


if __name__ == "__main__":
    main()
