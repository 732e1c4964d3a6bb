"""Hostile or extreme input is refused with a 400 naming it, on every backend and surface,
never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.api import assert_error

Client = httpx.AsyncClient


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api_keys", {"offset": str(10**20)}, "offset"),
        ("/api_keys", {"filters": '{"name": 5}'}, "filters.name"),
        ("/api_keys", {"filters": '{"name": 1e300}'}, "filters.name"),
        ("/api_keys", {"filters": '{"name": true}'}, "filters.name"),
        ("/webhook_deliveries", {"offset": str(10**20)}, "offset"),
        ("/webhook_deliveries", {"filters": '{"status": true}'}, "filters.status"),
        ("/webhook_deliveries", {"created_after": "0001-01-01T00:00:00+01:00"}, "created_after"),
        ("/webhook_deliveries", {"created_before": "9999-12-31T23:59:59-01:00"}, "created_before"),
    ],
)
async def test_extreme_query_values_are_400(
    client: Client, partner: PartnerCreds, path: str, params: dict[str, str], field: str
) -> None:
    response = await client.get(
        f"/api/v2/partners/{partner.partner_id}{path}", headers=partner.headers, params=params
    )
    assert_error(response, 400, field)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api_keys", {"name": "a\x00b"}),
        ("PATCH", "", {"brand_name": "A\x00"}),
        ("POST", "/webhook_url", {"webhook_url": "https://a.example/\x00"}),
        ("GET", "/api_keys?filters=%7B%22name%22%3A%22a%00%22%7D", None),
        ("DELETE", "/api_keys/abc%00def", None),
        ("POST", "/webhook_deliveries/x%00y/retry", None),
    ],
)
async def test_nul_characters_are_400_on_every_backend(
    client: Client, partner: PartnerCreds, method: str, path: str, body: Any
) -> None:
    response = await client.request(
        method, f"/api/v2/partners/{partner.partner_id}{path}", headers=partner.headers, json=body
    )
    assert_error(response, 400)


async def test_nul_on_token_is_an_oauth_400(client: Client) -> None:
    response = await client.post("/api/v2/token", json={"username": "a\x00", "password": "x"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("url", ["https://\u00e4..example/", "https://" + "a" * 70 + ".example/"])
async def test_unencodable_host_names_are_400(
    client: Client, partner: PartnerCreds, url: str
) -> None:
    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/webhook_url",
        headers=partner.headers,
        json={"webhook_url": url},
    )
    assert_error(response, 400, "webhook_url")


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ('{"created_at": "9999-12-31T23:59:59Z"}', "filters.created_at"),
        ('{"created_at": {"gt": "9999-12-31T23:59:59Z"}}', "filters.created_at.gt"),
        ('{"created_at": {"lte": "9999-12-31T23:59:59Z"}}', "filters.created_at.lte"),
        ('{"created_at": "0001-01-01T00:00:00+01:00"}', "filters.created_at"),
        ('{"modified_at": "9999-12-31T23:00:00-05:00"}', "filters.modified_at"),
        ('{"version": 2147483648}', "filters.version"),
        ('{"version": -9223372036854775809}', "filters.version"),
        ('{"version": 99999999999999999999999}', "filters.version"),
    ],
)
async def test_out_of_range_list_filters_are_400(
    client: httpx.AsyncClient, partner: PartnerCreds, filters: str, field: str
) -> None:
    response = await client.get(
        f"/api/v2/partners/{partner.partner_id}/channels",
        headers=partner.headers,
        params={"filters": filters},
    )
    assert_error(response, 400, field)


async def test_usage_windows_at_the_end_of_time_are_400(
    client: httpx.AsyncClient, partner: PartnerCreds
) -> None:
    done = (
        await client.post(
            "/_emulator/onboard",
            headers=EMULATOR,
            json={
                "partner_id": partner.partner_id,
                "client": {"name": "Late", "email": "late@example.com"},
                "phone_numbers": ["+4915100000991"],
            },
        )
    ).json()
    base = f"/api/v2/partners/{partner.partner_id}/clients/{done['client_id']}"
    for url in (f"{base}/info/balance", f"{base}/channels/{done['channel_ids'][0]}/info/usage"):
        response = await client.get(
            url, headers=partner.headers, params={"end_date": "253402300799"}
        )
        assert_error(response, 400, "end_date")
    usage = await client.post(
        f"/_emulator/channels/{done['channel_ids'][0]}/usage",
        headers=EMULATOR,
        json={"country": "DE", "pricing_category": "MARKETING", "at": "9999-12-31T12:00:00Z"},
    )
    assert_error(usage, 400, "at")
