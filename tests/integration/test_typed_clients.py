"""Issue 14 (items 2-5, 10): the exact requests a published typed partner client sends, replayed
byte for byte over HTTP, and every field such a client reads from the answers.

The client is the .NET partner client (yuenkik6/WABA360Dialog.NET, docs/fidelity.md): it
serialises every member of its filter classes, ``null`` for those the caller left unset, sends
``"max_channels": null`` whenever only ``partner_payload`` is set, parses every answer as JSON
and reads non-nullable dates (``terminated_at`` of a cancellation) and numbers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.api import assert_error
from tests.helpers.billing import set_partner_balance
from tests.helpers.clients import onboard
from tests.helpers.templates import create, simple

Client = httpx.AsyncClient


def with_filters(path: str, raw_json: str) -> str:
    """The URL as the client builds it: the filter JSON, as serialised, URL-encoded."""
    return f"{path}?limit=20&offset=0&sort=-&filters={quote(raw_json, safe='')}"


def is_time(value: Any) -> bool:
    return isinstance(value, str) and datetime.fromisoformat(value).tzinfo is not None


def assert_author(value: Any) -> None:
    assert isinstance(value, dict) and set(value) == {"user_id", "user_name"}
    assert all(isinstance(v, str) and v for v in value.values())


def assert_typed_channel(channel: dict[str, Any]) -> None:
    """Every field of the client's PartnerChannel, with the type it deserialises into."""
    assert isinstance(channel["id"], str) and isinstance(channel["client_id"], str)
    assert channel["account_mode"] in ("live", "sandbox")
    assert isinstance(channel["status"], str)
    assert channel["billing_started_at"] is None or is_time(channel["billing_started_at"])
    assert channel["terminated_at"] is None or is_time(channel["terminated_at"])
    assert {"id", "name", "partner_payload", "contact_info"} <= set(channel["client"])
    assert {"phone_number", "phone_name"} <= set(channel["setup_info"])
    assert {"id", "fb_account_status", "on_behalf_of_business_info"} <= set(channel["waba_account"])
    assert {"enabled", "app_id", "state"} <= set(channel["integration"])
    assert channel["has_inbox"] is False and channel["is_oba"] is False


