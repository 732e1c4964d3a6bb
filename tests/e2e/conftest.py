"""A real ``partnerhub serve`` process on a free loopback port, and the CLI as a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import JWT_SECRET


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
