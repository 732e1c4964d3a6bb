"""Partner API keys as an API: create (secret shown once), list, revoke (spec §2.1, [ours])."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text

from partnerhub.server.state import AppState
from tests.conftest import PartnerCreds
from tests.helpers.api import assert_error

Client = httpx.AsyncClient


async def test_create_shows_the_secret_once_and_it_works(
    client: Client, partner: PartnerCreds
) -> None:
    base = f"/api/v2/partners/{partner.partner_id}/api_keys"
    created = await client.post(base, headers=partner.headers, json={"name": "Prod Server"})
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "name", "prefix", "created_at", "last_used_at", "api_key"}
    assert body["name"] == "Prod Server" and body["last_used_at"] is None
    assert body["api_key"].startswith(body["prefix"]) and len(body["api_key"]) >= 40
    assert body["created_at"].endswith("Z")

    new_headers = {"X-API-Key": body["api_key"]}
    assert (
        await client.get(f"/api/v2/partners/{partner.partner_id}", headers=new_headers)
    ).status_code == 200

    listed = await client.get(base, headers=partner.headers)
    assert listed.status_code == 200
    page = listed.json()
    assert set(page) == {"limit", "offset", "sort", "total", "count", "filters", "api_keys"}
    assert page["total"] == 2 and page["count"] == 2
    assert body["api_key"] not in listed.text  # never the secret again
    for key in page["api_keys"]:
        assert set(key) == {"id", "name", "prefix", "created_at", "last_used_at"}


async def test_secret_is_stored_only_as_a_digest(
    client: Client, partner: PartnerCreds, state: AppState
) -> None:
    async with state.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM partner_api_keys"))).all()
    dump = repr(rows)
    assert partner.api_key not in dump
    assert partner.api_key[12:] not in dump  # not even the random part


async def test_revoked_key_fails_on_the_very_next_request(
    client: Client, partner: PartnerCreds
) -> None:
    info = f"/api/v2/partners/{partner.partner_id}"
    extra = await client.post(f"{info}/api_keys", headers=partner.headers, json={"name": "temp"})
    temp = {"X-API-Key": extra.json()["api_key"]}
    for _ in range(3):  # warm every cache on the way
        assert (await client.get(info, headers=temp)).status_code == 200
    deleted = await client.delete(f"{info}/api_keys/{extra.json()['id']}", headers=partner.headers)
    assert deleted.status_code == 204
    assert_error(await client.get(info, headers=temp), 401)
    listed = (await client.get(f"{info}/api_keys", headers=partner.headers)).json()
    assert extra.json()["id"] not in [k["id"] for k in listed["api_keys"]]


async def test_a_key_can_revoke_itself(client: Client, partner: PartnerCreds) -> None:
    info = f"/api/v2/partners/{partner.partner_id}"
    assert (await client.get(info, headers=partner.headers)).status_code == 200
    response = await client.delete(f"{info}/api_keys/{partner.key_id}", headers=partner.headers)
    assert response.status_code == 204
    assert_error(await client.get(info, headers=partner.headers), 401)


async def test_revoking_twice_or_unknown_is_404(client: Client, partner: PartnerCreds) -> None:
    base = f"/api/v2/partners/{partner.partner_id}/api_keys"
    extra = (await client.post(base, headers=partner.headers, json={"name": "x"})).json()
    assert (
        await client.delete(f"{base}/{extra['id']}", headers=partner.headers)
    ).status_code == 204
    assert_error(await client.delete(f"{base}/{extra['id']}", headers=partner.headers), 404)
    assert_error(await client.delete(f"{base}/nopeAK", headers=partner.headers), 404)


async def test_another_partners_key_id_is_404_and_untouched(
    client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    response = await client.delete(
        f"/api/v2/partners/{partner.partner_id}/api_keys/{other_partner.key_id}",
        headers=partner.headers,
    )
    assert_error(response, 404)
    still = await client.get(
        f"/api/v2/partners/{other_partner.partner_id}", headers=other_partner.headers
    )
    assert still.status_code == 200


async def test_listing_pages_sorts_and_filters(client: Client, partner: PartnerCreds) -> None:
    base = f"/api/v2/partners/{partner.partner_id}/api_keys"
    for name in ("alpha", "bravo", "charlie"):
        await client.post(base, headers=partner.headers, json={"name": name})
    page = (
        await client.get(base, headers=partner.headers, params={"limit": 2, "sort": "name"})
    ).json()
    assert page["total"] == 4 and page["count"] == 2 and page["limit"] == 2
    assert [k["name"] for k in page["api_keys"]] == ["alpha", "bravo"]
    assert page["sort"] == ["name"]
    second = (
        await client.get(
            base, headers=partner.headers, params={"limit": 2, "offset": 2, "sort": "name"}
        )
    ).json()
    assert [k["name"] for k in second["api_keys"]] == ["charlie", "test"]
    desc = (await client.get(base, headers=partner.headers, params={"sort": "-name"})).json()
    assert desc["api_keys"][0]["name"] == "test"
    filtered = (
        await client.get(base, headers=partner.headers, params={"filters": '{"name": "bravo"}'})
    ).json()
    assert filtered["total"] == 1 and filtered["filters"] == {"name": "bravo"}
    assert_error(
        await client.get(base, headers=partner.headers, params={"limit": "-1"}), 400, "limit"
    )
    assert_error(
        await client.get(base, headers=partner.headers, params={"limit": "x"}), 400, "limit"
    )
    assert_error(
        await client.get(base, headers=partner.headers, params={"sort": "secret_digest"}),
        400,
        "sort",
    )
    assert_error(
        await client.get(
            base, headers=partner.headers, params={"filters": '{"secret_digest": "a"}'}
        ),
        400,
        "filters",
    )


async def test_create_validates_the_name(client: Client, partner: PartnerCreds) -> None:
    base = f"/api/v2/partners/{partner.partner_id}/api_keys"
    assert_error(await client.post(base, headers=partner.headers, json={}), 400, "name")
    assert_error(await client.post(base, headers=partner.headers, json={"name": "  "}), 400, "name")
    assert_error(await client.post(base, headers=partner.headers, json={"name": 5}), 400, "name")
    assert_error(
        await client.post(base, headers=partner.headers, json={"name": "x" * 300}), 400, "name"
    )


async def test_last_used_at_is_recorded(
    client: Client, partner: PartnerCreds, state: AppState
) -> None:
    await client.get(f"/api/v2/partners/{partner.partner_id}", headers=partner.headers)
    await state.authenticator.drain()
    await asyncio.sleep(0)
    listed = (
        await client.get(f"/api/v2/partners/{partner.partner_id}/api_keys", headers=partner.headers)
    ).json()
    mine = next(k for k in listed["api_keys"] if k["id"] == partner.key_id)
    assert mine["last_used_at"] is not None and mine["last_used_at"].endswith("Z")
