"""Hub mode treats webhook URLs as untrusted: no https, or an inside address, is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from partnerhub.app import create_app
from partnerhub.domain.webhooks import outbox
from partnerhub.domain.webhooks.services import new_test_event
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from tests.conftest import JWT_SECRET, make_partner, running
from tests.helpers.api import assert_error


@pytest.fixture
async def hub(
    tmp_path: Path, database_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, AppState]]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        mode="hub",
        jwt_secret=JWT_SECRET,  # type: ignore[arg-type]
        log_level="WARNING",
        embedded_worker=False,
    )
    app = create_app(settings)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://hub.test") as client:
            yield client, app.state.partnerhub


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/hook", "https"),
        ("http://169.254.169.254/latest/meta-data", "https"),
        ("http://10.0.0.1/hook", "https"),
        ("http://[::1]/hook", "https"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://10.0.0.1/hook", "private"),
        ("https://192.168.1.20/hook", "private"),
        ("https://100.64.0.7/hook", "private"),
        ("https://[::1]/hook", "loopback"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://[fd00::1]/hook", "private"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://0.0.0.0/hook", "reserved"),
        ("https://localhost/hook", "resolves to"),
        ("https://metadata.google.internal/x", "not allowed"),
    ],
)
async def test_inside_addresses_are_refused_with_a_reason(
    hub: tuple[httpx.AsyncClient, AppState], url: str, reason: str
) -> None:
    client, state = hub
    partner = await make_partner(state)
    for method, path, body in [
        ("POST", "/webhook_url", {"webhook_url": url}),
        ("PATCH", "", {"webhook_url": url}),
    ]:
        response = await client.request(
            method,
            f"/api/v2/partners/{partner.partner_id}{path}",
            headers=partner.headers,
            json=body,
        )
        meta = assert_error(response, 400, "webhook_url")
        assert reason in meta["developer_message"], meta
    info = await client.get(f"/api/v2/partners/{partner.partner_id}", headers=partner.headers)
    assert info.json()["webhook_url"] is None


async def test_public_https_address_is_accepted(hub: tuple[httpx.AsyncClient, AppState]) -> None:
    client, state = hub
    partner = await make_partner(state)
    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/webhook_url",
        headers=partner.headers,
        json={"webhook_url": "https://93.184.216.34/hook"},
    )
    assert response.status_code == 200


async def test_destination_is_checked_again_at_delivery(
    hub: tuple[httpx.AsyncClient, AppState],
) -> None:
    """A URL that was fine when set but now points inside (DNS changed) is not contacted."""
    client, state = hub
    partner = await make_partner(state)
    async with state.uow() as uow:
        stored = await uow.partners.get(partner.partner_id)
        assert stored is not None
        stored.webhook_url = "https://127.0.0.1:9/hook"  # as if DNS now answered 127.0.0.1
        await outbox.emit(uow, state.clock, stored, new_test_event(stored.id))
        await uow.commit()
    assert await state.delivery.run_due() == 1
    log = (
        await client.get(
            f"/api/v2/partners/{partner.partner_id}/webhook_deliveries", headers=partner.headers
        )
    ).json()
    attempt = log["webhook_deliveries"][0]["attempts"][0]
    assert attempt["status_code"] is None and "loopback" in attempt["error"]


async def test_emulator_controls_do_not_exist_in_hub_mode(
    hub: tuple[httpx.AsyncClient, AppState],
) -> None:
    client, _ = hub
    response = await client.post(
        "/_emulator/clock/advance",
        headers={"Authorization": "Bearer anything"},
        json={"seconds": 1},
    )
    assert_error(response, 404)
