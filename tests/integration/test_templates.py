"""Message templates per WABA account: create, list, delete, the simulated review and its events."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.api import assert_error
from tests.helpers.clients import events
from tests.helpers.clock import advance, eventually
from tests.helpers.templates import create, listing, simple, url, waba_of
from tests.helpers.webhooks import setup_webhook
from tests.receiver import Receiver

Client = httpx.AsyncClient

TEMPLATE_FIELDS = {
    "id",
    "partner_id",
    "waba_account_id",
    "name",
    "language",
    "category",
    "components",
    "status",
    "rejected_reason",
    "namespace",
    "created_at",
    "modified_at",
    "created_by",
    "modified_by",
}


def body(name: str = "order_update", **overrides: Any) -> dict[str, Any]:
    template: dict[str, Any] = {
        "name": name,
        "category": "UTILITY",
        "language": "en_US",
        "components": [
            {
                "type": "HEADER",
                "format": "TEXT",
                "text": "Order {{1}}",
                "example": {"header_text": ["#42"]},
            },
            {
                "type": "BODY",
                "text": "Hi {{1}}, your order {{2}} has shipped.",
                "example": {"body_text": [["Ada", "#42"]]},
            },
            {"type": "FOOTER", "text": "Pizza Place"},
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "QUICK_REPLY", "text": "Thanks"},
                    {"type": "URL", "text": "Track", "url": "https://pizza.example/t/{{1}}"},
                    {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+4915112345678"},
                ],
            },
        ],
    }
    template.update(overrides)
    return template


async def test_create_answers_the_submitted_template(client: Client, partner: PartnerCreds) -> None:
    waba_id = await waba_of(client, partner)
    waba = (
        await client.get(
            f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba_id}",
            headers=partner.headers,
        )
    ).json()
    created = await create(client, partner, waba_id, body(category="utility"))
    assert set(created) == TEMPLATE_FIELDS
    assert created["id"].endswith("TP")
    assert created["partner_id"] == partner.partner_id
    assert created["waba_account_id"] == waba_id
    assert created["status"] == "submitted" and created["rejected_reason"] is None
    assert created["category"] == "UTILITY"  # accepted in any case, stored as Meta shows it
    assert created["namespace"] == waba["namespace"]
    assert created["components"][0]["format"] == "TEXT"
    assert created["created_at"].endswith("Z")
    listed = await listing(client, partner, waba_id)
    assert listed["waba_templates"] == [created]
    assert listed["total"] == 1 and listed["count"] == 1


async def test_list_filters_sorts_and_pages(client: Client, partner: PartnerCreds) -> None:
    waba_id = await waba_of(client, partner)
    other_waba = await waba_of(client, partner, "+4915122222222")
    await create(client, partner, other_waba, simple("elsewhere"))
    for name, language, category in [
        ("alpha", "en", "MARKETING"),
        ("alpha", "de", "MARKETING"),
        ("beta", "en", "UTILITY"),
        ("gamma", "pt_BR", "UTILITY"),
        ("delta", "en", "MARKETING"),
    ]:
        await create(client, partner, waba_id, simple(name, language, category))

    everything = await listing(client, partner, waba_id)
    assert everything["total"] == 5  # not the other WABA's
    created = [t["created_at"] for t in everything["waba_templates"]]
    assert created == sorted(created, reverse=True)  # newest first by default

    by_name = await listing(client, partner, waba_id, filters={"business_templates.name": "alpha"})
    assert by_name["total"] == 2
    assert {t["language"] for t in by_name["waba_templates"]} == {"en", "de"}
    assert by_name["filters"] == {"business_templates.name": "alpha"}

    utility = await listing(client, partner, waba_id, filters={"category": "utility"})
    assert {t["name"] for t in utility["waba_templates"]} == {"beta", "gamma"}
    combined = await listing(
        client, partner, waba_id, filters={"language": "en", "status": "submitted"}
    )
    assert {t["name"] for t in combined["waba_templates"]} == {"alpha", "beta", "delta"}

    page = await listing(client, partner, waba_id, sort="name,-language", limit=2, offset=1)
    assert [(t["name"], t["language"]) for t in page["waba_templates"]] == [
        ("alpha", "de"),
        ("beta", "en"),
    ]
    assert page["total"] == 5 and page["count"] == 2
    assert page["sort"] == ["name", "-language"] and page["limit"] == 2 and page["offset"] == 1
    spec_sort = await listing(client, partner, waba_id, sort="-business_templates.name", limit=1)
    assert spec_sort["waba_templates"][0]["name"] == "gamma"

    for params, field in [
        ({"filters": json.dumps({"components": "alpha"})}, "filters.components"),
        ({"sort": "components"}, "sort"),
        ({"limit": "-1"}, "limit"),
        ({"filters": json.dumps({"status": 3})}, "filters.status"),
    ]:
        response = await client.get(url(partner, waba_id), headers=partner.headers, params=params)
        assert_error(response, 400, field)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "Order Update"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 513}, "name"),
        ({"category": "TRANSACTIONAL"}, "category"),
        ({"language": "english"}, "language"),
        ({"components": []}, "components"),
        ({"components": [{"type": "FOOTER", "text": "Only a footer"}]}, "components"),
        ({"components": [{"type": "CAROUSEL"}]}, "components[0].cards"),
        ({"components": [{"type": "GALLERY"}]}, "components[0].type"),
        (
            {"components": [{"type": "BODY", "text": "a"}, {"type": "BODY", "text": "b"}]},
            "components[1].type",
        ),
        (
            {
                "components": [
                    {
                        "type": "BODY",
                        "text": "Hi {{1}} and {{3}}",
                        "example": {"body_text": [["a", "b"]]},
                    }
                ]
            },
            "components[0].text",
        ),
        (
            {
                "components": [
                    {"type": "BODY", "text": "Hi {{name}}", "example": {"body_text": [["a"]]}}
                ]
            },
            "components[0].text",
        ),
        (
            {"components": [{"type": "BODY", "text": "Hi {{1}}, {{2}}"}]},
            "components[0].example.body_text",
        ),
        (
            {
                "components": [
                    {"type": "BODY", "text": "Hi {{1}}, {{2}}", "example": {"body_text": [["Ada"]]}}
                ]
            },
            "components[0].example.body_text[0]",
        ),
        (
            {
                "components": [
                    {"type": "BODY", "text": "Hi {{1}}", "example": {"body_text": ["Ada"]}}
                ]
            },
            "components[0].example.body_text[0]",
        ),
        ({"components": [{"type": "BODY", "text": "x" * 1025}]}, "components[0].text"),
        (
            {
                "components": [
                    {"type": "HEADER", "format": "TEXT", "text": "x" * 61},
                    {"type": "BODY", "text": "Hi"},
                ]
            },
            "components[0].text",
        ),
        (
            {
                "components": [
                    {"type": "HEADER", "format": "GIF"},
                    {"type": "BODY", "text": "Hi"},
                ]
            },
            "components[0].format",
        ),
        (
            {
                "components": [
                    {"type": "HEADER", "format": "TEXT", "text": "{{1}} {{2}}"},
                    {"type": "BODY", "text": "Hi"},
                ]
            },
            "components[0].text",
        ),
        (
            {"components": [{"type": "BODY", "text": "Hi"}, {"type": "FOOTER", "text": "{{1}}"}]},
            "components[1].text",
        ),
        (
            {
                "components": [
                    {"type": "BODY", "text": "Hi"},
                    {
                        "type": "BUTTONS",
                        "buttons": [{"type": "QUICK_REPLY", "text": f"b{i}"} for i in range(11)],
                    },
                ]
            },
            "components[1].buttons",
        ),
        (
            {
                "components": [
                    {"type": "BODY", "text": "Hi"},
                    {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "x" * 26}]},
                ]
            },
            "components[1].buttons[0].text",
        ),
        (
            {
                "components": [
                    {"type": "BODY", "text": "Hi"},
                    {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Go"}]},
                ]
            },
            "components[1].buttons[0].url",
        ),
        ({"components": ["BODY"]}, "components[0]"),
        ({"components": "BODY"}, "components"),
    ],
)
async def test_invalid_templates_name_the_field(
    client: Client, partner: PartnerCreds, change: dict[str, Any], field: str
) -> None:
    waba_id = await waba_of(client, partner)
    response = await client.post(
        url(partner, waba_id), headers=partner.headers, json=body(**change)
    )
    assert_error(response, 400, field)
    assert (await listing(client, partner, waba_id))["total"] == 0


async def test_missing_and_unknown_fields_are_refused(
    client: Client, partner: PartnerCreds
) -> None:
    waba_id = await waba_of(client, partner)
    missing = {k: v for k, v in body().items() if k != "components"}
    response = await client.post(url(partner, waba_id), headers=partner.headers, json=missing)
    assert_error(response, 400, "components")
    unknown = await client.post(
        url(partner, waba_id), headers=partner.headers, json=body(colour="red")
    )
    assert_error(unknown, 400, "colour")
    accepted = await client.post(
        url(partner, waba_id),
        headers=partner.headers,
        json=body(allow_category_change=True, message_send_ttl_seconds=600),
    )
    assert accepted.status_code == 200, accepted.text


async def test_authentication_templates_take_metas_fixed_form(
    client: Client, partner: PartnerCreds
) -> None:
    waba_id = await waba_of(client, partner)
    otp = {
        "name": "login_code",
        "category": "AUTHENTICATION",
        "language": "en",
        "components": [
            {"type": "BODY", "add_security_recommendation": True},
            {"type": "FOOTER", "code_expiration_minutes": 10},
            {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "copy_code"}]},
        ],
    }
    created = await create(client, partner, waba_id, otp)
    assert created["components"][2]["buttons"][0]["otp_type"] == "COPY_CODE"
    marketing_otp = {**otp, "name": "promo_code", "category": "MARKETING"}
    response = await client.post(url(partner, waba_id), headers=partner.headers, json=marketing_otp)
    assert_error(response, 400, "components[0].text")


async def test_duplicate_name_and_language_is_a_conflict(
    client: Client, partner: PartnerCreds
) -> None:
    waba_id = await waba_of(client, partner)
    await create(client, partner, waba_id, simple("welcome", "en"))
    again = await client.post(
        url(partner, waba_id), headers=partner.headers, json=simple("welcome", "en")
    )
    assert_error(again, 409)
    await create(client, partner, waba_id, simple("welcome", "de"))  # another language is fine
    other_waba = await waba_of(client, partner, "+4915122222222")
    await create(client, partner, other_waba, simple("welcome", "en"))  # so is another WABA


async def test_other_partners_wabas_and_ids(
    client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    waba_id = await waba_of(client, partner)
    theirs = await waba_of(client, other_partner, "+4915199999999")
    await create(client, other_partner, theirs, simple("secret"))
    # Another partner's WABA under my own partner id: 404, as one that does not exist.
    for target in (theirs, "missingWA"):
        assert_error(await client.get(url(partner, target), headers=partner.headers), 404)
        created = await client.post(url(partner, target), headers=partner.headers, json=body())
        assert_error(created, 404)
        deleted = await client.delete(url(partner, target) + "/secret", headers=partner.headers)
        assert_error(deleted, 404)
    # My key on another partner's id: 403.
    foreign = url(other_partner, theirs)
    assert_error(await client.get(foreign, headers=partner.headers), 403)
    assert_error(await client.post(foreign, headers=partner.headers, json=body()), 403)
    assert_error(await client.delete(foreign + "/secret", headers=partner.headers), 403)
    assert_error(await client.get(url(partner, waba_id)), 401)
    assert (await listing(client, other_partner, theirs))["total"] == 1


async def test_delete_removes_every_language_of_the_name(
    client: Client, partner: PartnerCreds
) -> None:
    waba_id = await waba_of(client, partner)
    for language in ("en", "de", "fr"):
        await create(client, partner, waba_id, simple("welcome", language))
    keep = await create(client, partner, waba_id, simple("goodbye"))
    response = await client.delete(url(partner, waba_id) + "/welcome", headers=partner.headers)
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True
    assert sorted(t["language"] for t in response.json()["deleted"]) == ["de", "en", "fr"]
    assert (await listing(client, partner, waba_id))["waba_templates"] == [keep]
    again = await client.delete(url(partner, waba_id) + "/welcome", headers=partner.headers)
    assert_error(again, 404)
    # By id (as some client libraries address them): that one template only.
    by_id = await client.delete(url(partner, waba_id) + f"/{keep['id']}", headers=partner.headers)
    assert by_id.status_code == 200, by_id.text
    assert (await listing(client, partner, waba_id))["total"] == 0
    # The name is free again.
    await create(client, partner, waba_id, simple("welcome", "en"))


async def test_review_approves_or_rejects_with_a_webhook(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    waba_id = await waba_of(client, partner)
    await setup_webhook(client, partner, receiver)
    good = await create(client, partner, waba_id, simple("spring_sale"))
    bad = await create(client, partner, waba_id, simple("please_reject_me"))
    # The review takes one simulator step (60 s in the tests): nothing before that.
    await advance(client, 30)
    assert {t["status"] for t in (await listing(client, partner, waba_id))["waba_templates"]} == {
        "submitted"
    }
    await advance(client, 31)

    def template_events() -> list[dict[str, Any]]:
        return [e for e in events(receiver) if e["event"] == "waba_template_status_changed"]

    await eventually(lambda: len(template_events()) == 2)
    by_name = {e["data"]["name"]: e["data"] for e in template_events()}
    listed = {t["name"]: t for t in (await listing(client, partner, waba_id))["waba_templates"]}
    assert listed["spring_sale"]["status"] == "approved"
    assert listed["spring_sale"]["rejected_reason"] is None
    assert listed["please_reject_me"]["status"] == "rejected"
    assert listed["please_reject_me"]["rejected_reason"] == "INVALID_FORMAT"
    assert listed["spring_sale"]["modified_at"] > good["modified_at"]
    waba = await client.get(
        f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba_id}", headers=partner.headers
    )
    onboarded_client = waba.json()["client_id"]
    for name in ("spring_sale", "please_reject_me"):
        # The event carries the template exactly as the API shows it, plus its client.
        assert by_name[name] == {**listed[name], "client_id": onboarded_client}
    assert bad["id"] == listed["please_reject_me"]["id"]
    # Decided once: no further events however far the clock goes.
    await advance(client, 3600)
    assert len(template_events()) == 2


async def test_emulator_review_sets_any_status(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    waba_id = await waba_of(client, partner)
    await setup_webhook(client, partner, receiver)
    template = await create(client, partner, waba_id, simple("flash_sale"))
    review = f"/_emulator/templates/{template['id']}/review"

    rejected = await client.post(
        review, headers=EMULATOR, json={"status": "rejected", "rejected_reason": "PROMOTIONAL"}
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejected_reason"] == "PROMOTIONAL"
    await eventually(
        lambda: any(e["event"] == "waba_template_status_changed" for e in events(receiver))
    )
    event = next(e for e in events(receiver) if e["event"] == "waba_template_status_changed")
    assert event["data"]["status"] == "rejected" and event["data"]["id"] == template["id"]
    # The emulator decided: the automatic review does not overrule it later.
    await advance(client, 120)
    listed = (await listing(client, partner, waba_id))["waba_templates"][0]
    assert listed["status"] == "rejected"

    for status in ("approved", "paused", "disabled"):
        response = await client.post(review, headers=EMULATOR, json={"status": status})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
        assert response.json()["rejected_reason"] is None
    await eventually(
        lambda: sum(e["event"] == "waba_template_status_changed" for e in events(receiver)) == 4
    )
    same = await client.post(review, headers=EMULATOR, json={"status": "disabled"})
    assert same.status_code == 200  # already so: nothing changes, no event
    default_reason = await client.post(review, headers=EMULATOR, json={"status": "rejected"})
    assert default_reason.json()["rejected_reason"] == "INVALID_FORMAT"

    assert_error(
        await client.post(review, headers=EMULATOR, json={"status": "great"}), 400, "status"
    )
    assert_error(
        await client.post(
            review, headers=EMULATOR, json={"status": "approved", "rejected_reason": "SCAM"}
        ),
        400,
        "rejected_reason",
    )
    missing = "/_emulator/templates/missingTP/review"
    assert_error(await client.post(missing, headers=EMULATOR, json={"status": "approved"}), 404)
    assert_error(await client.post(review, json={"status": "approved"}), 401)


async def test_create_is_rate_limited_per_waba(client: Client, partner: PartnerCreds) -> None:
    waba_id = await waba_of(client, partner)
    other_waba = await waba_of(client, partner, "+4915122222222")
    for i in range(60):
        await create(client, partner, waba_id, simple(f"bulk_{i}"))
    limited = await client.post(
        url(partner, waba_id), headers=partner.headers, json=simple("one_more")
    )
    meta = assert_error(limited, 429)
    assert "60 requests every 60 seconds" in meta["developer_message"]
    assert int(limited.headers["retry-after"]) >= 1
    await create(client, partner, other_waba, simple("one_more"))  # another WABA's own budget
    # Listing has its own, larger budget.
    assert (await listing(client, partner, waba_id))["total"] == 60
    # The emulator's reset gives every budget back.
    assert (await client.post("/_emulator/reset", headers=EMULATOR)).status_code in (200, 201)
    await create(client, partner, waba_id, simple("one_more"))


async def test_seed_and_export_carry_templates(client: Client, partner: PartnerCreds) -> None:
    waba_id = await waba_of(client, partner)
    await create(client, partner, waba_id, body())
    world = (await client.get("/_emulator/state", headers=EMULATOR)).json()
    assert [t["name"] for t in world["waba_templates"]] == ["order_update"]
    exported = world["waba_templates"][0]
    assert exported["status"] == "submitted"
    reseeded = await client.post("/_emulator/seed", headers=EMULATOR, json=world)
    assert reseeded.status_code == 200, reseeded.text
    assert reseeded.json()["seeded"]["waba_templates"] == 1
    assert (await client.get("/_emulator/state", headers=EMULATOR)).json()["waba_templates"] == [
        exported
    ]
    bad = json.loads(json.dumps(world))
    bad["waba_templates"][0]["components"][1]["text"] = "x" * 2000
    response = await client.post("/_emulator/seed", headers=EMULATOR, json=bad)
    assert_error(response, 400, "waba_templates[0].components[1].text")
    for field, value, named in [
        ("created_by", {"who": "me"}, "waba_templates[0].created_by"),
        ("approved_edits", ["soon"], "waba_templates[0].approved_edits[0]"),
    ]:
        bad = json.loads(json.dumps(world))
        bad["waba_templates"][0][field] = value
        response = await client.post("/_emulator/seed", headers=EMULATOR, json=bad)
        assert_error(response, 400, named)
    # A document from before authors and edits were carried: the seed is the author.
    old = json.loads(json.dumps(world))
    for field in ("created_by", "modified_by", "approved_edits"):
        del old["waba_templates"][0][field]
    assert (await client.post("/_emulator/seed", headers=EMULATOR, json=old)).status_code == 200
    seeded = (await client.get("/_emulator/state", headers=EMULATOR)).json()["waba_templates"][0]
    assert seeded["created_by"] == {"user_id": "seed", "user_name": "seed"}
    assert seeded["approved_edits"] == []


async def test_deeply_nested_bodies_are_refused_not_crashed(
    client: Client, partner: PartnerCreds
) -> None:
    waba_id = await waba_of(client, partner)
    nested: Any = []
    for _ in range(20):
        nested = [nested]
    deep = body(components=[{"type": "BODY", "text": "Hi", "extra": nested}])
    response = await client.post(url(partner, waba_id), headers=partner.headers, json=deep)
    assert_error(response, 400, "components[0]")
    raw = (
        b'{"name": "a", "category": "UTILITY", "language": "en", "components": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}"
    )
    response = await client.post(
        url(partner, waba_id),
        headers={**partner.headers, "Content-Type": "application/json"},
        content=raw,
    )
    assert_error(response, 400, "body")
