"""Channel API keys (spec §2.3) and the Messaging API's key separation and webhook config.

Real app, real database: who may generate a key and when, what a new key revokes, and that
partner credentials and channel keys are never interchangeable.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.messaging import generate, keys_path, running_channel, set_messaging_webhook

Client = httpx.AsyncClient


async def test_generate_answers_the_spec_shape_and_lists_masked(
    client: Client, partner: PartnerCreds
) -> None:
    channel = await running_channel(client, partner)
    key = await generate(client, partner, channel["channel_id"])
    assert set(key) == {"id", "address", "api_key", "app_id"}
    assert key["address"] == "http://partnerhub.test"
    assert len(key["api_key"]) == 32 and key["api_key"].isalnum()
    assert key["app_id"].isdigit()

    listed = await client.get(keys_path(partner, channel["channel_id"]), headers=partner.headers)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == body["count"] == 1
    (shown,) = body["api_keys"]
    assert shown["id"] == key["id"] and shown["app_id"] == key["app_id"]
    assert shown["api_key"] != key["api_key"] and shown["api_key"].endswith("*" * 20)
    assert key["api_key"] not in listed.text


async def test_too_early_refused_with_the_reason(client: Client, partner: PartnerCreds) -> None:
    response = await client.post(
        "/_emulator/onboard",
        headers=EMULATOR,
        json={
            "partner_id": partner.partner_id,
            "client": {"name": "Early", "email": "early@pizza.example"},
            "phone_numbers": ["+4915100000001"],
        },
    )
    channel_id = response.json()["channel_ids"][0]
    refused = await client.post(keys_path(partner, channel_id), headers=partner.headers)
    assert refused.status_code == 400
    meta = refused.json()["meta"]
    assert "running" in meta["developer_message"] and "'created'" in meta["developer_message"]
    assert any(d.startswith("channel_id:") for d in meta["details"])


async def test_direct_paid_without_permission_refused(
    client: Client, partner: PartnerCreds, state: AppState
) -> None:
    async with state.uow() as uow:
        stored = await uow.partners.get(partner.partner_id)
        assert stored is not None
        stored.billing_model = "direct"
        await uow.commit()
    channel = await running_channel(client, partner, grant_permission=False)
    refused = await client.post(keys_path(partner, channel["channel_id"]), headers=partner.headers)
    assert refused.status_code == 403, refused.text
    assert "permission" in refused.json()["meta"]["developer_message"]


async def test_new_key_revokes_the_old_one_and_clears_the_webhook(
    client: Client, partner: PartnerCreds
) -> None:
    channel = await running_channel(client, partner)
    first = await generate(client, partner, channel["channel_id"])
    await set_messaging_webhook(client, first["api_key"], "https://hooks.example/wa")
    got = await client.get("/v1/configs/webhook", headers={"D360-API-KEY": first["api_key"]})
    assert got.json() == {"url": "https://hooks.example/wa", "headers": {}}

    second = await generate(client, partner, channel["channel_id"])
    old = await client.get("/v1/configs/webhook", headers={"D360-API-KEY": first["api_key"]})
    assert old.status_code == 401
    assert old.json()["error"]["code"] == 0
    new = await client.get("/v1/configs/webhook", headers={"D360-API-KEY": second["api_key"]})
    assert new.status_code == 200
    assert new.json() == {"url": None, "headers": {}}
    listed = await client.get(keys_path(partner, channel["channel_id"]), headers=partner.headers)
    assert [k["id"] for k in listed.json()["api_keys"]] == [second["id"]]


async def test_revoke_all_and_one(client: Client, partner: PartnerCreds) -> None:
    channel = await running_channel(client, partner)
    key = await generate(client, partner, channel["channel_id"])
    path = keys_path(partner, channel["channel_id"])
    missing = await client.delete(f"{path}/nope", headers=partner.headers)
    assert missing.status_code == 404
    gone = await client.delete(f"{path}/{key['id']}", headers=partner.headers)
    assert gone.status_code == 200
    assert gone.json()["count"] == 1 and gone.json()["revoked"][0]["id"] == key["id"]
    refused = await client.get("/v1/configs/webhook", headers={"D360-API-KEY": key["api_key"]})
    assert refused.status_code == 401

    again = await generate(client, partner, channel["channel_id"])
    revoked_all = await client.delete(path, headers=partner.headers)
    assert revoked_all.status_code == 200
    assert [k["id"] for k in revoked_all.json()["revoked"]] == [again["id"]]
    refused = await client.get("/v1/configs/webhook", headers={"D360-API-KEY": again["api_key"]})
    assert refused.status_code == 401
    assert (await client.get(path, headers=partner.headers)).json()["total"] == 0
    # Nothing left to revoke: still 200, with an empty list.
    none_left = await client.delete(path, headers=partner.headers)
    assert none_left.status_code == 200
    assert none_left.json()["count"] == 0 and none_left.json()["revoked"] == []


async def test_revoking_every_key_answers_json_naming_what_was_revoked(
    client: Client, partner: PartnerCreds
) -> None:
    """A client that parses every answer as JSON (issue 14 item 4): the exact DELETE it sends,
    no body, answered 200 with a JSON body describing the revoked keys, secrets masked."""
    channel = await running_channel(client, partner)
    key = await generate(client, partner, channel["channel_id"])
    listed = await client.get(keys_path(partner, channel["channel_id"]), headers=partner.headers)
    masked = listed.json()["api_keys"][0]["api_key"]
    response = await client.request(
        "DELETE",
        keys_path(partner, channel["channel_id"]),
        headers={**partner.headers, "Accept": "application/json"},
        content=b"",
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["meta"] == {
        "success": True,
        "http_code": 200,
        "developer_message": "1 API key revoked",
        "details": [],
    }
    assert body["channel_id"] == channel["channel_id"] and body["count"] == 1
    (revoked,) = body["revoked"]
    assert revoked["id"] == key["id"] and revoked["app_id"] == key["app_id"]
    assert revoked["api_key"] == masked and key["api_key"] not in response.text
    assert revoked["created_at"].endswith("Z") and revoked["revoked_at"].endswith("Z")
    assert (
        await client.get("/v1/configs/webhook", headers={"D360-API-KEY": key["api_key"]})
    ).status_code == 401


async def test_keys_are_never_interchangeable(client: Client, partner: PartnerCreds) -> None:
    channel = await running_channel(client, partner)
    key = await generate(client, partner, channel["channel_id"])
    token = await client.post(
        "/api/v2/token", json={"username": partner.email, "password": partner.password}
    )
    bearer = token.json()["access_token"]

    # Partner credentials on the Messaging API: 401 in the Graph shape.
    for headers in (
        {"D360-API-KEY": partner.api_key},
        {"X-API-Key": partner.api_key},
        {"Authorization": f"Bearer {bearer}"},
        {"D360-API-KEY": bearer},
        {},
    ):
        response = await client.get("/v1/configs/webhook", headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["error"]["type"] == "OAuthException"
        sent = await client.post(
            "/messages", headers=headers, json={"to": "491511", "type": "text"}
        )
        assert sent.status_code == 401

    # A channel key on the Partner API: 401 in the meta envelope.
    for headers in (
        {"X-API-Key": key["api_key"]},
        {"Authorization": f"Bearer {key['api_key']}"},
        {"D360-API-KEY": key["api_key"]},
    ):
        response = await client.get(f"/api/v2/partners/{partner.partner_id}", headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["meta"]["http_code"] == 401


async def test_other_partners_channels_are_not_found(
    client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    channel = await running_channel(client, partner)
    theirs = keys_path(other_partner, channel["channel_id"])
    for method in ("POST", "GET", "DELETE"):
        response = await client.request(method, theirs, headers=other_partner.headers)
        assert response.status_code == 404, (method, response.text)
        forbidden = await client.request(
            method, keys_path(partner, channel["channel_id"]), headers=other_partner.headers
        )
        assert forbidden.status_code == 403, (method, forbidden.text)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://x.example/"}, "webhook_url"),
        ({"url": "https://x.example/", "headers": {"bad header": "1"}}, "headers.bad header"),
        ({"url": "https://x.example/", "headers": {"webhook-id": "1"}}, "headers.webhook-id"),
        ({"url": "https://x.example/", "extra": 1}, "extra"),
        ({"url": 5}, "url"),
    ],
)
async def test_messaging_webhook_refuses_bad_input_naming_the_field(
    client: Client, partner: PartnerCreds, body: dict[str, Any], field: str
) -> None:
    channel = await running_channel(client, partner)
    key = await generate(client, partner, channel["channel_id"])
    response = await client.post(
        "/v1/configs/webhook", headers={"D360-API-KEY": key["api_key"]}, json=body
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == 100
    assert field in error["error_data"]["details"]


async def test_messaging_webhook_headers_are_masked_when_read(
    client: Client, partner: PartnerCreds
) -> None:
    channel = await running_channel(client, partner)
    key = await generate(client, partner, channel["channel_id"])
    await set_messaging_webhook(
        client, key["api_key"], "https://hooks.example/wa", headers={"Authorization": "Bearer s"}
    )
    got = await client.get("/v1/configs/webhook", headers={"D360-API-KEY": key["api_key"]})
    assert got.json() == {"url": "https://hooks.example/wa", "headers": {"Authorization": "****"}}
    cleared = await client.post(
        "/v1/configs/webhook", headers={"D360-API-KEY": key["api_key"]}, json={"url": None}
    )
    assert cleared.json() == {"url": None, "headers": {}}


async def test_generation_is_rate_limited(
    client: Client, partner: PartnerCreds, state: AppState
) -> None:
    channel = await running_channel(client, partner)
    limit = state.settings.channel_key_generate_per_minute
    for _ in range(limit):
        await generate(client, partner, channel["channel_id"])
    refused = await client.post(keys_path(partner, channel["channel_id"]), headers=partner.headers)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
