"""Issue 20, findings 2 and 5, against real ``partnerhub serve`` processes over TCP.

The attacker's requests leave from another loopback address (127.0.0.2) than the partner's
(127.0.0.1), so the server tells them apart by the socket's peer, as it would in production.
A second server process on the same database sees the same lockout.
"""

from __future__ import annotations

import httpx

from tests.e2e.conftest import LiveServer, free_port, start_server, stop_server

ATTACKER_ADDRESS = "127.0.0.2"


def grant(http: httpx.Client, server: str, email: str, password: str) -> httpx.Response:
    return http.post(f"{server}/api/v2/token", json={"username": email, "password": password})


def test_token_guessing_locks_the_email_in_every_process_but_not_for_its_owner(
    live_server: LiveServer,
) -> None:
    s = live_server
    other_port = free_port()
    other_log = s.log_path.with_name("second.log")
    second = start_server(s.env, other_port, other_log)
    other = f"http://127.0.0.1:{other_port}"
    attacker_transport = httpx.HTTPTransport(local_address=ATTACKER_ADDRESS)
    try:
        with (
            httpx.Client(timeout=30) as owner,
            httpx.Client(transport=attacker_transport, timeout=30) as attacker,
        ):
            # The owner logs in from its usual address before the attack.
            assert grant(owner, s.base_url, s.email, s.password).status_code == 200
            for _ in range(5):
                wrong = grant(attacker, s.base_url, s.email, "guess-guess")
                assert wrong.status_code == 401, wrong.text
                assert wrong.json()["error"] == "invalid_grant"
            for server in (s.base_url, other):  # the same lockout in the other process
                locked = grant(attacker, server, s.email, s.password)
                assert locked.status_code == 429, locked.text
                assert locked.json()["error"] == "invalid_grant"
                assert int(locked.headers["retry-after"]) >= 1
            # The owner's address passed the password before: it still gets in, everywhere.
            assert grant(owner, s.base_url, s.email, s.password).status_code == 200
            assert grant(owner, other, s.email, s.password).status_code == 200
    finally:
        stop_server(second, other_log)
