"""Benchmark: ``POST /messages`` (text, inside the 24-hour window) with ``D360-API-KEY`` while
the simulated status webhooks flow, against a bare ASGI app measured in the same rounds.

Per database (SQLite, then PostgreSQL when ``--database-url`` or PARTNERHUB_BENCH_DATABASE_URL
is given): an emulator-mode ``partnerhub serve`` pinned to core 0 with its embedded worker
(simulated statuses sent, delivered, read every ``--status-seconds``, default 0: as fast as the
worker goes), one running channel with a key, its messaging webhook pointing at
``bench/receiver_app.py`` (core 1, counts the statuses inside each webhook), and an inbound
message that opens the window. ``bench/bare_app.py`` (core 0) checks ``D360-API-KEY`` and
answers the same JSON. Both are up at once; wrk (core 1, 32 connections) posts text messages
to them in short alternating rounds (bench/_harness.py) and the figure is the median of the
rounds' ratios. After each partnerhub round the statuses it owes are drained (bounded) before
the next measurement, so its backlog never loads the bare app's side of a round.

Run: ``make bench-messages`` (``--quick``: 2 rounds of 2 s per side, to prove it works).
"""

from __future__ import annotations

import argparse
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

TOKEN = "bench-emulator-token"  # noqa: S105  (the emulator token of a throwaway server)
CUSTOMER = "4917612345678"
MESSAGE = {
    "messaging_product": "whatsapp",
    "recipient_type": "individual",
    "to": CUSTOMER,
    "type": "text",
    "text": {"body": "Your order is on its way"},
}


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
                # A number of its own per run: a reused database already holds earlier ones.
                "phone_numbers": [f"+4915{time.time_ns() % 10**9:09d}"],
            },
        )
        if done.status_code >= 300:
            raise RuntimeError(f"onboarding failed: {done.status_code} {done.text}")
        channel_id = done.json()["channel_ids"][0]
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


BARS = {"SQLite": 0.20, "PostgreSQL": 0.10}  # issue 16, median ratio with statuses flowing
ANSWER = (
    '{"messaging_product":"whatsapp","contacts":[{"input":"4917612345678",'
    '"wa_id":"4917612345678"}],"messages":[{"id":"wamid.HBgLNDkxNzY="}]}'
)
STATUSES_PER_MESSAGE = 3  # sent, delivered, read


class Statuses:
    """What the receiver has seen against what the accepted messages owe (3 statuses each)."""

    def __init__(self, hook_base: str, drain_seconds: float) -> None:
        self.hook_base = hook_base
        self.drain_seconds = drain_seconds
        self.sent = 1  # prepare()'s probe
        self._before = 0
        self._started = 0.0

    def start(self) -> None:
        self._before = received(self.hook_base)
        self._started = time.monotonic()

    def stop(self, result: WrkResult) -> dict[str, float]:
        during = received(self.hook_base) - self._before
        seconds = time.monotonic() - self._started
        self.sent += result.requests - result.non_2xx
        started = time.monotonic()
        self.drain()
        return {
            "statuses/s": during / seconds if seconds > 0 else 0.0,
            "drain s": time.monotonic() - started,
        }

    def drain(self) -> int:
        """Wait until every owed status arrived, or nothing moved for 2 s (bounded)."""
        deadline = time.monotonic() + self.drain_seconds
        owed = STATUSES_PER_MESSAGE * self.sent
        seen, still_since = received(self.hook_base), time.monotonic()
        while seen < owed and time.monotonic() < deadline:
            time.sleep(0.2)
            now = received(self.hook_base)
            if now != seen:
                seen, still_since = now, time.monotonic()
            elif time.monotonic() - still_since > 2:
                break
        return seen


def run_backend(label: str, database_url: str | None, args: argparse.Namespace) -> None:
    wrk = ensure_wrk()
    plan = plan_from(args)
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
        "PARTNERHUB_MESSAGE_STATUS_SECONDS": str(args.status_seconds),
    }
    if database_url:
        env["PARTNERHUB_DATABASE_URL"] = database_url
    partner_id, api_key = create_partner(env)

    hook_port, port, bare_port = free_port(), free_port(), free_port()
    hook = uvicorn_app("receiver_app:app", hook_port, 1, env)
    hook_base = f"http://127.0.0.1:{hook_port}"
    log = open(data_dir / "server.log", "w")  # noqa: SIM115
    server: subprocess.Popen[bytes] | None = None
    bare: subprocess.Popen[bytes] | None = None
    try:
        wait_ready(f"{hook_base}/stats")
        server = subprocess.Popen(
            pinned(
                0, [str(BIN / "partnerhub"), "serve", "--host", "127.0.0.1", "--port", str(port)]
            ),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/livez")
        key = prepare(base, partner_id, api_key, f"{hook_base}/hook")
        headers = {"D360-API-KEY": key}
        bare_env = {
            **env,
            "BENCH_API_KEY": key,
            "BENCH_KEY_HEADER": "d360-api-key",
            "BENCH_BODY": ANSWER,
        }
        bare = uvicorn_app("bare_app:app", bare_port, 0, bare_env)
        bare_url = f"http://127.0.0.1:{bare_port}/messages"
        wait_ready(bare_url)
        print(
            f"\nPOST /messages (text, in window) with D360-API-KEY, statuses every "
            f"{args.status_seconds:g}s — {label}, {plan.connections} connections, {plan.rounds} "
            f"rounds of {plan.seconds}s per side, partnerhub and bare ASGI both on core 0, wrk and "
            "the webhook receiver on core 1",
            flush=True,
        )
        statuses = Statuses(hook_base, max(10.0, 5.0 * plan.seconds))
        extra = ["-s", str(script)]
        rounds = interleaved(
            wrk,
            Endpoint(f"{base}/messages", headers, extra),
            Endpoint(bare_url, headers, extra),
            plan,
            1,
            Hooks(start=statuses.start, stop=statuses.stop),
        )
        print_rounds(rounds, BARS[label])
        statuses.drain_seconds = 60
        seen = statuses.drain()
        owed = STATUSES_PER_MESSAGE * statuses.sent
        print(
            f"statuses delivered by webhook in all: {seen} for {statuses.sent} accepted messages "
            f"(owed {owed}: {'all' if seen >= owed else 'NOT all'} arrived)"
        )
        print(f"partnerhub peak RSS: {peak_rss_mib(server.pid):.1f} MiB", flush=True)
    finally:
        if bare is not None:
            stop(bare)
        if server is not None:
            stop(server)
        stop(hook)
        log.close()
        if server is not None and server.returncode not in (0, -15):
            print((data_dir / "server.log").read_text()[-3000:])
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = arguments(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument(
        "--status-seconds",
        type=float,
        default=float(os.environ.get("BENCH_STATUS_SECONDS", "0")),
        help="seconds between a message's simulated statuses (default 0: as fast as it goes)",
    )
    args = parser.parse_args()
    for label, database_url in backends(args):
        run_backend(label, database_url, args)


if __name__ == "__main__":
    with printed_machine_load():
        main()
