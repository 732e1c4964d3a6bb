"""The command line, run as a user would: a separate process on the same database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from partnerhub.adapters.migrate import head_revision
from tests.e2e.conftest import LiveServer, cli_env, free_port, run_cli, start_server

HEAD = head_revision()


def test_partners_create_json_prints_exactly_one_object(tmp_path: Path, database_url: str) -> None:
    env = cli_env(tmp_path, database_url)
    result = run_cli(
        env,
        "partners",
        "create",
        "--brand-name",
        "Acme",
        "--email",
        "Owner@Acme.example",
        "--password",
        "long-enough-pw",
        "--json",
    )
    created = json.loads(result.stdout)  # the whole stdout is one JSON document
    assert set(created) == {"partner_id", "email", "api_key", "platform_secret"}
    assert created["platform_secret"].startswith("whsec_")  # signs every webhook from the start
    assert created["partner_id"].endswith("PA") and created["email"] == "owner@acme.example"
    listed = json.loads(run_cli(env, "partners", "list", "--json").stdout)
    assert [p["id"] for p in listed] == [created["partner_id"]]


def test_partners_create_refuses_bad_input(tmp_path: Path, database_url: str) -> None:
    env = cli_env(tmp_path, database_url)
    args = ["partners", "create", "--brand-name", "A", "--email", "a@b.example"]
    short = run_cli(env, *args, "--password", "short", check=False)
    assert short.returncode == 1 and "password" in short.stderr
    run_cli(env, *args, "--password", "long-enough-pw")
    duplicate = run_cli(env, *args, "--password", "long-enough-pw", check=False)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    bad_email = run_cli(
        env,
        "partners",
        "create",
        "--brand-name",
        "A",
        "--email",
        "nope",
        "--password",
        "long-enough-pw",
        check=False,
    )
    assert bad_email.returncode == 1 and "email" in bad_email.stderr


def test_keys_commands_act_on_the_running_servers_database(live_server: LiveServer) -> None:
    env, pid, base = live_server.env, live_server.partner_id, live_server.base_url
    created = json.loads(
        run_cli(env, "keys", "create", "--partner", pid, "--name", "ci", "--json").stdout
    )
    assert set(created) == {"id", "name", "api_key"}
    url = f"{base}/api/v2/partners/{pid}"
    for _ in range(3):  # the server now has the key in its cache
        assert httpx.get(url, headers={"X-API-Key": created["api_key"]}).status_code == 200
    listed = json.loads(run_cli(env, "keys", "list", "--partner", pid, "--json").stdout)
    assert {k["id"] for k in listed} >= {created["id"]}
    assert created["api_key"] not in json.dumps(listed)

    run_cli(env, "keys", "revoke", "--partner", pid, created["id"])
    # Revoked by another process: refused on the very next request, cache or not.
    assert httpx.get(url, headers={"X-API-Key": created["api_key"]}).status_code == 401
    again = run_cli(env, "keys", "revoke", "--partner", pid, created["id"], check=False)
    assert again.returncode == 1
    unknown = run_cli(env, "keys", "list", "--partner", "nobodyPA", check=False)
    assert unknown.returncode == 1


def test_hub_mode_refuses_to_start_without_a_jwt_secret(tmp_path: Path, database_url: str) -> None:
    env = cli_env(tmp_path, database_url, PARTNERHUB_MODE="hub")
    del env["PARTNERHUB_JWT_SECRET"]
    result = run_cli(env, "serve", "--port", str(free_port()), check=False)
    assert result.returncode == 2
    assert "PARTNERHUB_JWT_SECRET" in result.stderr and "Traceback" not in result.stderr
    env["PARTNERHUB_JWT_SECRET"] = "too-short"
    assert run_cli(env, "serve", "--port", str(free_port()), check=False).returncode == 2


def test_emulator_mode_generates_and_keeps_a_jwt_secret(tmp_path: Path) -> None:
    env = cli_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    del env["PARTNERHUB_JWT_SECRET"]
    run_cli(env, "db", "upgrade")  # creates the database: read commands refuse a missing one
    secret_file = tmp_path / "jwt_secret"
    first = secret_file.read_text()
    assert len(first) >= 32 and (secret_file.stat().st_mode & 0o777) == 0o600
    run_cli(env, "partners", "list")
    assert secret_file.read_text() == first


def test_serve_demo_shows_credentials_once(tmp_path: Path) -> None:
    env = cli_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    for attempt in range(2):
        port, log = free_port(), tmp_path / f"demo-{attempt}.log"
        process = start_server(env, port, log, "--demo")
        try:
            text = log.read_text()
            if attempt == 0:
                assert "Demo partner created" in text
                key = next(w for w in text.split() if w.startswith("ph_test_"))
                pid = next(w for w in text.split() if w.endswith("PA") and len(w) == 10)
                url = f"http://127.0.0.1:{port}/api/v2/partners/{pid}"
                assert httpx.get(url, headers={"X-API-Key": key}).status_code == 200
                # A documented demo credit, so the walkthrough's sends do not go negative.
                balance = httpx.get(f"{url}/balance", headers={"X-API-Key": key}).json()
                assert balance == {"total": 100, "currency": "eur"}
                assert "100 eur (demo credit)" in text
            else:
                assert "Demo partner created" not in text and "ph_test_" not in text
        finally:
            process.terminate()
            process.wait(15)


def test_db_commands(tmp_path: Path, database_url: str) -> None:
    env = cli_env(tmp_path, database_url)
    run_cli(env, "db", "upgrade")
    assert f"current: {HEAD}" in run_cli(env, "db", "current").stdout
    run_cli(env, "db", "downgrade", "base")
    assert "current: base" in run_cli(env, "db", "current").stdout
    run_cli(env, "db", "upgrade")
    assert f"current: {HEAD}" in run_cli(env, "db", "current").stdout


def test_module_entry_point_and_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "partnerhub", "--help"], capture_output=True, text=True, check=True
    )
    for command in (
        "serve",
        "db",
        "partners",
        "keys",
        "clients",
        "channels",
        "webhooks",
        "emulate",
        "seed",
    ):
        assert command in result.stdout
