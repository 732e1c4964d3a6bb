"""Display names, WABA policy enforcement and Click-to-WhatsApp signals (issue 18 items 6, 7),
over real HTTP with a real partner webhook receiver."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx
from litestar import Litestar

from tests.conftest import EMULATOR, PartnerCreds, make_partner
from tests.helpers.api import assert_error
from tests.helpers.clients import events
from tests.helpers.clock import advance, eventually
from tests.helpers.messaging import CUSTOMER, generate, inbound, running_channel
from tests.helpers.webhooks import setup_webhook
from tests.helpers.world import fixture, seed
from tests.integration.hub_helpers import log_in
from tests.integration.live_http import over_http
from tests.receiver import Receiver

Client = httpx.AsyncClient
DAY = 86_400
TEXT = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "hi"}}


def channel_path(partner: PartnerCreds, channel: dict[str, Any]) -> str:
    return (
        f"/api/v2/partners/{partner.partner_id}/clients/{channel['client_id']}"
        f"/channels/{channel['channel_id']}"
    )


async def channel_row(http: Client, partner: PartnerCreds, channel_id: str) -> dict[str, Any]:
    listed = await http.get(
        f"/api/v2/partners/{partner.partner_id}/channels",
        headers=partner.headers,
        params={"filters": f'{{"id": "{channel_id}"}}'},
    )
    assert listed.status_code == 200, listed.text
    rows: list[dict[str, Any]] = listed.json()["partner_channels"]
    assert len(rows) == 1
    return rows[0]


def named(receiver: Receiver, *names: str) -> list[dict[str, Any]]:
    return [e for e in events(receiver) if e["event"] in names]


async def approved_template(http: Client, partner: PartnerCreds, waba_id: str) -> None:
    base = f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba_id}/waba_templates"
    created = await http.post(
        base,
        headers=partner.headers,
        json={
            "name": "order_update",
            "category": "UTILITY",
            "language": "en",
            "components": [{"type": "BODY", "text": "Your order shipped"}],
        },
    )
    assert created.status_code == 200, created.text
    reviewed = await http.post(
        f"/_emulator/templates/{created.json()['id']}/review",
        headers=EMULATOR,
        json={"status": "approved"},
    )
    assert reviewed.status_code == 200, reviewed.text


TEMPLATE = {
    "messaging_product": "whatsapp",
    "to": CUSTOMER,
    "type": "template",
    "template": {"name": "order_update", "language": {"code": "en"}},
}


async def test_a_display_name_change_is_reviewed_then_approved(
    app: Litestar, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    async with over_http(app) as http:
        await setup_webhook(http, partner, receiver)
        channel = await running_channel(http, partner, "+4915100004001")
        path = channel_path(partner, channel) + "/display_name"
        asked = await http.post(
            path, headers=partner.headers, json={"display_name": "Luigi's  Pizzeria"}
        )
        assert asked.status_code == 200, asked.text
        request = asked.json()
        assert request["display_name"] == "Luigi's Pizzeria"
        assert request["status"] == "PENDING_REVIEW"
        assert request["decided_at"] is None and request["rejected_reason"] is None
        row = await channel_row(http, partner, channel["channel_id"])
        assert row["new_display_name"] == "Luigi's Pizzeria"
        assert row["new_name_status"] == "PENDING_REVIEW"
        # one request at a time
        again = await http.post(path, headers=partner.headers, json={"display_name": "Luigi Two"})
        assert_error(again, 409)
        receiver.requests.clear()
        await advance(http, DAY - 60)
        assert named(receiver, "phone_number_name_update") == []
        await advance(http, 120)
        await eventually(lambda: bool(named(receiver, "phone_number_name_update")))
        (update,) = named(receiver, "phone_number_name_update")
        data = update["data"]
        assert data["id"] == channel["channel_id"]
        assert data["decision"] == "APPROVED"
        assert data["requested_verified_name"] == "Luigi's Pizzeria"
        assert data["rejection_reason"] is None
        assert data["display_phone_number"] == data["phone_number"] == "+4915100004001"
        assert data["phone_name"] == "Luigi's Pizzeria"
        row = await channel_row(http, partner, channel["channel_id"])
        assert row["setup_info"]["phone_name"] == "Luigi's Pizzeria"
        assert row["name_status"] == "APPROVED" and row["new_name_status"] is None
        listed = (await http.get(path, headers=partner.headers)).json()
        assert listed["phone_name"] == "Luigi's Pizzeria"
        assert [r["status"] for r in listed["requests"]] == ["APPROVED"]


async def test_the_emulator_rejects_a_display_name_with_a_reason(
    app: Litestar, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    async with over_http(app) as http:
        await setup_webhook(http, partner, receiver)
        channel = await running_channel(http, partner, "+4915100004002")
        path = channel_path(partner, channel) + "/display_name"
        asked = await http.post(path, headers=partner.headers, json={"display_name": "Acme Tools"})
        assert asked.status_code == 200, asked.text
        receiver.requests.clear()
        decided = await http.post(
            f"/_emulator/channels/{channel['channel_id']}/display_name/decision",
            headers=EMULATOR,
            json={"decision": "REJECTED", "reason": "Brand not found on the website"},
        )
        assert decided.status_code == 200, decided.text
        await eventually(lambda: bool(named(receiver, "phone_number_name_update")))
        (update,) = named(receiver, "phone_number_name_update")
        assert update["data"]["decision"] == "REJECTED"
        assert update["data"]["rejection_reason"] == "Brand not found on the website"
        assert update["data"]["phone_name"] != "Acme Tools"
        row = await channel_row(http, partner, channel["channel_id"])
        assert row["new_display_name"] == "Acme Tools"
        assert row["new_name_status"] == "DECLINED"
        # decided: nothing happens when the review time comes; a new request may follow
        await advance(http, 2 * DAY)
        assert len(named(receiver, "phone_number_name_update")) == 1
        nothing = await http.post(
            f"/_emulator/channels/{channel['channel_id']}/display_name/decision",
            headers=EMULATOR,
            json={"decision": "APPROVED"},
        )
        assert_error(nothing, 409)
        retry = await http.post(
            path, headers=partner.headers, json={"display_name": "Acme Tools GmbH"}
        )
        assert retry.status_code == 200, retry.text


async def test_display_names_are_checked_against_the_guidelines(
    client: Client, partner: PartnerCreds
) -> None:
    channel = await running_channel(client, partner, "+4915100004003")
    path = channel_path(partner, channel) + "/display_name"
    for name, rule in [
        ("Ab", "at least 3"),
        ("x" * 76, "at most 75"),
        ("Visit www.acme.com", "URL"),
        ("Acme https://acme.example", "URL"),
        ("Visit bistro.example", "URL"),  # any domain, not only .com and a few others
        ("Pizzeria pizza.it", "URL"),
        ("Acme.shop", "URL"),
        ("Pizza", "generic"),
        ("The Shoes Store", "generic"),
        ("ACME TOOLING", "capitals"),
        ("Acme \U0001f600", "emoji"),
        ("Acme!!!", "punctuation"),
        ("Acme WhatsApp", "WhatsApp"),
    ]:
        refused = await client.post(path, headers=partner.headers, json={"display_name": name})
        assert refused.status_code == 400, (name, refused.text)
        assert rule in refused.text, (name, refused.text)
    for name in (
        "IBM",
        "Luigi's Pizza",
        "Acme & Sons",
        "Müller-Lüdenscheidt Bäckerei",
        "Acme Co. KG",  # a dot before a space is no domain
        "J.Crew",
    ):
        fine = await client.post(path, headers=partner.headers, json={"display_name": name})
        assert fine.status_code == 200, (name, fine.text)
        decided = await client.post(
            f"/_emulator/channels/{channel['channel_id']}/display_name/decision",
            headers=EMULATOR,
            json={"decision": "APPROVED"},
        )
        assert decided.status_code == 200, decided.text


async def test_metas_new_display_name_field_is_accepted_too(
    app: Litestar, partner: PartnerCreds
) -> None:
    """Meta's ``POST /<PHONE_NUMBER_ID>`` names the field ``new_display_name``; the hub takes
    it as well as ``display_name`` (one of the two)."""
    async with over_http(app) as http:
        channel = await running_channel(http, partner, "+4915100004009")
        path = channel_path(partner, channel) + "/display_name"
        made = await http.post(
            path, headers=partner.headers, json={"new_display_name": "Luigi's Trattoria"}
        )
        assert made.status_code == 200, made.text
        assert made.json()["display_name"] == "Luigi's Trattoria"
        assert made.json()["status"] == "PENDING_REVIEW"
        row = await channel_row(http, partner, channel["channel_id"])
        assert row["new_display_name"] == "Luigi's Trattoria"
        both = await http.post(
            path,
            headers=partner.headers,
            json={"display_name": "Acme Tools", "new_display_name": "Acme Tools"},
        )
        assert_error(both, 400, "new_display_name")
        neither = await http.post(path, headers=partner.headers, json={})
        assert_error(neither, 400, "display_name")
        # Still one request, the first.
        listed = await http.get(path, headers=partner.headers)
        assert [r["display_name"] for r in listed.json()["requests"]] == ["Luigi's Trattoria"]


async def test_a_restriction_blocks_business_initiated_sends_until_it_expires(
    app: Litestar, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    async with over_http(app) as http:
        await setup_webhook(http, partner, receiver)
        channel = await running_channel(http, partner, "+4915100004004")
        waba_id = channel["waba_account_id"]
        await approved_template(http, partner, waba_id)
        key = {"D360-API-KEY": (await generate(http, partner, channel["channel_id"]))["api_key"]}
        await inbound(http, channel["channel_id"])
        assert (await http.post("/messages", headers=key, json=TEMPLATE)).status_code == 200
        await advance(http, 0)
        receiver.requests.clear()
        restricted = await http.post(
            f"/_emulator/waba_accounts/{waba_id}/restriction",
            headers=EMULATOR,
            json={
                "restriction_types": [
                    "RESTRICTED_BIZ_INITIATED_MESSAGING",
                    "RESTRICTED_ADD_PHONE_NUMBER_ACTION",
                ],
                "duration_seconds": 3 * DAY,
                "violation_type": "ADULT",
            },
        )
        assert restricted.status_code == 200, restricted.text
        info = restricted.json()["restriction_info"]
        assert [r["restriction_type"] for r in info] == [
            "RESTRICTED_ADD_PHONE_NUMBER_ACTION",
            "RESTRICTED_BIZ_INITIATED_MESSAGING",
        ]
        await eventually(lambda: len(events(receiver)) >= 2)
        # delivered concurrently: the set of events, each exactly once
        assert sorted(e["event"] for e in events(receiver)) == [
            "account_restriction",
            "template_messaging_disabled",
        ]
        (restriction,) = [e["data"] for e in named(receiver, "account_restriction")]
        (disabled,) = [e["data"] for e in named(receiver, "template_messaging_disabled")]
        assert disabled["id"] == channel["channel_id"]
        assert disabled["fb_account_status"] == "account_restriction"
        assert restriction["id"] == channel["channel_id"]
        assert restriction["phone_number"] == "+4915100004004"
        assert restriction["violation_type"] == "ADULT"
        assert restriction["restriction_info"] == info
        assert restriction["fb_account_status"] == "account_restriction"
        # the WABA shows it
        waba = await http.get(
            f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba_id}",
            headers=partner.headers,
        )
        assert waba.json()["status"] == "account_restriction"
        assert waba.json()["restriction_info"] == info
        # a template (business-initiated) is refused; a reply in the window is not
        refused = await http.post("/messages", headers=key, json=TEMPLATE)
        assert refused.status_code == 403, refused.text
        error = refused.json()["error"]
        assert error["code"] == 131031
        assert "RESTRICTED_BIZ_INITIATED_MESSAGING" in error["error_data"]["details"]
        assert (await http.post("/messages", headers=key, json=TEXT)).status_code == 200
        receiver.requests.clear()
        await advance(http, 3 * DAY - 60)
        assert (await http.post("/messages", headers=key, json=TEMPLATE)).status_code == 403
        assert named(receiver, "template_messaging_enabled") == []
        await advance(http, 120)
        await eventually(lambda: bool(named(receiver, "template_messaging_enabled")))
        (enabled,) = named(receiver, "template_messaging_enabled")
        assert enabled["data"]["id"] == channel["channel_id"]
        assert enabled["data"]["fb_account_status"] == "approved"
        assert (await http.post("/messages", headers=key, json=TEMPLATE)).status_code == 200
        waba = await http.get(
            f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba_id}",
            headers=partner.headers,
        )
        assert waba.json()["status"] == "approved" and waba.json()["restriction_info"] == []


async def test_a_customer_initiated_restriction_blocks_replies(
    app: Litestar, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    async with over_http(app) as http:
        channel = await running_channel(http, partner, "+4915100004005")
        key = {"D360-API-KEY": (await generate(http, partner, channel["channel_id"]))["api_key"]}
        await inbound(http, channel["channel_id"])
        restricted = await http.post(
            f"/_emulator/waba_accounts/{channel['waba_account_id']}/restriction",
            headers=EMULATOR,
            json={"restriction_types": ["RESTRICTED_CUSTOMER_INITIATED_MESSAGING"]},
        )
        assert restricted.status_code == 200, restricted.text
        refused = await http.post("/messages", headers=key, json=TEXT)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == 131031
        bad = await http.post(
            f"/_emulator/waba_accounts/{channel['waba_account_id']}/restriction",
            headers=EMULATOR,
            json={"restriction_types": ["RESTRICTED_EVERYTHING"]},
        )
        assert bad.status_code == 400, bad.text


async def test_a_violation_warns_each_number_of_the_waba(
    app: Litestar, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    async with over_http(app) as http:
        await setup_webhook(http, partner, receiver)
        channel = await running_channel(http, partner, "+4915100004006")
        await advance(http, 0)
        receiver.requests.clear()
        warned = await http.post(
            f"/_emulator/waba_accounts/{channel['waba_account_id']}/violation",
            headers=EMULATOR,
            json={"violation_type": "ALCOHOL"},
        )
        assert warned.status_code == 200 and warned.json()["channels"] == 1
        await eventually(lambda: bool(events(receiver)))
        (event,) = events(receiver)
        assert event["event"] == "account_violation"
        assert event["data"]["violation_type"] == "ALCOHOL"
        assert event["data"]["id"] == channel["channel_id"]
        assert "restriction_info" not in event["data"]
        # no body: Meta's most common reason, SPAM
        default = await http.post(
            f"/_emulator/waba_accounts/{channel['waba_account_id']}/violation", headers=EMULATOR
        )
        assert default.status_code == 200, default.text
        await eventually(lambda: len(events(receiver)) == 2)
        assert events(receiver)[1]["data"]["violation_type"] == "SPAM"


async def test_ctwa_signals_are_switched_per_number(client: Client, partner: PartnerCreds) -> None:
    channel = await running_channel(client, partner, "+4915100004007")
    path = channel_path(partner, channel)
    assert (await channel_row(client, partner, channel["channel_id"]))["ctwa_enabled"] is False
    on = await client.post(path + "/enable_ctwa", headers=partner.headers)
    assert on.status_code == 200, on.text
    assert on.json() == {"channel_id": channel["channel_id"], "ctwa_enabled": True}
    assert (await channel_row(client, partner, channel["channel_id"]))["ctwa_enabled"] is True
    off = await client.post(path + "/disable_ctwa", headers=partner.headers)
    assert off.json()["ctwa_enabled"] is False
    assert (await channel_row(client, partner, channel["channel_id"]))["ctwa_enabled"] is False


async def test_another_partners_number_is_not_found(
    client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    channel = await running_channel(client, partner, "+4915100004008")
    theirs = channel_path(other_partner, channel)
    for method, suffix, body in [
        ("POST", "/display_name", {"display_name": "Rival Name"}),
        ("GET", "/display_name", None),
        ("POST", "/enable_ctwa", None),
        ("POST", "/disable_ctwa", None),
    ]:
        answer = await client.request(
            method, theirs + suffix, headers=other_partner.headers, json=body
        )
        assert answer.status_code == 404, answer.text
        assert channel["channel_id"] not in answer.text
        # and the owner's path with the other partner's credentials
        mine = channel_path(partner, channel)
        forbidden = await client.request(
            method, mine + suffix, headers=other_partner.headers, json=body
        )
        assert forbidden.status_code in (403, 404), forbidden.text
    assert (await channel_row(client, partner, channel["channel_id"]))["ctwa_enabled"] is False


async def test_the_operations_are_in_the_openapi_document(client: Client) -> None:
    document = (await client.get("/openapi.json")).json()
    paths = document["paths"]
    number = "/api/v2/partners/{partner_id}/clients/{client_id}/channels/{channel_id}"
    display = paths[number + "/display_name"]
    assert {"get", "post"} <= set(display)
    body = display["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "display_name" in str(body) or "DisplayNameIn" in str(body)
    assert "post" in paths[number + "/enable_ctwa"]
    assert "post" in paths[number + "/disable_ctwa"]
    for control in (
        "/_emulator/channels/{channel_id}/display_name/decision",
        "/_emulator/waba_accounts/{waba_account_id}/violation",
        "/_emulator/waba_accounts/{waba_account_id}/restriction",
    ):
        assert "post" in paths[control], control


async def test_the_number_page_shows_display_name_requests_and_restrictions(
    client: Client, partner: PartnerCreds
) -> None:
    channel = await running_channel(client, partner, "+4915100004009")
    path = channel_path(partner, channel) + "/display_name"
    asked = await client.post(
        path, headers=partner.headers, json={"display_name": "Bella <b>Napoli</b>"}
    )
    assert asked.status_code == 400  # symbols refused
    asked = await client.post(path, headers=partner.headers, json={"display_name": "Bella Napoli"})
    assert asked.status_code == 200, asked.text
    await client.post(
        f"/_emulator/channels/{channel['channel_id']}/display_name/decision",
        headers=EMULATOR,
        json={"decision": "REJECTED", "reason": "Not on the website"},
    )
    await client.post(channel_path(partner, channel) + "/enable_ctwa", headers=partner.headers)
    await client.post(
        f"/_emulator/waba_accounts/{channel['waba_account_id']}/restriction",
        headers=EMULATOR,
        json={"restriction_types": ["RESTRICTED_BIZ_INITIATED_MESSAGING"]},
    )
    await log_in(client, partner.email, partner.password)
    page = await client.get(f"/hub/channels/{channel['channel_id']}")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="display-name-requests"' in html
    assert "Bella Napoli" in html and "REJECTED" in html and "Not on the website" in html
    assert "RESTRICTED_BIZ_INITIATED_MESSAGING" in html
    assert '<dd id="ctwa">enabled</dd>' in html


async def test_restrictions_and_display_name_requests_travel_with_the_world(
    client: Client, partner: PartnerCreds
) -> None:
    now = (await advance(client, 0))["now"]
    later = int(datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp()) + DAY
    document = fixture()
    document["waba_accounts"][0]["restriction_info"] = [
        {"restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING", "expiration": later}
    ]
    request = {
        "id": "req1",
        "display_name": "Pizza Napoli",
        "status": "PENDING_REVIEW",
        "requested_at": now,
        "review_at": now,
        "rejected_reason": None,
        "decided_at": None,
    }
    document["channels"][0].update(ctwa_enabled=True, display_name_requests=[request])
    seeded = await seed(client, document)
    assert seeded.status_code == 200, seeded.text
    exported = (await client.get("/_emulator/state", headers=EMULATOR)).json()
    waba = next(w for w in exported["waba_accounts"] if w["id"] == "pizzaWA")
    assert waba["restriction_info"] == document["waba_accounts"][0]["restriction_info"]
    live = next(c for c in exported["channels"] if c["id"] == "liveCH")
    assert live["ctwa_enabled"] is True
    assert live["display_name_requests"] == [request]
    # the seeded review is due now, the seeded restriction ends a day later
    await advance(client, 1)
    again = (await client.get("/_emulator/state", headers=EMULATOR)).json()
    live = next(c for c in again["channels"] if c["id"] == "liveCH")
    assert live["phone_name"] == "Pizza Napoli"
    assert live["display_name_requests"][0]["status"] == "APPROVED"
    await advance(client, DAY)
    again = (await client.get("/_emulator/state", headers=EMULATOR)).json()
    assert (
        next(w for w in again["waba_accounts"] if w["id"] == "pizzaWA").get("restriction_info")
        is None
    )
    bad = fixture()
    bad["waba_accounts"][0]["restriction_info"] = [
        {"restriction_type": "RESTRICTED_NOTHING", "expiration": later}
    ]
    assert (await seed(client, bad)).status_code == 400


async def test_the_overview_lists_the_display_names_in_review(
    app: Litestar, partner: PartnerCreds
) -> None:
    """Over real HTTP: the dashboard's overview lists the partner's numbers whose display name
    Meta is reviewing (soonest decided first), never another partner's, and drops a number once
    its review is decided."""
    other = await make_partner(app.state.partnerhub, "Other")
    async with over_http(app) as http:
        first = await running_channel(http, partner, "+4915100004101")
        second = await running_channel(http, partner, "+4915100004102")
        theirs = await running_channel(http, other, "+4915100004103")
        for creds, channel, name in (
            (partner, first, "Trattoria Roma"),
            (partner, second, "Osteria Milano"),
            (other, theirs, "Bistro Paris"),
        ):
            asked = await http.post(
                channel_path(creds, channel) + "/display_name",
                headers=creds.headers,
                json={"display_name": name},
            )
            assert asked.status_code == 200, asked.text
            await advance(http, 1)  # each review ends a second after the one before
        # A restriction alone is watched by the simulator too, but is no display-name review.
        restricted = await running_channel(http, partner, "+4915100004104")
        await http.post(
            f"/_emulator/waba_accounts/{restricted['waba_account_id']}/restriction",
            headers=EMULATOR,
            json={"restriction_types": ["RESTRICTED_ADD_PHONE_NUMBER_ACTION"]},
        )

        await log_in(http, partner.email, partner.password)
        html = (await http.get("/hub")).text
        assert 'id="display-names-in-review"' in html
        rows = re.findall(r'<tr data-channel-id="([^"]+)">', html)
        assert rows == [first["channel_id"], second["channel_id"]]
        assert "Trattoria Roma" in html and "Osteria Milano" in html
        assert "Bistro Paris" not in html and theirs["channel_id"] not in html
        assert f'href="/hub/channels/{first["channel_id"]}">+4915100004101</a>' in html
        # When the review ends, in the dashboard's UTC format (the request keeps ISO 8601).
        assert re.search(r'<time datetime="[0-9T:Z-]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>', html)

        decided = await http.post(
            f"/_emulator/channels/{first['channel_id']}/display_name/decision",
            headers=EMULATOR,
            json={"decision": "APPROVED"},
        )
        assert decided.status_code == 200, decided.text
        html = (await http.get("/hub")).text
        assert re.findall(r'<tr data-channel-id="([^"]+)">', html) == [second["channel_id"]]
        await http.post(
            f"/_emulator/channels/{second['channel_id']}/display_name/decision",
            headers=EMULATOR,
            json={"decision": "REJECTED", "reason": "Not the business"},
        )
        assert 'id="display-names-in-review"' not in (await http.get("/hub")).text