async def test_channel_filters_with_every_key_present(
    client: Client, partner: PartnerCreds
) -> None:
    first = await onboard(client, partner, ["+4915100000101"], name="Alpha")
    await onboard(client, partner, ["+4915100000102"], name="Beta", email="beta@shop.example")
    channel_id = first["channel_ids"][0]
    path = f"/api/v2/partners/{partner.partner_id}/channels"

    raw = (
        f'{{"id":"{channel_id}","client_id":null,"account_mode":null,"status":null,'
        '"client.contact_info.email":null,"waba_account.fb_account_status":null}'
    )
    response = await client.get(with_filters(path, raw), headers=partner.headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert [c["id"] for c in page["partner_channels"]] == [channel_id]
    assert page["total"] == 1 and page["count"] == 1
    assert page["sort"] == [] and page["limit"] == 20 and page["offset"] == 0  # "sort=-"
    assert page["filters"] == {
        "id": channel_id,
        "client_id": None,
        "account_mode": None,
        "status": None,
        "client.contact_info.email": None,
        "waba_account.fb_account_status": None,
    }
    assert_typed_channel(page["partner_channels"][0])

    # Every key null: no condition at all.
    raw_all_null = (
        '{"id":null,"client_id":null,"account_mode":null,"status":null,'
        '"client.contact_info.email":null,"waba_account.fb_account_status":null}'
    )
    everything = (
        await client.get(with_filters(path, raw_all_null), headers=partner.headers)
    ).json()
    assert everything["total"] == 2

    # The nested keys with values: read from the channel's client and WABA.
    by_email = (
        await client.get(
            with_filters(path, '{"client.contact_info.email":"beta@shop.example"}'),
            headers=partner.headers,
        )
    ).json()
    assert [c["client"]["name"] for c in by_email["partner_channels"]] == ["Beta"]
    status = page["partner_channels"][0]["waba_account"]["fb_account_status"]
    by_status = (
        await client.get(
            with_filters(path, f'{{"waba_account.fb_account_status":"{status}"}}'),
            headers=partner.headers,
        )
    ).json()
    assert by_status["total"] == 2
    none = (
        await client.get(
            with_filters(path, '{"waba_account.fb_account_status":"account_banned"}'),
            headers=partner.headers,
        )
    ).json()
    assert none["total"] == 0

    # A key neither 360dialog nor a published client uses is still refused, by name.
    meta = assert_error(
        await client.get(with_filters(path, '{"colour":null}'), headers=partner.headers),
        400,
        "filters.colour",
    )
    assert "unknown filter 'colour'" in meta["developer_message"]


async def test_client_filters_with_every_key_present(client: Client, partner: PartnerCreds) -> None:
    first = await onboard(client, partner, ["+4915100000111"], name="Alpha")
    await onboard(client, partner, ["+4915100000112"], name="Beta")
    path = f"/api/v2/partners/{partner.partner_id}/clients"

    raw = f'{{"id":"{first["client_id"]}","name":null,"status":null,"organisation":null}}'
    response = await client.get(with_filters(path, raw), headers=partner.headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert [c["id"] for c in page["clients"]] == [first["client_id"]]
    assert page["filters"] == {
        "id": first["client_id"],
        "name": None,
        "status": None,
        "organisation": None,
    }
    listed = page["clients"][0]
    assert isinstance(listed["max_channels"], int) and listed["suspicious"] is False
    assert is_time(listed["created_at"]) and is_time(listed["modified_at"])
    assert_author(listed["created_by"])
    assert_author(listed["modified_by"])

    by_organisation = (
        await client.get(
            with_filters(path, '{"id":null,"name":null,"status":null,"organisation":"Beta"}'),
            headers=partner.headers,
        )
    ).json()
    assert [c["organisation"] for c in by_organisation["clients"]] == ["Beta"]


async def test_template_filters_with_every_key_present(
    client: Client, partner: PartnerCreds
) -> None:
    done = await onboard(client, partner, ["+4915100000121"])
    waba_id = done["waba_account_id"]
    alpha = await create(client, partner, waba_id, simple("alpha"))
    await create(client, partner, waba_id, simple("beta"))
    path = f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba_id}/waba_templates"

    raw = (
        '{"id":null,"partner_id":null,"waba_account_id":null,"name":"alpha","status":null,'
        '"language":null,"category":null,"rejected_reason":null,"namespace":null}'
    )
    response = await client.get(with_filters(path, raw), headers=partner.headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert [t["id"] for t in page["waba_templates"]] == [alpha["id"]]
    template = page["waba_templates"][0]
    assert template["waba_account_id"] == waba_id and isinstance(template["namespace"], str)
    assert is_time(template["created_at"]) and is_time(template["modified_at"])
    assert template["created_by"] == {"user_id": "partner", "user_name": partner.partner_id}
    assert template["modified_by"] == template["created_by"]

    for key, value, hits in [
        ("waba_account_id", waba_id, 2),
        ("namespace", template["namespace"], 2),
        ("rejected_reason", "INVALID_FORMAT", 0),
        ("name", "gamma", 0),
    ]:
        found = (
            await client.get(with_filters(path, f'{{"{key}":"{value}"}}'), headers=partner.headers)
        ).json()
        assert found["total"] == hits, key


async def test_patch_client_with_max_channels_null_keeps_the_limit(
    client: Client, partner: PartnerCreds
) -> None:
    done = await onboard(client, partner, ["+4915100000131"])
    path = f"/api/v2/partners/{partner.partner_id}/clients/{done['client_id']}"
    set_limit = await client.patch(path, headers=partner.headers, json={"max_channels": 7})
    assert set_limit.status_code == 200, set_limit.text

    response = await client.patch(
        path,
        headers={**partner.headers, "Content-Type": "application/json; charset=utf-8"},
        content=b'{"partner_payload":"crm-7","max_channels":null}',
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["partner_payload"] == "crm-7" and body["max_channels"] == 7
    assert body["id"] == done["client_id"] and isinstance(body["name"], str)
    assert isinstance(body["status"], str) and isinstance(body["organisation"], str)
    for group in ("meta_info", "contact_info", "contact_user"):
        assert isinstance(body[group], dict)
    assert is_time(body["created_at"]) and is_time(body["modified_at"])
    assert_author(body["created_by"])
    assert body["modified_by"] == {"user_id": "partner", "user_name": partner.partner_id}
    assert body["suspicious"] is False
    # A number out of range is still refused; null only means "unchanged".
    assert_error(
        await client.patch(path, headers=partner.headers, json={"max_channels": 0}),
        400,
        "max_channels",
    )


async def test_cancellation_answers_with_the_date_it_takes_effect(
    client: Client, partner: PartnerCreds
) -> None:
    done = await onboard(client, partner, ["+4915100000141"])
    channel_id = done["channel_ids"][0]
    moved = await client.post(
        f"/_emulator/channels/{channel_id}/status", headers=EMULATOR, json={"status": "live"}
    )
    assert moved.status_code == 201, moved.text
    url = (
        f"/api/v2/partners/{partner.partner_id}/clients/{done['client_id']}/channels/"
        f"{channel_id}/control/cancellation_request"
    )
    response = await client.post(
        url,
        headers={**partner.headers, "Content-Type": "application/json; charset=utf-8"},
        content=b'{"enabled":true}',
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert_typed_channel(body)
    # Non-nullable DateTime fields of the client's cancellation response.
    assert is_time(body["terminated_at"]) and is_time(body["billing_started_at"])
    effective = datetime.fromisoformat(body["terminated_at"])
    asked = datetime.fromisoformat(body["modified_at"])
    assert effective.day == 1 and effective.time().isoformat() == "00:00:00"
    assert asked < effective and (effective.year, effective.month) != (asked.year, asked.month)
    withdrawn = await client.post(url, headers=partner.headers, content=b'{"enabled":false}')
    assert withdrawn.status_code == 200 and withdrawn.json()["terminated_at"] is None


async def test_client_balance_fields_a_typed_client_reads(
    client: Client, partner: PartnerCreds
) -> None:
    done = await onboard(client, partner, ["+4915100000151"])
    path = f"/api/v2/partners/{partner.partner_id}/clients/{done['client_id']}/info/balance"
    params = "?start_date=0&end_date=4102444800&granularity=month"

    never = (await client.get(path + params, headers=partner.headers)).json()
    assert never["last_renewal"] is None
    assert never["estimated_template_cost"] == 0.1131  # one marketing template, default table

    await set_partner_balance(client, partner.partner_id, total=50)
    await set_partner_balance(client, partner.partner_id, total=80)
    await set_partner_balance(client, partner.partner_id, total=75)  # a correction, no renewal
    response = await client.get(path + params, headers=partner.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["balance"] == 75 and body["currency"] == "eur"
    assert set(body["last_renewal"]) == {"date", "amount"}
    assert body["last_renewal"]["amount"] == 30 and is_time(body["last_renewal"]["date"])
    assert isinstance(body["estimated_template_cost"], float)
    assert body["granularity"] == "month" and isinstance(body["usage"], list)
