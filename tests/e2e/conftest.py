"""A real ``partnerhub serve`` process on a free loopback port, and the CLI as a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from partnerhub.adapters import tables
from partnerhub.adapters.db import normalize_url
from partnerhub.domain.webhooks.model import ABANDONED
from tests.conftest import JWT_SECRET


def wait_until(predicate: Callable[[], object], seconds: float, what: str) -> None:
    """Poll ``predicate`` until it is true; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERHUB_")}
    env.update(
        PARTNERHUB_DATA_DIR=str(data_dir),
        PARTNERHUB_DATABASE_URL=database_url,
        PARTNERHUB_JWT_SECRET=JWT_SECRET,
        PARTNERHUB_LOG_FORMAT="json",
        **extra,
    )
    return env


def run_cli(
    env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "partnerhub", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"partnerhub {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result


def create_partner(env: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A new partner made with the CLI: its id and the headers its first API key goes in."""
    created = json.loads(
        run_cli(
            env,
            "partners",
            "create",
            "--brand-name",
            "Load",
            "--email",
            f"load{time.time_ns()}@example.com",
            "--password",
            "long-enough-pw",
            "--json",
        ).stdout
    )
    return created["partner_id"], {"X-API-Key": created["api_key"]}


def start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """Start a ``partnerhub worker`` process (it logs "delivering from" once it runs)."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "partnerhub", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_processes(*processes: subprocess.Popen[bytes]) -> None:
    """SIGTERM whatever still runs (a server lets its children finish), then wait for all."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        process.wait(30)


async def delivery_log(
    database_url: str,
) -> tuple[dict[str, str], dict[str, str], Counter[str], Counter[str]]:
    """Status by event id, event id by delivery, attempts per event, abandoned per event."""
    engine = create_async_engine(normalize_url(database_url))
    d, a = tables.webhook_deliveries.c, tables.webhook_attempts.c
    try:
        async with engine.connect() as conn:
            deliveries = (await conn.execute(select(d.id, d.event_id, d.status))).all()
            attempts = (await conn.execute(select(a.delivery_id, a.error, a.finished_at))).all()
    finally:
        await engine.dispose()
    status = {row.event_id: row.status for row in deliveries}
    event_of = {row.id: row.event_id for row in deliveries}
    per_event: Counter[str] = Counter(event_of[row.delivery_id] for row in attempts)
    abandoned: Counter[str] = Counter(
        event_of[row.delivery_id] for row in attempts if row.error == ABANDONED
    )
    assert all(row.finished_at is not None for row in attempts), "an attempt was left open"
    return status, event_of, per_event, abandoned


async def _pending(database_url: str) -> int:
    engine = create_async_engine(normalize_url(database_url))
    d = tables.webhook_deliveries.c
    try:
        async with engine.connect() as conn:
            count = await conn.scalar(select(func.count()).where(d.status == "pending"))
    finally:
        await engine.dispose()
    return int(count or 0)


def settled(database_url: str) -> bool:
    """Nothing pending: deliveries a dead worker held are taken over only when their lease
    lapses, even if its requests already reached the receiver."""
    return asyncio.run(_pending(database_url)) == 0


@dataclass
class LiveServer:
    base_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path
    partner_id: str
    email: str
    password: str
    api_key: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    env: dict[str, str], port: int, log_path: Path, *extra: str
) -> subprocess.Popen[bytes]:
    """Start ``partnerhub serve`` and wait until /readyz answers 200."""
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "partnerhub", "serve", "--port", str(port), *extra],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"server did not become ready:\n{log_path.read_text()}")


def stop_server(process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Stop a server from :func:`start_server`; it must not have logged a traceback."""
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log, log


@pytest.fixture
def live_server(tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    env = cli_env(tmp_path, database_url)
    created = run_cli(
        env,
        "partners",
        "create",
        "--brand-name",
        "360dialog",
        "--email",
        "ops@partner.example",
        "--password",
        "correct-horse-battery",
        "--country",
        "US",
        "--json",
    )
    creds = json.loads(created.stdout)
    port = free_port()
    log_path = tmp_path / "server.log"
    process = start_server(env, port, log_path)
    server = LiveServer(
        base_url=f"http://127.0.0.1:{port}",
        env=env,
        process=process,
        log_path=log_path,
        partner_id=creds["partner_id"],
        email=creds["email"],
        password="correct-horse-battery",
        api_key=creds["api_key"],
    )
    try:
        yield server
    finally:
        stop_server(process, log_path)
