"""Template edits (Partner API ``PATCH …/waba_templates/{template_id}``) under Meta's rules, and
the Messaging API's Cloud-API-shaped template create and delete by name (issue 14, item 6)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.api import assert_error
from tests.helpers.clients import events
from tests.helpers.clock import advance, eventually
from tests.helpers.messaging import ready_channel
from tests.helpers.templates import create, listing, simple, url, waba_of
from tests.helpers.webhooks import setup_webhook
from tests.receiver import Receiver

Client = httpx.AsyncClient
NEW_BODY = [{"type": "BODY", "text": "Hello again, {{1}}", "example": {"body_text": [["Ada"]]}}]


async def edit(
    client: Client, partner: PartnerCreds, waba_id: str, template_id: str, body: Any
) -> httpx.Response:
    return await client.patch(
        f"{url(partner, waba_id)}/{template_id}", headers=partner.headers, json=body
    )


async def set_status(client: Client, template_id: str, status: str) -> None:
    response = await client.post(
        f"/_emulator/templates/{template_id}/review", headers=EMULATOR, json={"status": status}
    )
    assert response.status_code == 200, response.text


def status_events(receiver: Receiver) -> list[dict[str, Any]]:
    return [e["data"] for e in events(receiver) if e["event"] == "waba_template_status_changed"]


async def test_an_edit_goes_back_to_review_with_its_events(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    waba_id = await waba_of(client, partner)
    await setup_webhook(client, partner, receiver)
    template = await create(client, partner, waba_id, simple("spring_sale"))
    await advance(client, 61)  # the simulated review approves it
    await eventually(lambda: len(status_events(receiver)) == 1)
    assert status_events(receiver)[0]["status"] == "approved"

    edited = await edit(client, partner, waba_id, template["id"], {"components": NEW_BODY})
    assert edited.status_code == 200, edited.text
    answer = edited.json()
    assert answer["id"] == template["id"] and answer["name"] == "spring_sale"
    assert answer["modified_by"] == {"user_id": "partner", "user_name": partner.partner_id}
    assert answer["status"] == "submitted" and answer["components"] == NEW_BODY
    assert answer["category"] == "MARKETING" and answer["language"] == "en"
    # The partner hears that the approved template is in review again, then Meta's decision.
    await eventually(lambda: len(status_events(receiver)) == 2)
    assert status_events(receiver)[1]["status"] == "submitted"
    assert status_events(receiver)[1]["components"] == NEW_BODY
    await advance(client, 61)
    await eventually(lambda: len(status_events(receiver)) == 3)
    assert status_events(receiver)[2]["status"] == "approved"
    listed = (await listing(client, partner, waba_id))["waba_templates"][0]
    assert listed["status"] == "approved" and listed["components"] == NEW_BODY


async def test_metas_edit_rules(client: Client, partner: PartnerCreds) -> None:
    waba_id = await waba_of(client, partner)
    template = await create(client, partner, waba_id, simple("flash_sale"))
    tid = template["id"]

    # In review: not editable.
    assert_error(await edit(client, partner, waba_id, tid, {"components": NEW_BODY}), 409)
    # Nothing to change, a bad component, an unknown field: 400 naming it.
    await set_status(client, tid, "approved")
    assert_error(await edit(client, partner, waba_id, tid, {}), 400, "components")
    bad = await edit(client, partner, waba_id, tid, {"components": [{"type": "BODY", "text": ""}]})
    assert_error(bad, 400, "components[0].text")
    assert_error(await edit(client, partner, waba_id, tid, {"name": "other"}), 400, "name")
    # Approved: the category is locked.
    locked = await edit(client, partner, waba_id, tid, {"category": "UTILITY"})
    assert_error(locked, 400, "category")
    # The same content again changes nothing: no review, no edit spent.
    same = await edit(client, partner, waba_id, tid, {"components": simple("x")["components"]})
    assert same.status_code == 200 and same.json()["status"] == "approved"

    # One edit of an approved template per 24 hours.
    first = await edit(client, partner, waba_id, tid, {"components": NEW_BODY})
    assert first.status_code == 200 and first.json()["status"] == "submitted"
    await set_status(client, tid, "approved")
    other = [{"type": "BODY", "text": "Third version"}]
    too_soon = await edit(client, partner, waba_id, tid, {"components": other})
    assert_error(too_soon, 409)
    assert "24 hours" in too_soon.json()["meta"]["developer_message"]
    await advance(client, 86400)
    assert (await edit(client, partner, waba_id, tid, {"components": other})).status_code == 200

    # Rejected or paused: any number of edits, and the category may change.
    for status in ("rejected", "paused"):
        await set_status(client, tid, status)
        moved = await edit(
            client,
            partner,
            waba_id,
            tid,
            {"category": "utility", "components": [{"type": "BODY", "text": f"As {status}"}]},
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["category"] == "UTILITY" and moved.json()["status"] == "submitted"
        assert moved.json()["rejected_reason"] is None
        await set_status(client, tid, "approved")
        await set_status(client, tid, status)
        back = await edit(client, partner, waba_id, tid, {"category": "MARKETING"})
        assert back.status_code == 200 and back.json()["category"] == "MARKETING"

    # Disabled: not editable.
    await set_status(client, tid, "disabled")
    assert_error(await edit(client, partner, waba_id, tid, {"components": NEW_BODY}), 409)


async def test_ten_approved_edits_in_thirty_days(client: Client, partner: PartnerCreds) -> None:
    waba_id = await waba_of(client, partner)
    tid = (await create(client, partner, waba_id, simple("monthly")))["id"]
    for n in range(10):
        await set_status(client, tid, "approved")
        body = {"components": [{"type": "BODY", "text": f"Version {n}"}]}
        assert (await edit(client, partner, waba_id, tid, body)).status_code == 200
        await advance(client, 86400 + 1)
    await set_status(client, tid, "approved")
    eleventh = await edit(client, partner, waba_id, tid, {"components": NEW_BODY})
    assert_error(eleventh, 409)
    assert "30 days" in eleventh.json()["meta"]["developer_message"]


async def test_edits_of_other_wabas_and_partners_are_not_found(
    client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    waba_id = await waba_of(client, partner)
    other_waba = await waba_of(client, partner, "+4915122222222")
    tid = (await create(client, partner, waba_id, simple("mine")))["id"]
    await set_status(client, tid, "approved")
    body = {"components": NEW_BODY}
    assert_error(await edit(client, partner, other_waba, tid, body), 404)
    assert_error(await edit(client, partner, waba_id, "missingTP", body), 404)
    foreign = await client.patch(
        f"{url(partner, waba_id)}/{tid}", headers=other_partner.headers, json=body
    )
    assert_error(foreign, 403)
    theirs = await waba_of(client, other_partner, "+4915133333333")
    assert_error(await edit(client, partner, theirs, tid, body), 404)
    # Nothing changed.
    assert (await listing(client, partner, waba_id))["waba_templates"][0]["status"] == "approved"


async def test_the_messaging_api_creates_201_and_deletes_by_name(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    ids = []
    for language in ("en", "de"):
        created = await client.post(
            "/v1/configs/templates", headers=key, json=simple("welcome", language, "utility")
        )
        assert created.status_code == 201, created.text
        assert created.json() == {
            "id": created.json()["id"],
            "status": "PENDING",
            "category": "UTILITY",
        }
        ids.append(created.json()["id"])
    keep = await client.post("/v1/configs/templates", headers=key, json=simple("goodbye"))
    listed = await client.get("/v1/configs/templates", headers=key)
    assert {t["id"] for t in listed.json()["waba_templates"]} == {*ids, keep.json()["id"]}

    deleted = await client.delete("/v1/configs/templates/welcome", headers=key)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"success": True}
    listed = await client.get("/v1/configs/templates", headers=key)
    assert [t["name"] for t in listed.json()["waba_templates"]] == ["goodbye"]

    again = await client.delete("/v1/configs/templates/welcome", headers=key)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == 100 and "meta" not in again.json()
    unauthenticated = await client.delete("/v1/configs/templates/goodbye")
    assert unauthenticated.status_code == 401 and unauthenticated.json()["error"]["code"] == 0
    partner_key = await client.delete(
        "/v1/configs/templates/goodbye", headers={"X-API-Key": partner.api_key}
    )
    assert partner_key.status_code == 401
    # A refused create is still a Graph error.
    bad = await client.post("/v1/configs/templates", headers=key, json=simple("Bad Name"))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == 100
    assert channel["waba_account_id"]
