"""Benchmark: media upload and download throughput (1 MB files) of ``partnerhub serve`` against
a bare ASGI app streaming the same bytes, in interleaved rounds; then peak RSS for 50 MB files.

``partnerhub serve`` (SQLite, emulator mode) and ``bench/media_bare_app.py`` are both up at once
under uvicorn (uvloop + httptools), pinned to core 0. The load generator (this process, httpx,
``--connections`` concurrent transfers) runs on core 1. Each round measures uploads
(``POST /media``, multipart, ``application/pdf``) for ``--seconds`` on each side, then downloads
(partnerhub: the ``/whatsapp_business/attachments/`` link of ``GET /{media_id}``; bare: its
``GET /download``), sides alternating which goes first (bench/_harness.py). Each printed figure
is the median of the rounds' ratios (issue 17's bar: >= 0.3).

Then the server's peak RSS (VmHWM) after the 1 MB rounds is compared with its peak after
uploading and downloading three 50 MB files: the issue's bar is no growth with file size.

Run: ``make bench-media`` (``--quick``: 2 rounds of 2 s per side, well under two minutes).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    BIN,
    arguments,
    create_partner,
    free_port,
    median_ratio,
    peak_rss_mib,
    pinned,
    plan_from,
    printed_machine_load,
    stop,
    target_first,
    uvicorn_app,
    wait_ready,
)

MB = 1024 * 1024
BAR = 0.3
EMULATOR_TOKEN = "bench-media-token"  # noqa: S105  (a local, throwaway server)


BOUNDARY = "benchmediaboundary"
FORM_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def _form(data: bytes) -> bytes:
    """The multipart body, encoded once: the client's cost per upload stays a send."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="messaging_product"\r\n\r\n'
        f'whatsapp\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="bench.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


async def _throughput(
    connections: int, seconds: float, transfer: Callable[[httpx.AsyncClient], Awaitable[int]]
) -> float:
    """MB/s moved by ``connections`` workers repeating ``transfer`` for ``seconds``."""
    moved = 0
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=connections)) as c:

        async def worker() -> None:
            nonlocal moved
            while time.monotonic() < deadline:
                moved += await transfer(c)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.monotonic() - started
    return moved / MB / elapsed


class Sides:
    def __init__(self, base: str, bare: str, key: str, data: bytes) -> None:
        self.base, self.bare, self.key = base, bare, {"D360-API-KEY": key}
        self.headers = {**self.key, "content-type": FORM_TYPE}
        self.media_id = ""
        self.use(data)

    def use(self, data: bytes) -> None:
        self.size, self.body = len(data), _form(data)

    async def upload(self, client: httpx.AsyncClient) -> int:
        answer = await client.post(f"{self.base}/media", headers=self.headers, content=self.body)
        if answer.status_code != 200:
            raise RuntimeError(f"upload failed: {answer.status_code} {answer.text[:200]}")
        self.media_id = answer.json()["id"]
        return self.size

    async def bare_upload(self, client: httpx.AsyncClient) -> int:
        answer = await client.post(f"{self.bare}/media", headers=self.headers, content=self.body)
        answer.raise_for_status()
        return self.size

    async def download(self, client: httpx.AsyncClient) -> int:
        info = await client.get(f"{self.base}/{self.media_id}", headers=self.key)
        size = 0
        async with client.stream("GET", info.json()["url"], headers=self.key) as answer:
            async for chunk in answer.aiter_raw():
                size += len(chunk)
        return size

    async def bare_download(self, client: httpx.AsyncClient) -> int:
        size = 0
        async with client.stream("GET", f"{self.bare}/download", headers=self.key) as answer:
            async for chunk in answer.aiter_raw():
                size += len(chunk)
        return size


def channel_key(base: str, env: dict[str, str]) -> str:
    partner_id, api_key = create_partner(env)
    emulator = {"Authorization": f"Bearer {EMULATOR_TOKEN}"}
    done = httpx.post(
        f"{base}/_emulator/onboard",
        headers=emulator,
        json={
            "partner_id": partner_id,
            "client": {"name": "Bench", "email": "bench-media@example.com"},
            "phone_numbers": ["+4915100009999"],
        },
    ).json()
    channel_id = done["channel_ids"][0]
    httpx.post(
        f"{base}/_emulator/channels/{channel_id}/status",
        headers=emulator,
        json={"status": "running"},
    ).raise_for_status()
    key = httpx.post(
        f"{base}/api/v2/partners/{partner_id}/channels/{channel_id}/api_keys",
        headers={"X-API-Key": api_key},
    )
    key.raise_for_status()
    return str(key.json()["api_key"])


