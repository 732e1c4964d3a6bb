"""``/_emulator/seed`` and ``/_emulator/state``: a known world in, the same world out."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx

from partnerhub.domain.keys import secrets
from tests.helpers.api import assert_error
from tests.helpers.clock import advance, eventually
from tests.helpers.world import KEY, fixture, seed, state
from tests.receiver import Receiver

Client = httpx.AsyncClient


async def test_seed_builds_a_world_the_api_serves(client: Client) -> None:
    response = await seed(client, fixture())
    assert response.status_code == 200, response.text
    assert response.json()["seeded"] == {
        "partners": 2,
        "users": 2,
        "api_keys": 1,
        "clients": 2,
        "waba_accounts": 2,
        "channels": 3,
        "waba_templates": 0,
    }
    headers = {"X-API-Key": KEY}
    partner = (await client.get("/api/v2/partners/demoPA", headers=headers)).json()
    assert partner["brand_name"] == "Demo Hub"
    assert partner["partner_redirect_url"] == "https://partner.example/done"
    token = await client.post(
        "/api/v2/token", json={"username": "ops@demo.example", "password": "demo-password-1"}
    )
    assert token.status_code == 200, token.text
    listed = (
        await client.get("/api/v2/partners/demoPA/channels", headers=headers, params={"sort": "id"})
    ).json()
    assert listed["total"] == 2  # not the other partner's number
    assert [c["id"] for c in listed["partner_channels"]] == ["liveCH", "newCH"]
    live, new = listed["partner_channels"]
    assert live["status"] == "live" and live["permission"] is True
    assert live["billing_started_at"] == "2026-01-01T10:00:00Z"
    assert new["status"] == "created" and new["permission"] is False
    assert live["waba_account"]["id"] == "pizzaWA"
    by_status = await client.get(
        "/api/v2/partners/demoPA/channels",
        headers=headers,
        params={"filters": json.dumps({"status": "created"})},
    )
    assert by_status.json()["total"] == 1
    assert (await client.get("/api/v2/partners/otherPA", headers=headers)).status_code == 403
    waba = (
        await client.get("/api/v2/partners/demoPA/waba_accounts/pizzaWA", headers=headers)
    ).json()
    assert waba["client_id"] == "pizzaCL" and waba["external_id"].isdigit()


def without_times(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Without what legitimately differs between two seeds: times, and salted password hashes."""
    times = {"created_at", "modified_at", "billing_started_at", "login"}
    return [{k: v for k, v in item.items() if k not in times} for item in items]


async def test_state_round_trips_and_is_deterministic(client: Client) -> None:
    assert (await seed(client, fixture())).status_code == 200
    first = await state(client)
    assert "key" not in json.dumps(first["partners"][0]["api_keys"][0]).replace("key_sha256", "")
    assert first["partners"][0]["api_keys"][0]["key_sha256"] == secrets.digest(KEY)
    assert first["partners"][0]["users"][0]["password_hash"].startswith("$argon2")
    assert "password" not in first["partners"][0]["users"][0]
    assert first["clients"][0]["login"]["email"] == "owner@pizza.example"
    gone = next(u for u in first["partners"][0]["users"] if u["email"] == "gone@demo.example")
    assert gone["disabled_at"] == "2026-01-01T00:00:00Z"  # a re-seed keeps them disabled
    assert first["clients"][0]["login"]["password_hash"].startswith("$argon2")
    # The same fixture gives the same world, derived ids included (times it leaves out default
    # to the moment of seeding).
    await advance(client, 5)
    assert (await seed(client, fixture())).status_code == 200
    again = await state(client)
    for group in ("clients", "waba_accounts", "channels"):
        assert without_times(again[group]) == without_times(first[group]), group
    # An export seeds back to itself, and the hashed key and password still work.
    assert (await seed(client, first)).status_code == 200
    assert await state(client) == first
    assert (
        await client.get("/api/v2/partners/demoPA", headers={"X-API-Key": KEY})
    ).status_code == 200
    token = await client.post(
        "/api/v2/token", json={"username": "ops@demo.example", "password": "demo-password-1"}
    )
    assert token.status_code == 200


