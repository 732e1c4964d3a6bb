"""Contract fuzzing: every operation of ``/openapi.json``, driven by schemathesis.

A real ``partnerhub serve`` (emulator mode) answers requests that schemathesis generates from the
document the server itself publishes; every answer must be no 5xx and must match what the
document promises for that operation (status code, content type, body schema). Requests carry
real credentials, and path parameters are often real ids, so the fuzzing reaches the handlers
rather than stopping at 401/403/404. Each operation starts from a fresh partner with a client,
a running channel, a channel key and a template, because some operations (``/_emulator/seed``,
key revocation) destroy what the others need.

Bounded and reproducible: a fixed number of examples per operation and generation mode, derived
from a fixed seed (``derandomize``), no deadline.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import EMULATOR, EMULATOR_TOKEN
from tests.e2e.conftest import cli_env, free_port, start_server, stop_server

pytestmark = pytest.mark.slow

EXAMPLES = 25  # per operation and generation mode (positive, negative)
MOSTLY = [True] * 7 + [False]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    # Request bodies like /_emulator/seed's world are large by design.
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[str]:
    env = cli_env(tmp_path, database_url, PARTNERHUB_EMULATOR_TOKEN=EMULATOR_TOKEN)
    port = free_port()
    log_path = tmp_path / "server.log"
    process = start_server(env, port, log_path)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(process, log_path)


_numbers = itertools.count(1)


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def fresh_world(base_url: str) -> dict[str, str]:
    """A partner with one client, WABA, running channel, channel key and template: the real
    ids the fuzzer substitutes into path parameters, and the credentials it sends."""
    number = f"+49151{next(_numbers):07d}"
    with httpx.Client(base_url=base_url, headers=EMULATOR, timeout=30) as http:
        partner = _ok(http.post("/_emulator/partners", json={}), 201)
        onboarded = _ok(
            http.post(
                "/_emulator/onboard",
                json={
                    "partner_id": partner["partner_id"],
                    "client": {"name": "Fuzz Cafe", "email": "owner@fuzz.example"},
                    "phone_numbers": [number],
                },
            ),
            201,
        )
        channel_id = onboarded["channel_ids"][0]
        _ok(http.post(f"/_emulator/channels/{channel_id}/status", json={"status": "running"}), 201)
        partner_api = f"/api/v2/partners/{partner['partner_id']}"
        auth = {"X-API-Key": partner["api_key"]}
        channel_key = _ok(http.post(f"{partner_api}/channels/{channel_id}/api_keys", headers=auth))
        users = _ok(http.get(f"{partner_api}/users", headers=auth))
        upload = _ok(
            http.post(
                "/uploads",
                headers={"D360-API-KEY": channel_key["api_key"]},
                params={"file_name": "a.png", "file_length": "64", "file_type": "image/png"},
            )
        )
        template = _ok(
            http.post(
                f"{partner_api}/waba_accounts/{onboarded['waba_account_id']}/waba_templates",
                headers=auth,
                json={
                    "name": "fuzz_welcome",
                    "category": "UTILITY",
                    "language": "en",
                    "components": [{"type": "BODY", "text": "Hello"}],
                },
            )
        )
        flow = _ok(  # issue 18: a WhatsApp Flow, for the …/flows/{flow_id} operations
            http.post(
                f"{partner_api}/waba_accounts/{onboarded['waba_account_id']}/flows",
                headers=auth,
                json={"name": "fuzz flow", "categories": ["OTHER"]},
            )
        )
    return {
        "flow_id": flow["id"],
        "api_key": partner["api_key"],
        "channel_key": channel_key["api_key"],
        "partner_id": partner["partner_id"],
        "client_id": onboarded["client_id"],
        "waba_account_id": onboarded["waba_account_id"],
        "channel_id": channel_id,
        "key_id": channel_key["id"],
        "template_name": template["name"],
        "template_id": template["id"],
        "wa_id": number.lstrip("+"),
        "node": upload["id"],  # upload:<session>, for GET/POST /{node}
        # /_emulator/partners makes no hub user: the user routes then answer 404 past their
        # body checks (tests/integration/test_bearer_sessions.py covers them with a user).
        "user_id": users["users"][0]["id"] if users["users"] else "nobodyUS",
    }


def credentials(path: str, world: dict[str, str]) -> dict[str, str]:
    """The header each part of the API authenticates with."""
    if path.startswith("/_emulator"):
        return dict(EMULATOR)
    if path.startswith("/api/v2/partners"):
        return {"X-API-Key": world["api_key"]}
    if path.startswith(
        (
            "/messages",
            "/v1/",
            "/whatsapp_business_profile",
            "/uploads",
            "/multi_webhook",
            "/{",
            "/whatsapp_business_encryption",  # issue 18: Flows' business public key
            "/flows",  # issue 18: the Messaging API's Flows (list and management)
        )
    ):
        return {"D360-API-KEY": world["channel_key"]}
    return {}


def fuzz(operation: schemathesis.APIOperation, base_url: str, mode: GenerationMode) -> None:
    world = fresh_world(base_url)
    real = {p.name: world[p.name] for p in operation.path_parameters if p.name in world}

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(mode), data=st.data())
    def run(case: schemathesis.Case, data: st.DataObject) -> None:
        # Mostly a real id, so that the handlers behind the ownership check run; mostly real
        # credentials (else whatever schemathesis generated). sampled_from, not integers:
        # Hypothesis draws the integer 0 about half the time.
        for name, value in real.items():
            if data.draw(st.sampled_from(MOSTLY), label=f"real {name}"):
                case.path_parameters[name] = value
        authenticated = data.draw(st.sampled_from(MOSTLY), label="authenticated")
        headers = credentials(operation.path, world) if authenticated else {}
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    run()


def modes(operation: schemathesis.APIOperation) -> list[GenerationMode]:
    """Negative data needs something to make invalid: a parameter or a body."""
    parts = (operation.path_parameters, operation.query, operation.headers, operation.body)
    if any(len(part) for part in parts):
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def test_every_operation_keeps_its_documented_contract(server: str) -> None:
    schema = schemathesis.openapi.from_url(f"{server}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50  # the whole API: the HTML pages (/hub, onboarding) are not in it
    failures: list[str] = []
    for operation in operations:
        for mode in modes(operation):
            try:
                fuzz(operation, server, mode)
            except (
                Exception,
                BaseExceptionGroup,
            ) as exc:  # schemathesis' FailureGroup is the latter
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert not failures, f"{len(failures)} failing:\n\n" + "\n\n".join(failures)
