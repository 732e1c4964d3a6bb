"""A new user's first hour (issue 19): ``make run`` on a busy port, which server answered, which
database a CLI command used, the emulator's clock reset, and the command line's own messages.
Each test runs the real ``partnerhub`` (or ``make``) as a separate process."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import EMULATOR_TOKEN
from tests.e2e.conftest import cli_env, free_port, run_cli, start_server, stop_server

REPO = Path(__file__).resolve().parents[2]


def _cli(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "partnerhub", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _bare_env(**extra: str) -> dict[str, str]:
    """No PARTNERHUB_* setting at all: what a new shell has."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERHUB_")}
    # A narrow terminal: messages must stay one line anyway.
    env.update({"PARTNERHUB_LOG_FORMAT": "json", "COLUMNS": "60", **extra})
    return env


def test_a_busy_port_fails_before_anything_is_created_or_printed(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for how in (["--port", str(port)], []):
            env = _bare_env(PARTNERHUB_DATA_DIR=str(tmp_path / "var"))
            if not how:
                env["PARTNERHUB_PORT"] = str(port)
            result = _cli(tmp_path, env, "serve", "--demo", *how)
            assert result.returncode == 1, result.stderr
            error = result.stderr
            assert f"port {port} on 127.0.0.1 is already in use" in error
            assert f"PARTNERHUB_PORT={port + 1} make run" in error
            assert f"make run PORT={port + 1}" in error
            assert "/livez" in error and "Traceback" not in error
            # Nothing migrated, no demo partner, no "shown once" credentials lost.
            assert "Demo partner" not in result.stdout and "ph_test_" not in result.stdout
            assert not (tmp_path / "var" / "partnerhub.db").exists()


def test_make_run_takes_a_port() -> None:
    plan = subprocess.run(
        ["make", "-n", "run", "PORT=8361"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert "partnerhub serve --demo --port 8361" in plan.stdout
    default = subprocess.run(
        ["make", "-n", "run"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert re.search(r"partnerhub serve --demo\s*$", default.stdout, re.MULTILINE)


def test_livez_and_readyz_say_which_server_answered(tmp_path: Path, database_url: str) -> None:
    env = cli_env(tmp_path, database_url, PARTNERHUB_EMULATOR_TOKEN=EMULATOR_TOKEN)
    port, log = free_port(), tmp_path / "server.log"
    process = start_server(env, port, log)
    try:
        printed = re.search(r"instance:\s+(\w+)", log.read_text())
        assert printed is not None, log.read_text()
        base = f"http://127.0.0.1:{port}"
        live = httpx.get(f"{base}/livez").json()
        ready = httpx.get(f"{base}/readyz").json()
        for answer in (live, ready):
            assert answer["status"] == "ok"
            assert answer["instance_id"] == printed.group(1)
            assert answer["data_dir"] == str(tmp_path.resolve())
            assert answer["version"]
    finally:
        stop_server(process, log)


def test_emulator_reset_scopes_from_the_command_line(tmp_path: Path, database_url: str) -> None:
    env = cli_env(tmp_path, database_url, PARTNERHUB_EMULATOR_TOKEN=EMULATOR_TOKEN)
    port, log = free_port(), tmp_path / "server.log"
    process = start_server(env, port, log)
    remote = {**env, "PARTNERHUB_BASE_URL": f"http://127.0.0.1:{port}"}
    try:
        run_cli(remote, "emulate", "advance", "2h")
        data = json.loads(run_cli(remote, "emulate", "reset", "--json").stdout)
        assert data["scope"] == "data" and data["offset_seconds"] >= 7200  # the clock stays
        clock = json.loads(run_cli(remote, "emulate", "reset", "--scope", "clock", "--json").stdout)
        assert clock["scope"] == "clock" and clock["offset_seconds"] == 0
        read = httpx.get(
            f"http://127.0.0.1:{port}/_emulator/clock",
            headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"},
        ).json()
        assert read["offset_seconds"] == 0
        shown = run_cli(remote, "emulate", "reset", "--scope", "all")
        assert "reset all; clock now" in shown.stdout
        bad = run_cli(remote, "emulate", "reset", "--scope", "everything", check=False)
        assert bad.returncode == 2 and "use data, clock or all" in bad.stderr
    finally:
        stop_server(process, log)
    # The reset clock survives a restart: the server resumes at offset 0, not 2 h ahead.
    process = start_server(env, port, log)
    try:
        read = httpx.get(
            f"http://127.0.0.1:{port}/_emulator/clock",
            headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"},
        ).json()
        assert read["offset_seconds"] == 0
    finally:
        stop_server(process, log)


def test_read_commands_refuse_a_database_that_does_not_exist(tmp_path: Path) -> None:
    elsewhere = tmp_path / "another-folder"
    elsewhere.mkdir()
    env = _bare_env()
    for command in (
        ["partners", "list"],
        ["keys", "list", "--partner", "somePA"],
        ["keys", "create", "--partner", "somePA"],
        ["db", "current"],
    ):
        result = _cli(elsewhere, env, *command)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        expected = elsewhere.resolve() / "var" / "partnerhub.db"
        assert f"database: sqlite:///{expected}" in result.stderr
        assert f"no database at {expected}" in result.stderr
        assert "PARTNERHUB_DATA_DIR" in result.stderr and "PARTNERHUB_DATABASE_URL" in result.stderr
        assert result.stdout == ""
        assert not (elsewhere / "var").exists()  # nothing created, not even the folder


def test_commands_say_which_database_they_use(tmp_path: Path) -> None:
    data_dir = tmp_path / "server-data"
    env = _bare_env(PARTNERHUB_DATA_DIR=str(data_dir))
    created = _cli(
        tmp_path,
        env,
        *("partners", "create", "--brand-name", "Acme", "--email", "ops@acme.example"),
        *("--password", "long-enough-pw", "--json"),
    )
    assert created.returncode == 0, created.stderr
    database = f"database: sqlite:///{(data_dir / 'partnerhub.db').resolve()}"
    assert database in created.stderr
    partner_id = json.loads(created.stdout)["partner_id"]  # stdout stays one JSON document
    # From any other folder, pointed at the server's data directory, the partner is there.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    listed = _cli(elsewhere, env, "partners", "list", "--json")
    assert listed.returncode == 0 and database in listed.stderr
    assert [p["id"] for p in json.loads(listed.stdout)] == [partner_id]


def test_passwords_follow_one_rule(tmp_path: Path, database_url: str) -> None:
    env = cli_env(tmp_path, database_url)
    args = ["partners", "create", "--brand-name", "A", "--email", "a@b.example", "--password"]
    nine = run_cli(env, *args, "nine-char", check=False)
    assert nine.returncode == 1
    assert "password: must be at least 10 characters" in nine.stderr
    assert run_cli(env, *args, "ten-chars!", check=False).returncode == 0


def test_hub_mode_without_a_secret_is_one_plain_sentence(tmp_path: Path) -> None:
    env = _bare_env(PARTNERHUB_MODE="hub", PARTNERHUB_DATA_DIR=str(tmp_path))
    result = _cli(tmp_path, env, "serve", "--port", str(free_port()))
    assert result.returncode == 2
    assert result.stderr == (
        "error: PARTNERHUB_MODE=hub requires PARTNERHUB_JWT_SECRET (at least 32 characters); "
        "refusing to start\n"
    )


def test_help_shows_no_type_after_flags() -> None:
    shown = _cli(REPO, _bare_env(COLUMNS="120"), "--help")
    assert shown.returncode == 0
    assert "--install-completion" in shown.stdout and "<bool>" not in shown.stdout
    serve = _cli(REPO, _bare_env(COLUMNS="120"), "serve", "--help").stdout
    assert "<bool>" not in serve and "<int>" in serve  # options that take a value keep theirs