async def measure(sides: Sides, args: object) -> None:
    plan = plan_from(args)  # type: ignore[arg-type]
    connections = min(plan.connections, 8)
    print(
        f"\nmedia, 1 MB files — {connections} concurrent transfers, {plan.rounds} rounds of "
        f"{plan.seconds}s per side, partnerhub and bare ASGI on core 0, the client on core 1",
        flush=True,
    )
    async with httpx.AsyncClient(timeout=60) as client:
        await sides.upload(client)  # a media id to download
    for op, target, bare in (
        ("upload", sides.upload, sides.bare_upload),
        ("download", sides.download, sides.bare_download),
    ):
        await _throughput(connections, plan.warmup, target)
        await _throughput(connections, plan.warmup, bare)
        ratios = []
        for index in range(plan.rounds):
            if target_first(index):
                mine = await _throughput(connections, plan.seconds, target)
                theirs = await _throughput(connections, plan.seconds, bare)
            else:
                theirs = await _throughput(connections, plan.seconds, bare)
                mine = await _throughput(connections, plan.seconds, target)
            ratios.append(mine / theirs if theirs else float("nan"))
            print(
                f"  {op} round {index + 1}: partnerhub {mine:7.1f} MB/s, bare {theirs:7.1f} MB/s,"
                f" ratio {ratios[-1]:.3f}",
                flush=True,
            )
        median = median_ratio(ratios)
        verdict = "met" if median >= BAR else "NOT met"
        print(f"  {op}: median ratio partnerhub / bare ASGI {median:.3f} (bar >= {BAR}: {verdict})")


async def large_files(sides: Sides, pid: int) -> None:
    before = peak_rss_mib(pid)
    sides.use(os.urandom(50 * MB))
    async with httpx.AsyncClient(timeout=120) as client:
        for _ in range(3):
            await sides.upload(client)
            await sides.download(client)
    after = peak_rss_mib(pid)
    growth = after - before
    print(
        f"\npeak RSS of partnerhub: {before:.1f} MiB after the 1 MB rounds, {after:.1f} MiB after "
        f"three 50 MB uploads and downloads (growth {growth:+.1f} MiB; bar: flat, "
        f"{'met' if growth < 10 else 'NOT met'})",
        flush=True,
    )


def main() -> None:
    args = arguments(__doc__.splitlines()[0] if __doc__ else "").parse_args()
    os.sched_setaffinity(0, {1 % (os.cpu_count() or 1)})
    data_dir = Path(tempfile.mkdtemp(prefix="partnerhub-bench-media-"))
    env = {
        **os.environ,
        "PARTNERHUB_DATA_DIR": str(data_dir),
        "PARTNERHUB_LOG_FORMAT": "json",
        "PARTNERHUB_EMULATOR_TOKEN": EMULATOR_TOKEN,
    }
    port, bare_port = free_port(), free_port()
    log = open(data_dir / "server.log", "w")  # noqa: SIM115
    argv = [str(BIN / "partnerhub"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(pinned(0, argv), env=env, stdout=log, stderr=subprocess.STDOUT)
    bare: subprocess.Popen[bytes] | None = None
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/livez")
        key = channel_key(base, env)
        bare = uvicorn_app("media_bare_app:app", bare_port, 0, {**env, "BENCH_API_KEY": key})
        bare_base = f"http://127.0.0.1:{bare_port}"
        wait_ready(f"{bare_base}/download")
        sides = Sides(base, bare_base, key, os.urandom(MB))
        asyncio.run(measure(sides, args))
        asyncio.run(large_files(sides, server.pid))
    finally:
        if bare is not None:
            stop(bare)
        stop(server)
        log.close()
        if server.returncode not in (0, -15):
            print((data_dir / "server.log").read_text()[-3000:])
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    with printed_machine_load():
        main()
