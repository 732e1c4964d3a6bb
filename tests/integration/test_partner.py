"""Partner info, settings and webhook URL (spec §4 partner rows, §5 Partner)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import PartnerCreds
from tests.helpers.api import assert_error

Client = httpx.AsyncClient

PARTNER_FIELDS = {
    "id": str,
    "brand_name": str,
    "logo_url": (str, type(None)),
    "webhook_url": (str, type(None)),
    "partner_redirect_url": (str, type(None)),
    "country": (str, type(None)),
    "allow_client_to_add_phone_no": bool,
    "settings": (dict, type(None)),
    "billing_system": str,
    "payment_required": bool,
    "payment_plan": dict,
    "onboarding_deeplink_add_params": bool,
    "blocked_new_submission": bool,
    "publishable_key": (str, type(None)),
}


async def test_get_partner_returns_every_field_with_its_type(
    client: Client, partner: PartnerCreds
) -> None:
    response = await client.get(f"/api/v2/partners/{partner.partner_id}", headers=partner.headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == set(PARTNER_FIELDS)
    for name, kind in PARTNER_FIELDS.items():
        assert isinstance(body[name], kind), name
    assert body["id"] == partner.partner_id and body["id"].endswith("PA")
    assert body["brand_name"] == "Acme"
    assert body["settings"]["partner_change_request"] == {"auto_approve": False}
    assert set(body["settings"]) == {
        "account_sharing",
        "default_data_localization_region",
        "partner_change_request",
        "standard_tiered_pricing_enabled",
    }


async def test_api_key_header_is_case_insensitive(client: Client, partner: PartnerCreds) -> None:
    for name in ("x-api-key", "X-API-KEY", "X-Api-Key"):
        response = await client.get(
            f"/api/v2/partners/{partner.partner_id}", headers={name: partner.api_key}
        )
        assert response.status_code == 200, name


async def test_patch_updates_urls_and_returns_the_partner(
    client: Client, partner: PartnerCreds
) -> None:
    url = f"/api/v2/partners/{partner.partner_id}"
    response = await client.patch(
        url,
        headers=partner.headers,
        json={
            "webhook_url": "https://yourwebsite.com/webhook",
            "partner_redirect_url": "https://yourwebsite.com/redirect",
        },
    )
    assert response.status_code == 200
    assert response.json()["webhook_url"] == "https://yourwebsite.com/webhook"
    assert response.json()["partner_redirect_url"] == "https://yourwebsite.com/redirect"
    again = (await client.get(url, headers=partner.headers)).json()
    assert again["webhook_url"] == "https://yourwebsite.com/webhook"
    # null clears; fields not sent stay as they were
    cleared = await client.patch(url, headers=partner.headers, json={"webhook_url": None})
    assert cleared.json()["webhook_url"] is None
    assert cleared.json()["partner_redirect_url"] == "https://yourwebsite.com/redirect"


async def test_patch_other_writable_settings(client: Client, partner: PartnerCreds) -> None:
    response = await client.patch(
        f"/api/v2/partners/{partner.partner_id}",
        headers=partner.headers,
        json={
            "brand_name": "Acme Messaging",
            "logo_url": "https://cdn.example/logo.png",
            "country": "de",
            "allow_client_to_add_phone_no": False,
        },
    )
    body = response.json()
    assert response.status_code == 200
    assert body["brand_name"] == "Acme Messaging"
    assert body["country"] == "DE"
    assert body["allow_client_to_add_phone_no"] is False


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"webhook_url": "ftp://example.com"}, "webhook_url", 400),
        ({"webhook_url": "/relative"}, "webhook_url", 400),
        ({"webhook_url": ""}, "webhook_url", 400),
        ({"partner_redirect_url": "example.com/x"}, "partner_redirect_url", 400),
        ({"webhook_url": 42}, "webhook_url", 400),
        ({"allow_client_to_add_phone_no": "yes"}, "allow_client_to_add_phone_no", 400),
        ({"allow_client_to_add_phone_no": "true"}, "allow_client_to_add_phone_no", 400),
        ({"brand_name": ""}, "brand_name", 400),
        ({"brand_name": None}, "brand_name", 400),
        ({"country": "Germany"}, "country", 400),
        ({"id": "stolenPA"}, "id", 400),
        ({"unknown": 1}, "unknown", 400),
    ],
)
async def test_patch_refuses_bad_input_naming_the_field(
    client: Client, partner: PartnerCreds, body: dict[str, Any], field: str, status: int
) -> None:
    url = f"/api/v2/partners/{partner.partner_id}"
    before = (await client.get(url, headers=partner.headers)).json()
    response = await client.patch(url, headers=partner.headers, json=body)
    assert_error(response, status, field)
    assert (await client.get(url, headers=partner.headers)).json() == before  # nothing lost


@pytest.mark.parametrize(
    "raw",
    [b"{bad json", b"[]", b'"string"', b"null", b"", b"\xff\xfe", b'{"webhook_url": "x"'],
)
async def test_malformed_bodies_are_400_never_500(
    client: Client, partner: PartnerCreds, raw: bytes
) -> None:
    for method, path in [
        ("PATCH", ""),
        ("POST", "/webhook_url"),
        ("PATCH", "/settings/partner_change_request"),
        ("POST", "/api_keys"),
    ]:
        response = await client.request(
            method,
            f"/api/v2/partners/{partner.partner_id}{path}",
            headers={**partner.headers, "Content-Type": "application/json"},
            content=raw,
        )
        assert_error(response, 400)


async def test_body_over_one_mebibyte_is_413(client: Client, partner: PartnerCreds) -> None:
    response = await client.patch(
        f"/api/v2/partners/{partner.partner_id}",
        headers={**partner.headers, "Content-Type": "application/json"},
        content=b'{"brand_name": "' + b"a" * (1024 * 1024 + 10) + b'"}',
    )
    assert_error(response, 413)


async def test_webhook_url_get_and_post(client: Client, partner: PartnerCreds) -> None:
    base = f"/api/v2/partners/{partner.partner_id}/webhook_url"
    assert (await client.get(base, headers=partner.headers)).json() == {"webhook_url": None}
    posted = await client.post(
        base, headers=partner.headers, json={"webhook_url": "https://yourwebsite.com/webhook"}
    )
    assert posted.status_code == 200
    assert set(posted.json()) == set(PARTNER_FIELDS)  # POST answers with the partner object
    assert posted.json()["webhook_url"] == "https://yourwebsite.com/webhook"
    assert (await client.get(base, headers=partner.headers)).json() == {
        "webhook_url": "https://yourwebsite.com/webhook"
    }
    assert_error(await client.post(base, headers=partner.headers, json={}), 400, "webhook_url")
    assert_error(
        await client.post(base, headers=partner.headers, json={"webhook_url": "nope"}),
        400,
        "webhook_url",
    )


async def test_form_encoded_bodies_are_accepted(client: Client, partner: PartnerCreds) -> None:
    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/webhook_url",
        headers=partner.headers,
        data={"webhook_url": "https://form.example/hook"},
    )
    assert response.status_code == 200
    assert response.json()["webhook_url"] == "https://form.example/hook"


@pytest.mark.parametrize(("sent", "stored"), [(True, True), ("true", True), (False, False)])
async def test_partner_change_request_auto_approve(
    client: Client, partner: PartnerCreds, sent: Any, stored: bool
) -> None:
    response = await client.patch(
        f"/api/v2/partners/{partner.partner_id}/settings/partner_change_request",
        headers=partner.headers,
        json={"auto_approve": sent},
    )
    assert response.status_code == 200
    assert response.json() == {"auto_approve": stored}
    info = await client.get(f"/api/v2/partners/{partner.partner_id}", headers=partner.headers)
    assert info.json()["settings"]["partner_change_request"]["auto_approve"] is stored


async def test_partner_change_request_refuses_non_boolean(
    client: Client, partner: PartnerCreds
) -> None:
    url = f"/api/v2/partners/{partner.partner_id}/settings/partner_change_request"
    assert_error(
        await client.patch(url, headers=partner.headers, json={"auto_approve": "maybe"}),
        400,
        "auto_approve",
    )
    assert_error(await client.patch(url, headers=partner.headers, json={}), 400, "auto_approve")


async def test_unknown_route_and_method_use_the_meta_envelope(
    client: Client, partner: PartnerCreds
) -> None:
    assert_error(await client.get("/api/v2/nothing-here", headers=partner.headers), 404)
    assert_error(
        await client.put(f"/api/v2/partners/{partner.partner_id}", headers=partner.headers), 405
    )


async def test_request_id_is_echoed_or_generated(client: Client, partner: PartnerCreds) -> None:
    url = f"/api/v2/partners/{partner.partner_id}"
    mine = await client.get(url, headers={**partner.headers, "X-Request-Id": "trace-123"})
    assert mine.headers["x-request-id"] == "trace-123"
    generated = await client.get(url, headers=partner.headers)
    assert len(generated.headers["x-request-id"]) == 16
    hostile = await client.get(url, headers={**partner.headers, "X-Request-Id": "a b<script>"})
    assert hostile.headers["x-request-id"] != "a b<script>"
