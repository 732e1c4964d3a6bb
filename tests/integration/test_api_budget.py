"""The general per-credential budget on the Partner API (spec §3.5, "everything else")."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from partnerhub.app import create_app
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from tests.conftest import make_partner, running
from tests.helpers.api import assert_error


async def test_each_credential_has_its_own_budget(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"api_rate_limit_per_minute": 3}))
    async with running(app):
        state: AppState = app.state.partnerhub
        await state.rate_limits.reset()
        partner = await make_partner(state, "Budget")
        url = f"/api/v2/partners/{partner.partner_id}"
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            for _ in range(3):
                assert (await c.get(url, headers=partner.headers)).status_code == 200
            limited = await c.get(url, headers=partner.headers)
            meta = assert_error(limited, 429)
            assert meta["developer_message"] == (
                "Usage Limit: You have exceeded the limit of 3 requests every 60 seconds"
            )
            assert 1 <= int(limited.headers["retry-after"]) <= 60
            assert limited.headers["ratelimit-policy"] == "3;w=60"
            # a refused caller spends nothing: no credentials is 401 before any budget
            assert_error(await c.get(url), 401)
            # the partner's other key (or a login) has a budget of its own
            token = await c.post(
                "/api/v2/token", json={"username": partner.email, "password": partner.password}
            )
            bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
            assert (await c.get(url, headers=bearer)).status_code == 200
        await state.rate_limits.reset()


async def test_strict_fidelity_answers_the_budget_with_400(settings: Settings) -> None:
    strict = settings.model_copy(update={"api_rate_limit_per_minute": 1, "fidelity": "strict"})
    app = create_app(strict)
    async with running(app):
        state: AppState = app.state.partnerhub
        await state.rate_limits.reset()
        partner = await make_partner(state, "Strict")
        url = f"/api/v2/partners/{partner.partner_id}/clients"
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            assert (await c.get(url, headers=partner.headers)).status_code == 200
            limited = await c.get(url, headers=partner.headers)
            assert_error(limited, 400)
            assert "Usage Limit" in limited.json()["meta"]["developer_message"]
            assert "ratelimit-policy" not in limited.headers
        await state.rate_limits.reset()


def test_the_budget_is_on_in_hub_mode_and_off_in_the_emulator_by_default() -> None:
    hub = Settings(mode="hub", jwt_secret=SecretStr("x" * 40))
    assert hub.api_budget_per_minute == 6000
    assert hub.model_copy(update={"api_rate_limit_per_minute": 0}).api_budget_per_minute == 0
    assert Settings(mode="emulator").api_budget_per_minute == 0
    assert Settings(mode="emulator", api_rate_limit_per_minute=10).api_budget_per_minute == 10


async def test_an_unreachable_redis_lets_requests_through(settings: Settings) -> None:
    """A limit protects the service; a Redis outage must not refuse every request."""
    down = settings.model_copy(
        update={"redis_url": "redis://127.0.0.1:1/0", "api_rate_limit_per_minute": 1}
    )
    app = create_app(down)
    async with running(app):
        state: AppState = app.state.partnerhub
        partner = await make_partner(state, "NoRedis")
        url = f"/api/v2/partners/{partner.partner_id}"
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            for _ in range(3):  # over the budget of 1, but nobody can count it
                assert (await c.get(url, headers=partner.headers)).status_code == 200
