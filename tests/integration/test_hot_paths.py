"""Every hot route (server/fastpath) answers exactly as its routed twin.

The send path has its own, longer comparison (test_send_path.py); this module covers the
Partner API's hot reads and checks that no hot route goes without a parity case.
"""

from __future__ import annotations

import json

import httpx
import pytest
from litestar import Litestar

from partnerhub.server.fastpath import HOT_ROUTES
from partnerhub.server.settings import Settings
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.api import login
from tests.helpers.hot_paths import comparable, routed_twin
from tests.helpers.messaging import CUSTOMER, ready_channel
from tests.receiver import Receiver

# The hot routes each parity test covers; a new hot route must be added to one.
COVERED = {
    ("POST", "/messages"): "test_send_path.py",
    ("POST", "/v1/messages"): "test_send_path.py",
    ("POST", "/marketing_messages"): "test_hot_paths.py",
    ("GET", "/api/v2/partners/{partner_id}"): "test_hot_paths.py",
    ("PATCH", "/api/v2/partners/{partner_id}"): "test_hot_paths.py",
    # Streamed to storage: only answered below the framework (its route only documents it).
    ("POST", "/media"): "test_media.py",
}


def test_every_hot_route_has_a_parity_test() -> None:
    assert {(route.method, route.template) for route in HOT_ROUTES} == set(COVERED)


