"""Fixtures for the SDK tests: a seeded world, and SDK clients pointed at the real app.

In-process tests talk to ``create_app(...)`` through ``httpx.ASGITransport`` (the ``client``
fixture of tests/conftest.py, on every configured database); socket tests talk to a real
``partnerhub serve`` process (SQLite), started once per module.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from partnerhub.client import AsyncPartnerClient
from partnerhub.domain.keys.secrets import generate
from tests.conftest import EMULATOR, EMULATOR_TOKEN
from tests.e2e.conftest import cli_env, free_port, start_server

BASE_URL = "http://partnerhub.test"
PARTNER_ID = "sdkPA"
OTHER_PARTNER_ID = "otherPA"
EMAIL, PASSWORD = "ops@sdk.example", "sdk-password-long"


async def no_sleep(_: float) -> None:
    """Retries in tests must not wait real time."""


@dataclass
class World:
    partner_id: str
    api_key: str
    other_api_key: str
    client_ids: list[str]
    waba_id: str
    channel_id: str
    channel_client_id: str


def world_document(clients: int = 3) -> tuple[dict[str, Any], World]:
    """A partner with ``clients`` clients (one with a WABA and a running channel) and a rival."""
    key, other_key = generate("ph_test_"), generate("ph_test_")
    client_ids = [f"c{n:05d}CL" for n in range(clients)]
    doc: dict[str, Any] = {
        "partners": [
            {
                "id": PARTNER_ID,
                "brand_name": "SDK Partner",
                "partner_redirect_url": "https://example.com/done",
                "users": [{"email": EMAIL, "password": PASSWORD}],
                "api_keys": [{"key": key}],
                "balance": 42.5,
            },
            {"id": OTHER_PARTNER_ID, "brand_name": "Rival", "api_keys": [{"key": other_key}]},
        ],
        "clients": [
            {
                "id": cid,
                "partner_id": PARTNER_ID,
                "name": f"Client {n:05d}",
                "created_at": f"2026-01-01T00:{n // 60 % 60:02d}:{n % 60:02d}Z",
            }
            for n, cid in enumerate(client_ids)
        ],
        "waba_accounts": [{"id": "sdkWA", "client_id": client_ids[0]}],
        "channels": [
            {
                "id": "sdkCH",
                "client_id": client_ids[0],
                "waba_account_id": "sdkWA",
                "phone_number": "+4915112345678",
                "status": "running",
            }
        ],
    }
    return doc, World(PARTNER_ID, key, other_key, client_ids, "sdkWA", "sdkCH", client_ids[0])


async def seed(client: httpx.AsyncClient, clients: int = 3) -> World:
    doc, world = world_document(clients)
    response = await client.post("/_emulator/seed", headers=EMULATOR, json=doc)
    assert response.status_code == 200, response.text
    return world


@pytest.fixture
async def world(client: httpx.AsyncClient) -> World:
    return await seed(client)


@pytest.fixture
async def hub(client: httpx.AsyncClient, world: World) -> AsyncIterator[AsyncPartnerClient]:
    """The async SDK with the partner's API key, over the in-process app."""
    async with AsyncPartnerClient(
        world.partner_id,
        api_key=world.api_key,
        base_url=BASE_URL,
        http_client=client,
        sleep=no_sleep,
    ) as sdk:
        yield sdk


@dataclass
class Server:
    base_url: str

    def emulator(self, path: str, body: Any) -> Any:
        response = httpx.post(
            self.base_url + path,
            headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"},
            content=json.dumps(body),
            timeout=30,
        )
        assert response.status_code in (200, 201), response.text
        return response.json()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real ``partnerhub serve`` on a loopback port, with the emulator controls on."""
    data_dir: Path = tmp_path_factory.mktemp("sdk-server")
    env = cli_env(
        data_dir,
        f"sqlite:///{data_dir / 'partnerhub.db'}",
        PARTNERHUB_EMULATOR_TOKEN=EMULATOR_TOKEN,
        PARTNERHUB_SIMULATOR_STEP_SECONDS="600",
    )
    port = free_port()
    log_path = data_dir / "server.log"
    process = start_server(env, port, log_path)
    try:
        yield Server(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        try:
            process.wait(15)
        except Exception:
            process.kill()
        assert "Traceback" not in log_path.read_text(errors="replace")
