"""Bearer sessions end (issue 20, finding 3), against a real ``partnerhub serve`` over a socket,
with the operator's ``partnerhub users`` commands acting from another process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import EMULATOR, EMULATOR_TOKEN
from tests.e2e.conftest import LiveServer, cli_env, free_port, run_cli, start_server, stop_server

DAY = 86400
PASSWORD = "correct-horse-battery"


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    env = cli_env(tmp_path, database_url, PARTNERHUB_EMULATOR_TOKEN=EMULATOR_TOKEN)
    creds = json.loads(
        run_cli(
            env,
            *("partners", "create", "--brand-name", "Acme", "--email", "ops@acme.example"),
            *("--password", PASSWORD, "--json"),
        ).stdout
    )
    port = free_port()
    log_path = tmp_path / "server.log"
    process = start_server(env, port, log_path)
    try:
        yield LiveServer(
            base_url=f"http://127.0.0.1:{port}",
            env=env,
            process=process,
            log_path=log_path,
            partner_id=creds["partner_id"],
            email=creds["email"],
            password=PASSWORD,
            api_key=creds["api_key"],
        )
    finally:
        stop_server(process, log_path)


def token(http: httpx.Client, body: dict[str, str]) -> httpx.Response:
    return http.post("/api/v2/token", json=body)


def login(http: httpx.Client, email: str, password: str) -> dict[str, str]:
    response = token(http, {"username": email, "password": password})
    assert response.status_code == 200, response.text
    pair: dict[str, str] = response.json()
    return pair


def advance(http: httpx.Client, seconds: float) -> None:
    moved = http.post("/_emulator/clock/advance", headers=EMULATOR, json={"seconds": seconds})
    assert moved.status_code in (200, 201), moved.text


def test_a_stolen_refresh_token_stops_after_the_absolute_lifetime(server: LiveServer) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        stolen = login(http, server.email, server.password)["refresh_token"]
        for _ in range(2):
            advance(http, 14 * DAY)
            refreshed = token(http, {"refresh_token": stolen})
            assert refreshed.status_code == 200, refreshed.text
            stolen = refreshed.json()["refresh_token"]
        advance(http, 2 * DAY + 1)  # 30 days and a second after the password grant
        refused = token(http, {"refresh_token": stolen})
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid_grant"


def test_operator_commands_end_logins_on_the_running_server(server: LiveServer) -> None:
    env, email = server.env, server.email
    info = f"/api/v2/partners/{server.partner_id}"
    with httpx.Client(base_url=server.base_url, timeout=30) as http:

        def works(pair: dict[str, str]) -> bool:
            answer = http.get(info, headers={"Authorization": f"Bearer {pair['access_token']}"})
            return answer.status_code == 200

        first = login(http, email, server.password)
        assert works(first)
        out = run_cli(env, "users", "revoke-sessions", email)
        assert "1 token families" in out.stdout
        assert not works(first)
        assert token(http, {"refresh_token": first["refresh_token"]}).status_code == 401

        second = login(http, email, server.password)
        run_cli(
            {**env, "PARTNERHUB_NEW_PASSWORD": "operator-set-pw"}, "users", "set-password", email
        )
        assert not works(second)
        assert token(http, {"refresh_token": second["refresh_token"]}).status_code == 401
        assert token(http, {"username": email, "password": server.password}).status_code == 401
        third = login(http, email, "operator-set-pw")

        run_cli(env, "users", "disable", email)
        assert not works(third)
        assert token(http, {"username": email, "password": "operator-set-pw"}).status_code == 401
        listed = json.loads(
            run_cli(env, "users", "list", "--partner", server.partner_id, "--json").stdout
        )
        assert [(u["email"], u["disabled"]) for u in listed] == [(email, True)]

        run_cli(env, "users", "enable", email)
        assert works(login(http, email, "operator-set-pw"))
        short = run_cli(
            {**env, "PARTNERHUB_NEW_PASSWORD": "short"}, "users", "set-password", email, check=False
        )
        assert short.returncode == 1 and "new_password" in short.stderr
        unknown = run_cli(env, "users", "disable", "nobody@acme.example", check=False)
        assert unknown.returncode == 1 and "nobody@acme.example" in unknown.stderr