async def _both(
    app: Litestar,
    client: httpx.AsyncClient,
    method: str,
    path: str,
    headers: dict[str, str],
    content: str | None = None,
) -> tuple[httpx.Response, httpx.Response]:
    hot = await client.request(method, path, headers=headers, content=content)
    transport = httpx.ASGITransport(app=routed_twin(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as routed_client:
        routed = await routed_client.request(method, path, headers=headers, content=content)
    return hot, routed


async def test_get_partner_answers_as_the_routed_handler(
    app: Litestar, client: httpx.AsyncClient, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    token = (await login(client, partner))["access_token"]
    own = f"/api/v2/partners/{partner.partner_id}"
    key = {"X-API-Key": partner.api_key}
    cases: list[tuple[str, dict[str, str]]] = [
        (own, key),
        (own + "/", key),
        (own + "?fields=id", key),
        (own, {"Authorization": f"Bearer {token}"}),
        (own, {"Authorization": f"bearer {token}"}),
        (own, {"Authorization": "Bearer nope"}),
        (own, {"Authorization": "Basic abc"}),
        (own, {"Authorization": "Bearer "}),
        (own, {}),
        (own, {"X-API-Key": "nope"}),
        (own, {"X-API-Key": other_partner.api_key}),
        (f"/api/v2/partners/{other_partner.partner_id}", key),
        ("/api/v2/partners/unknown", key),
        ("/api/v2/partners/%20", key),
        ("/api/v2/partners/a%2Fb", key),
        ("/api/v2/partners/" + "x" * 500, key),
        (own, {"X-API-Key": partner.api_key, "D360-API-KEY": "x"}),
    ]
    for path, headers in cases:
        hot, routed = await _both(app, client, "GET", path, headers)
        assert comparable(hot) == comparable(routed), (path, headers)
    # The hot route answered the partner itself (not a pass-through).
    hot, _ = await _both(app, client, "GET", own, key)
    assert hot.status_code == 200 and hot.json()["id"] == partner.partner_id


async def test_patch_partner_answers_as_the_routed_handler(
    app: Litestar, client: httpx.AsyncClient, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    token = (await login(client, partner))["access_token"]
    own = f"/api/v2/partners/{partner.partner_id}"
    key = {"X-API-Key": partner.api_key, "Content-Type": "application/json"}
    form = {"X-API-Key": partner.api_key, "Content-Type": "application/x-www-form-urlencoded"}
    cases: list[tuple[str, dict[str, str], str | None]] = [
        (own, key, '{"brand_name": "Hot"}'),
        (own + "/", key, '{"brand_name": "Hot Slash"}'),
        (own, {"Authorization": f"Bearer {token}"}, '{"country": "DE"}'),
        (own, key, '{"brand_name": null}'),
        (own, key, '{"brand_name": 7}'),
        (own, key, '{"country": "Narnia"}'),
        (own, key, '{"logo_url": "not a url"}'),
        (own, key, '{"webhook_url": "http://127.0.0.1:1/x"}'),
        (own, key, '{"unknown_field": 1}'),
        (own, key, "{not json"),
        (own, key, "[]"),
        (own, key, ""),
        (own, key, '{"brand_name": "a\u0000b"}'),
        (own, form, "brand_name=Form+Brand"),
        (own, key, "{}"),
        (own, {}, '{"brand_name": "x"}'),
        (own, {"X-API-Key": "nope"}, '{"brand_name": "x"}'),
        (own, {"X-API-Key": other_partner.api_key}, '{"brand_name": "x"}'),
        (f"/api/v2/partners/{other_partner.partner_id}", key, '{"brand_name": "Stolen"}'),
        ("/api/v2/partners/unknown", key, '{"brand_name": "x"}'),
        (own, key, '{"brand_name": "' + "x" * 300 + '"}'),
        (own, key, '{"brand_name": "' + "x" * 3_000_000 + '"}'),  # past the body limit
    ]
    for path, headers, content in cases:
        hot, routed = await _both(app, client, "PATCH", path, headers, content)
        assert comparable(hot) == comparable(routed), (path, headers, content)
    # The hot route wrote (not a pass-through), and the other partner is untouched.
    hot, _ = await _both(app, client, "PATCH", own, key, '{"brand_name": "Written Hot"}')
    assert hot.status_code == 200 and hot.json()["brand_name"] == "Written Hot"
    seen = await client.get(own, headers={"X-API-Key": partner.api_key})
    assert seen.json()["brand_name"] == "Written Hot"
    theirs = await client.get(
        f"/api/v2/partners/{other_partner.partner_id}",
        headers={"X-API-Key": other_partner.api_key},
    )
    assert theirs.json()["brand_name"] != "Stolen"


async def test_revoked_key_is_refused_alike(
    app: Litestar, client: httpx.AsyncClient, partner: PartnerCreds
) -> None:
    own = f"/api/v2/partners/{partner.partner_id}"
    created = await client.post(
        f"{own}/api_keys", headers={"X-API-Key": partner.api_key}, json={"name": "spare"}
    )
    assert created.status_code == 201, created.text
    spare = created.json()
    spare_key = spare["api_key"]
    assert (await client.get(own, headers={"X-API-Key": spare_key})).status_code == 200
    deleted = await client.delete(
        f"{own}/api_keys/{spare['id']}", headers={"X-API-Key": partner.api_key}
    )
    assert deleted.status_code in (200, 204), deleted.text
    hot, routed = await _both(app, client, "GET", own, {"X-API-Key": spare_key})
    assert hot.status_code == 401
    assert comparable(hot) == comparable(routed)


class TestBudget:
    """With a per-key budget small enough to run out of (hub mode's default is 6000 a minute)."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"api_rate_limit_per_minute": 4})

    async def test_the_budget_is_spent_and_refused_alike(
        self, app: Litestar, client: httpx.AsyncClient, partner: PartnerCreds
    ) -> None:
        own = f"/api/v2/partners/{partner.partner_id}"
        key = {"X-API-Key": partner.api_key}
        answers = []
        for _ in range(3):
            hot, routed = await _both(app, client, "GET", own, key)
            answers += [hot.status_code, routed.status_code]
        # Both paths spend the same budget: 4 allowed, then refused with Retry-After.
        assert answers[:4] == [200, 200, 200, 200] and answers[4:] == [429, 429]
        assert comparable(hot) == comparable(routed)
        assert hot.headers["retry-after"]


async def test_mm_lite_answers_as_the_routed_handler(
    app: Litestar, client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver
) -> None:
    """``POST /marketing_messages``: its refusals, before and after the terms are accepted."""
    channel, key = await ready_channel(client, partner, receiver)
    template = {
        "messaging_product": "whatsapp",
        "to": CUSTOMER,
        "type": "template",
        "template": {"name": "no_such_template", "language": {"code": "en"}},
    }
    text = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "x"}}
    cases: list[tuple[str, dict[str, str], str]] = [
        ("/marketing_messages", {}, json.dumps(template)),
        ("/marketing_messages", {"D360-API-KEY": "nope"}, json.dumps(template)),
        ("/marketing_messages", {"X-API-Key": partner.api_key}, json.dumps(template)),
        ("/marketing_messages", key, ""),
        ("/marketing_messages", key, "{"),
        ("/marketing_messages", key, json.dumps(text)),
        ("/marketing_messages/", key, json.dumps(template)),
    ]
    accept = f"/_emulator/waba_accounts/{channel['waba_account_id']}/mm_lite_terms"
    for accepted in (False, True):
        if accepted:
            done = await client.post(accept, headers=EMULATOR, json={"accepted": True})
            assert done.status_code < 300, done.text
        for path, headers, body in cases:
            hot, routed = await _both(app, client, "POST", path, headers, body)
            assert hot.status_code >= 400
            assert comparable(hot) == comparable(routed), (accepted, path, headers, body)