async def test_a_bad_fixture_names_the_field_and_changes_nothing(client: Client) -> None:
    assert (await seed(client, fixture())).status_code == 200
    before = await state(client)
    cases: list[tuple[str, Any, str]] = [
        ("clients.0.partner_id", "ghostPA", "clients[0].partner_id"),
        ("channels.1.phone_number", "+4915100001001", "channels[1].phone_number"),
        ("channels.0.phone_number", "12", "channels[0].phone_number"),
        ("channels.0.status", "flying", "channels[0].status"),
        ("channels.2.waba_account_id", "pizzaWA", "channels[2].waba_account_id"),
        ("clients.0.id", "pizzaXX", "clients[0].id"),
        ("clients.1.id", "pizzaCL", "clients[1].id"),
        ("partners.0.api_keys.0.key", "ph_test_nope", "partners[0].api_keys[0].key"),
        ("partners.0.billing_model", "free", "partners[0].billing_model"),
        ("partners.0.webhook_url", "ftp://x", "partners[0].webhook_url"),
        ("clients.0.max_channels", 1, "channels[1].client_id"),
        ("channels.0.created_at", "yesterday", "channels[0].created_at"),
        ("partners.0.users.0.password", "short", "partners[0].users[0].password"),
        ("partners.0.surprise", True, "partners[0].surprise"),
        ("partners.0.currency", "euro", "partners[0].currency"),
        ("clients.1.balance", 3, "clients[1].balance"),  # a partner-paid hub's client
        ("clients.0.status", "s" * 40, "clients[0].status"),
        ("channels.0.phone_name", "n" * 300, "channels[0].phone_name"),
        ("waba_accounts.0.timezone_id", "123456789", "waba_accounts[0].timezone_id"),
        ("channels.0.version", 2**40, "channels[0].version"),
        ("partners.0.created_at", "0001-01-01T00:00:00+05:00", "partners[0].created_at"),
        ("clients.0.login.password", "short-pwd", "clients[0].login.password"),
        ("partners.0.last_renewal_at", "2026-01-01T00:00:00Z", "partners[0].last_renewal_at"),
        ("clients.1.last_renewal_amount", 5, "clients[1].last_renewal_at"),
        ("partners.0.previous_platform_secret_nonce", "ab" * 8, "previous_platform_secret"),
        ("partners.0.users.0.created_at", "yesterday", "partners[0].users[0].created_at"),
    ]
    for path, value, field in cases:
        document = copy.deepcopy(fixture())
        target: Any = document
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
        assert_error(
            await seed(client, document),
            400,
            field.replace("[", "").replace("]", "") if False else None,
        )
        meta = (await seed(client, document)).json()["meta"]
        assert (
            any(field in detail for detail in meta["details"])
            or field.split(".")[-1] in meta["developer_message"]
        ), (path, meta)
    assert_error(await seed(client, {"version": 3}), 400, "version")
    assert_error(await seed(client, []), 400)  # type: ignore[arg-type]
    assert await state(client) == before


async def test_meta_ids_are_unique_in_a_seed(client: Client) -> None:
    """Meta's WABA ids, and the phone-number ids of channels in use, are unique (the database's
    indexes, migration 0031): a seed repeating one is refused naming it, not a 500."""
    twice = copy.deepcopy(fixture())
    for waba in twice["waba_accounts"]:
        waba["external_id"] = "123456789012345"
    assert_error(await seed(client, twice), 400, "waba_accounts[1].external_id")
    twice = copy.deepcopy(fixture())
    for channel in twice["channels"][:2]:
        channel["external_id"] = "223456789012345"
    assert_error(await seed(client, twice), 400, "channels[1].external_id")


async def test_seeded_numbers_in_review_move_on_and_emit_events(
    client: Client, receiver: Receiver
) -> None:
    assert (await seed(client, fixture(webhook_url=receiver.url))).status_code == 200
    await advance(client, 60)  # the suite's step length
    await eventually(lambda: any(b"channel_submitted" in r.body for r in receiver.requests))
    sent = [json.loads(r.body) for r in receiver.requests]
    assert [e["event"] for e in sent] == ["channel_submitted"]  # seeding itself emits nothing
    assert sent[0]["data"]["id"] == "newCH"


async def test_emulator_token_required(client: Client) -> None:
    assert_error(await client.post("/_emulator/seed", json=fixture()), 401)
    assert_error(await client.get("/_emulator/state"), 401)
