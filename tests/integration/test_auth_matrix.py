"""Every Partner API route against every way credentials can be wrong: exact status and body.

401 = the caller is not identified; 403 = identified, but it is someone else's partner id.
Nothing is changed by a refused request, and no body leaks another partner's data.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import jwt
import pytest

from partnerhub.domain.keys import secrets as key_secrets
from partnerhub.server.state import AppState
from tests.conftest import JWT_SECRET, PartnerCreds, make_partner
from tests.helpers.api import assert_error

Client = httpx.AsyncClient

# (method, path under /api/v2/partners/{pid}, json body)
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "", None),
    ("PATCH", "", {"brand_name": "Hijacked"}),
    ("GET", "/webhook_url", None),
    ("POST", "/webhook_url", {"webhook_url": "https://attacker.example/hook"}),
    ("PATCH", "/settings/partner_change_request", {"auto_approve": True}),
    ("GET", "/api_keys", None),
    ("POST", "/api_keys", {"name": "attacker"}),
    ("DELETE", "/api_keys/{key_id}", None),
    ("GET", "/clients", None),
    ("GET", "/channels", None),
    ("GET", "/balance", None),
    ("POST", "/account_sharing/clients", {"name": "Intruder Inc", "email": "x@intruder.example"}),
]
ROUTE_IDS = [f"{m} {p or '/'}" for m, p, _ in ROUTES]
# Routes about one object: refused before the object is even looked up, so made-up ids do.
OBJECT_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/channels/someCH/api_keys", None),
    ("GET", "/channels/someCH/api_keys", None),
    ("DELETE", "/channels/someCH/api_keys", None),
    ("DELETE", "/channels/someCH/api_keys/someCK", None),
    ("GET", "/waba_accounts/someWA/waba_templates", None),
    ("POST", "/waba_accounts/someWA/waba_templates", {"name": "x", "language": "en"}),
    ("DELETE", "/waba_accounts/someWA/waba_templates/x", None),
    ("GET", "/waba_accounts/someWA", None),
    ("PATCH", "/clients/someCL", {"max_channels": 1}),
    ("GET", "/clients/someCL/info/balance", None),
    ("GET", "/clients/someCL/channels/someCH/info/usage", None),
    ("POST", "/clients/someCL/channels/someCH/control/cancellation_request", {"enabled": True}),
]
ALL_ROUTES = ROUTES + OBJECT_ROUTES
ALL_ROUTE_IDS = ROUTE_IDS + [f"{m} {p}" for m, p, _ in OBJECT_ROUTES]


def _token(partner_id: str, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": "partnerhub",
        "sub": "someUS",
        "partner_id": partner_id,
        "fam": "someTF",
        "jti": "x",
        "iat": now,
        "exp": now + 3600,
        **overrides,
    }
    secret = overrides.pop("_secret", JWT_SECRET)
    claims.pop("_secret", None)
    return jwt.encode(claims, secret, algorithm="HS256")


async def _revoked_key(client: Client, me: PartnerCreds) -> str:
    base = f"/api/v2/partners/{me.partner_id}/api_keys"
    created = (await client.post(base, headers=me.headers, json={"name": "doomed"})).json()
    await client.delete(f"{base}/{created['id']}", headers=me.headers)
    return str(created["api_key"])


async def _replayed_family_token(client: Client, me: PartnerCreds) -> str:
    pair = (
        await client.post("/api/v2/token", json={"username": me.email, "password": me.password})
    ).json()
    await client.post("/api/v2/token", json={"refresh_token": pair["refresh_token"]})
    await client.post("/api/v2/token", json={"refresh_token": pair["refresh_token"]})  # reuse
    return str(pair["access_token"])


async def _tampered_token(client: Client, me: PartnerCreds) -> str:
    pair = (
        await client.post("/api/v2/token", json={"username": me.email, "password": me.password})
    ).json()
    header, payload, signature = pair["access_token"].split(".")
    flipped = "A" if signature[5] != "A" else "B"
    return f"{header}.{payload}.{signature[:5]}{flipped}{signature[6:]}"


HeaderMaker = Callable[[Client, PartnerCreds, PartnerCreds], Awaitable[dict[str, str]]]


async def _none(c: Client, me: PartnerCreds, other: PartnerCreds) -> dict[str, str]:
    return {}


async def _garbage(c: Client, me: PartnerCreds, other: PartnerCreds) -> dict[str, str]:
    return {"X-API-Key": "garbage"}


async def _unknown_well_formed(c: Client, me: PartnerCreds, other: PartnerCreds) -> dict[str, str]:
    return {"X-API-Key": key_secrets.generate()}


async def _revoked(c: Client, me: PartnerCreds, other: PartnerCreds) -> dict[str, str]:
    return {"X-API-Key": await _revoked_key(c, me)}


async def _other_key(c: Client, me: PartnerCreds, other: PartnerCreds) -> dict[str, str]:
    return other.headers


async def _other_token(c: Client, me: PartnerCreds, other: PartnerCreds) -> dict[str, str]:
    pair = (
        await c.post("/api/v2/token", json={"username": other.email, "password": other.password})
    ).json()
    return {"Authorization": f"Bearer {pair['access_token']}"}


async def _expired(c: Client, me: PartnerCreds, other: PartnerCreds) -> dict[str, str]:
    past = int(time.time()) - 10
    return {"Authorization": f"Bearer {_token(me.partner_id, iat=past - 86400, exp=past)}"}


async def _tampered(c: Client, me: PartnerCreds, other: PartnerCreds) -> dict[str, str]:
    return {"Authorization": f"Bearer {await _tampered_token(c, me)}"}


async def _forged(c: Client, me: PartnerCreds, other: PartnerCreds) -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(me.partner_id, _secret='not-the-server-secret' * 3)}"}


async def _alg_none(c: Client, me: PartnerCreds, other: PartnerCreds) -> dict[str, str]:
    unsigned = jwt.encode({"partner_id": me.partner_id, "sub": "x"}, key=None, algorithm="none")
    return {"Authorization": f"Bearer {unsigned}"}


async def _reused_refresh(c: Client, me: PartnerCreds, other: PartnerCreds) -> dict[str, str]:
    return {"Authorization": f"Bearer {await _replayed_family_token(c, me)}"}


async def _basic(c: Client, me: PartnerCreds, other: PartnerCreds) -> dict[str, str]:
    return {"Authorization": "Basic dXNlcjpwYXNz"}


SCENARIOS: list[tuple[str, HeaderMaker, int]] = [
    ("no credentials", _none, 401),
    ("garbage key", _garbage, 401),
    ("unknown well-formed key", _unknown_well_formed, 401),
    ("revoked key", _revoked, 401),
    ("another partner's key", _other_key, 403),
    ("another partner's token", _other_token, 403),
    ("expired token", _expired, 401),
    ("tampered token", _tampered, 401),
    ("token signed with another secret", _forged, 401),
    ("unsigned alg=none token", _alg_none, 401),
    ("token of a family revoked by refresh reuse", _reused_refresh, 401),
    ("basic auth", _basic, 401),
]


@pytest.mark.parametrize(("method", "path", "body"), ALL_ROUTES, ids=ALL_ROUTE_IDS)
@pytest.mark.parametrize(
    ("_name", "make_headers", "status"), SCENARIOS, ids=[s[0] for s in SCENARIOS]
)
async def test_refused(
    client: Client,
    state: AppState,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    _name: str,
    make_headers: HeaderMaker,
    status: int,
) -> None:
    me = await make_partner(state, "Victim")
    other = await make_partner(state, "Intruder")
    headers = await make_headers(client, me, other)
    url = f"/api/v2/partners/{me.partner_id}{path.format(key_id=me.key_id)}"
    before = (await client.get(f"/api/v2/partners/{me.partner_id}", headers=me.headers)).json()
    keys_before = (
        await client.get(f"/api/v2/partners/{me.partner_id}/api_keys", headers=me.headers)
    ).json()["total"]

    response = await client.request(method, url, headers=headers, json=body)

    meta = assert_error(response, status)
    assert set(response.json()) == {"meta"}
    assert me.api_key not in response.text and other.api_key not in response.text
    if status == 401:
        assert "www-authenticate" in response.headers
    after = (await client.get(f"/api/v2/partners/{me.partner_id}", headers=me.headers)).json()
    assert after == before, "a refused request changed the partner"
    keys_after = (
        await client.get(f"/api/v2/partners/{me.partner_id}/api_keys", headers=me.headers)
    ).json()["total"]
    assert keys_after == keys_before, "a refused request created or revoked a key"
    assert meta["http_code"] == status


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=ROUTE_IDS)
async def test_allowed_with_key_and_with_token(
    client: Client,
    state: AppState,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    for use_token in (False, True):
        me = await make_partner(state, "Owner")
        headers = me.headers
        if use_token:
            pair = (
                await client.post(
                    "/api/v2/token", json={"username": me.email, "password": me.password}
                )
            ).json()
            headers = {"Authorization": f"Bearer {pair['access_token']}"}
        url = f"/api/v2/partners/{me.partner_id}{path.format(key_id=me.key_id)}"
        response = await client.request(method, url, headers=headers, json=body)
        assert response.status_code in (200, 201, 204), response.text


async def test_unknown_partner_id_is_403_not_404(client: Client, partner: PartnerCreds) -> None:
    response = await client.get("/api/v2/partners/doesNotExistPA", headers=partner.headers)
    assert_error(response, 403)
