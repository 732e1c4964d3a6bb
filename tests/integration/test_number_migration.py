"""Number migration (issue 18 item 4) over real HTTP with a real webhook receiver: a number
migrated into a client (two-step verification, one-time code by SMS or voice, expiry on the
virtual clock), and a number moved to a new WABA with and without a currency change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.api import assert_error
from tests.helpers.clients import events, onboard
from tests.helpers.clock import advance, eventually
from tests.helpers.migration import approve, force_status, migrations_url, otp, set_two_step
from tests.helpers.templates import create as create_template
from tests.helpers.templates import simple
from tests.helpers.webhooks import setup_webhook
from tests.integration.live_http import over_http
from tests.receiver import Receiver

Client = httpx.AsyncClient
NUMBER = "+4915100007701"


@pytest.fixture
async def http(app: Litestar, client: Client) -> AsyncIterator[Client]:
    """The app behind a real socket (``client`` runs its lifespan, and so its worker)."""
    async with over_http(app) as live:
        yield live


async def _channel(http: Client, partner: PartnerCreds, channel_id: str) -> dict[str, Any]:
    response = await http.get(
        f"/api/v2/partners/{partner.partner_id}/channels",
        headers=partner.headers,
        params={"filters": f'{{"id": "{channel_id}"}}'},
    )
    assert response.status_code == 200, response.text
    listed = response.json()["partner_channels"]
    assert len(listed) == 1
    found: dict[str, Any] = listed[0]
    return found


async def test_migrating_a_number_in_two_step_code_and_review_events(
    http: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(http, partner, receiver)
    done = await onboard(http, partner, ["+4915100007700"])
    await eventually(lambda: len(receiver.requests) == 2)  # client_created, channel_created
    url = migrations_url(partner, done["client_id"])

    # The number has two-step verification at its current BSP: refused, nothing created.
    await set_two_step(http, NUMBER, True)
    meta = assert_error(
        await http.post(url, headers=partner.headers, json={"phone_number": NUMBER}), 409
    )
    assert "Two-step verification is enabled" in meta["developer_message"]
    await set_two_step(http, NUMBER, False)

    started = await http.post(
        url, headers=partner.headers, json={"phone_number": NUMBER, "phone_name": "Pizza 2"}
    )
    assert started.status_code == 201, started.text
    migration = started.json()
    channel_id = migration["id"]
    assert migration["status"] == "pending_verification"
    assert migration["phone_number"] == NUMBER
    assert migration["code_method"] is None and migration["completed_at"] is None
    assert migration["channel"]["status"] == "created"
    assert migration["channel"]["is_migrated"] is False
    await eventually(lambda: len(receiver.requests) == 3)
    created = events(receiver)[2]
    assert created["event"] == "channel_created"
    assert created["data"]["id"] == channel_id
    assert created["data"]["phone_number"] == NUMBER
    assert created["data"]["phone_name"] == "Pizza 2"
    assert created["data"]["waba_account"]["id"] == done["waba_account_id"]

    # The same number twice: it is on the hub already.
    assert_error(await http.post(url, headers=partner.headers, json={"phone_number": NUMBER}), 409)
    # No code asked for yet.
    assert_error(
        await http.post(
            f"{url}/{channel_id}/verify_code", headers=partner.headers, json={"code": "1"}
        ),
        409,
    )
    assert_error(
        await http.post(
            f"{url}/{channel_id}/request_code",
            headers=partner.headers,
            json={"code_method": "FAX"},
        ),
        400,
        "code_method",
    )
    # Two-step turned back on between the steps: refused until it is off again.
    await set_two_step(http, NUMBER, True)
    assert_error(
        await http.post(
            f"{url}/{channel_id}/request_code", headers=partner.headers, json={"code_method": "SMS"}
        ),
        409,
    )
    await set_two_step(http, NUMBER, False)

    sent = await http.post(
        f"{url}/{channel_id}/request_code",
        headers=partner.headers,
        json={"code_method": "voice", "language": "de"},
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "code_sent" and sent.json()["code_method"] == "VOICE"
    received = await otp(http, channel_id)
    assert received["code_method"] == "VOICE" and received["language"] == "de"
    code = received["code"]
    assert len(code) == 6 and code.isdigit()
    assert received["expires_at"] == sent.json()["code_expires_at"]

    wrong = "000000" if code != "000000" else "111111"
    assert_error(
        await http.post(
            f"{url}/{channel_id}/verify_code", headers=partner.headers, json={"code": wrong}
        ),
        400,
        "code",
    )
    # A wrong code leaves the number out of review (the onboarded one goes on): still created.
    await advance(http, 120)
    await eventually(lambda: len(receiver.requests) == 5)
    assert [e["data"]["id"] for e in events(receiver)[3:]] == [done["channel_ids"][0]] * 2
    assert (await _channel(http, partner, channel_id))["status"] == "created"

    verified = await http.post(
        f"{url}/{channel_id}/verify_code", headers=partner.headers, json={"code": code}
    )
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert body["status"] == "completed" and body["completed_at"] is not None
    assert body["channel"]["is_migrated"] is True
    got = await http.get(f"{url}/{channel_id}", headers=partner.headers)
    assert got.status_code == 200 and got.json()["status"] == "completed"
    assert_error(
        await http.post(
            f"{url}/{channel_id}/verify_code", headers=partner.headers, json={"code": code}
        ),
        409,
    )

    # Verified: the usual review runs, with its events, for the migrated number only.
    for status in ("submitted", "ready", "running", "live"):
        seen = len(receiver.requests)
        await advance(http, 60)
        await eventually(
            lambda seen=seen: any(e["data"]["id"] == channel_id for e in events(receiver)[seen:])
        )
        mine = [e for e in events(receiver)[seen:] if e["data"]["id"] == channel_id]
        assert [e["event"] for e in mine] == [f"channel_{status}"]
        assert mine[0]["data"]["status"] == status
    listed = await http.get(
        f"/api/v2/partners/{partner.partner_id}/channels",
        headers=partner.headers,
        params={"filters": '{"is_migrated": true}'},
    )
    assert [c["id"] for c in listed.json()["partner_channels"]] == [channel_id]


async def test_the_code_expires_on_the_virtual_clock_and_five_wrong_codes_spend_it(
    http: Client, partner: PartnerCreds
) -> None:
    done = await onboard(http, partner, ["+4915100007710"])
    url = migrations_url(partner, done["client_id"])
    started = await http.post(url, headers=partner.headers, json={"phone_number": "+4915100007711"})
    channel_id = started.json()["id"]
    request = {"code_method": "SMS"}
    assert (
        await http.post(f"{url}/{channel_id}/request_code", headers=partner.headers, json=request)
    ).status_code == 200
    code = (await otp(http, channel_id))["code"]
    await advance(http, 601)
    meta = assert_error(
        await http.post(
            f"{url}/{channel_id}/verify_code", headers=partner.headers, json={"code": code}
        ),
        400,
        "code",
    )
    assert "expired" in meta["developer_message"]

    # A new code voids the old one; five wrong tries spend it.
    await http.post(f"{url}/{channel_id}/request_code", headers=partner.headers, json=request)
    code = (await otp(http, channel_id))["code"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert_error(
            await http.post(
                f"{url}/{channel_id}/verify_code", headers=partner.headers, json={"code": wrong}
            ),
            400,
        )
    assert (await otp(http, channel_id))["code"] is None
    assert_error(
        await http.post(
            f"{url}/{channel_id}/verify_code", headers=partner.headers, json={"code": code}
        ),
        409,
    )
    state = await http.get(f"{url}/{channel_id}", headers=partner.headers)
    assert state.json()["status"] == "pending_verification"


async def test_moving_a_number_to_a_new_waba_without_a_currency_change(
    http: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    done = await onboard(http, partner, ["+4915100007720", "+4915100007721"])
    first, second = done["channel_ids"]
    base = f"/api/v2/partners/{partner.partner_id}/clients/{done['client_id']}/channels"
    # Not registered yet: refused.
    assert_error(await http.post(f"{base}/{first}/waba_migration", headers=partner.headers), 409)
    await force_status(http, first, "live")
    before = await _channel(http, partner, first)
    approved = await create_template(http, partner, done["waba_account_id"], simple("welcome"))
    await approve(http, approved["id"])
    await create_template(http, partner, done["waba_account_id"], simple("pending_one"))
    await setup_webhook(http, partner, receiver)

    await set_two_step(http, "+4915100007720", True)
    meta = assert_error(
        await http.post(f"{base}/{first}/waba_migration", headers=partner.headers), 409
    )
    assert "Two-step verification" in meta["developer_message"]
    await set_two_step(http, "+4915100007720", False)

    moved = await http.post(f"{base}/{first}/waba_migration", headers=partner.headers, json={})
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["source_waba_account_id"] == done["waba_account_id"]
    assert body["currency"] == "EUR" and body["currency_changed"] is False
    assert body["moved_channel_ids"] == [first]
    assert len(body["copied_template_ids"]) == 1
    new_waba = body["waba_account"]
    assert new_waba["id"] != done["waba_account_id"]
    assert new_waba["client_id"] == done["client_id"]
    assert new_waba["settings"]["currency"] == "EUR"
    after = await _channel(http, partner, first)
    assert after["waba_account"]["id"] == new_waba["id"]
    # The phone number id stays the same: no re-registration.
    assert after["external_id"] == before["external_id"]
    assert (await _channel(http, partner, second))["waba_account"]["id"] == done["waba_account_id"]
    got = await http.get(
        f"/api/v2/partners/{partner.partner_id}/waba_accounts/{new_waba['id']}",
        headers=partner.headers,
    )
    assert got.status_code == 200 and got.json()["id"] == new_waba["id"]
    # Only the approved template was copied, approved: the moved number can send it at once.
    copied = await http.get(
        f"/api/v2/partners/{partner.partner_id}/waba_accounts/{new_waba['id']}/waba_templates",
        headers=partner.headers,
    )
    assert [(t["name"], t["status"]) for t in copied.json()["waba_templates"]] == [
        ("welcome", "approved")
    ]
    # No partner event is documented for a WABA move: none is sent.
    await advance(http, 0)
    assert receiver.requests == []


async def test_currency_change_moves_the_whole_waba(http: Client, partner: PartnerCreds) -> None:
    done = await onboard(http, partner, ["+4915100007730", "+4915100007731"])
    first, second = done["channel_ids"]
    base = f"/api/v2/partners/{partner.partner_id}/clients/{done['client_id']}/channels"
    await force_status(http, first, "live")
    await force_status(http, second, "running")

    url = f"{base}/{first}/waba_migration"
    assert_error(
        await http.post(url, headers=partner.headers, json={"currency": "BRL"}), 400, "currency"
    )
    assert_error(
        await http.post(url, headers=partner.headers, json={"currency": "GBP"}), 400, "currency"
    )
    # Two-step verification does not matter: no re-registration in a currency change.
    await set_two_step(http, "+4915100007730", True)
    moved = await http.post(url, headers=partner.headers, json={"currency": "usd"})
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["currency"] == "USD" and body["currency_changed"] is True
    assert sorted(body["moved_channel_ids"]) == sorted([first, second])
    new_id = body["waba_account"]["id"]
    for channel_id in (first, second):
        assert (await _channel(http, partner, channel_id))["waba_account"]["id"] == new_id
    old = await http.get(
        f"/api/v2/partners/{partner.partner_id}/waba_accounts/{done['waba_account_id']}",
        headers=partner.headers,
    )
    assert old.json()["settings"]["migrated_to"] == new_id
    # A number migrated into the client afterwards joins the new WABA.
    url = migrations_url(partner, done["client_id"])
    started = await http.post(url, headers=partner.headers, json={"phone_number": "+4915100007732"})
    assert started.json()["channel"]["waba_account"]["id"] == new_id


async def test_currency_change_needs_an_approved_waba(http: Client, partner: PartnerCreds) -> None:
    done = await onboard(http, partner, ["+4915100007740", "+4915100007741"])
    first, second = done["channel_ids"]
    await force_status(http, first, "live")
    await force_status(http, second, "running")
    await force_status(http, second, "account_restriction")  # the WABA follows: restricted
    url = (
        f"/api/v2/partners/{partner.partner_id}/clients/{done['client_id']}/channels/{first}"
        "/waba_migration"
    )
    meta = assert_error(
        await http.post(url, headers=partner.headers, json={"currency": "INR"}), 409
    )
    assert "approved" in meta["developer_message"]


async def test_another_partners_client_and_channels_are_404(
    http: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    done = await onboard(http, partner, ["+4915100007750"])
    url = migrations_url(partner, done["client_id"])
    started = await http.post(url, headers=partner.headers, json={"phone_number": "+4915100007751"})
    channel_id = started.json()["id"]
    await http.post(
        f"{url}/{channel_id}/request_code", headers=partner.headers, json={"code_method": "SMS"}
    )
    code = (await otp(http, channel_id))["code"]

    theirs = migrations_url(other_partner, done["client_id"])
    h = other_partner.headers
    for response in (
        await http.post(theirs, headers=h, json={"phone_number": "+4915100007752"}),
        await http.get(f"{theirs}/{channel_id}", headers=h),
        await http.post(
            f"{theirs}/{channel_id}/request_code", headers=h, json={"code_method": "SMS"}
        ),
        await http.post(f"{theirs}/{channel_id}/verify_code", headers=h, json={"code": code}),
        await http.post(
            f"/api/v2/partners/{other_partner.partner_id}/clients/{done['client_id']}/channels/"
            f"{done['channel_ids'][0]}/waba_migration",
            headers=h,
        ),
    ):
        meta = assert_error(response, 404)
        assert code not in str(meta) and NUMBER not in str(meta)
    # Their key on my partner's paths: 403.
    assert_error(await http.get(f"{url}/{channel_id}", headers=h), 403)
    # Nothing changed: my migration still waits for its code, which still works.
    assert (await otp(http, channel_id))["code"] == code
    done_now = await http.post(
        f"{url}/{channel_id}/verify_code", headers=partner.headers, json={"code": code}
    )
    assert done_now.status_code == 200, done_now.text
    # The emulator's controls need the emulator token.
    assert (await http.get(f"/_emulator/number_migrations/{channel_id}/code")).status_code in (
        401,
        403,
        404,
    )
    assert EMULATOR


async def test_migrations_and_two_step_flags_travel_in_the_world_export(
    http: Client, partner: PartnerCreds
) -> None:
    done = await onboard(http, partner, ["+4915100007760"])
    url = migrations_url(partner, done["client_id"])
    started = await http.post(url, headers=partner.headers, json={"phone_number": "+4915100007761"})
    channel_id = started.json()["id"]
    await http.post(
        f"{url}/{channel_id}/request_code", headers=partner.headers, json={"code_method": "SMS"}
    )
    code = (await otp(http, channel_id))["code"]
    await set_two_step(http, "+4915100007762", True)
    before = (await http.get(f"{url}/{channel_id}", headers=partner.headers)).json()

    exported = (await http.get("/_emulator/state", headers=EMULATOR)).json()
    assert [m["channel_id"] for m in exported["number_migrations"]] == [channel_id]
    assert exported["two_step_settings"][0]["phone_number"] == "+4915100007762"
    seeded = await http.post("/_emulator/seed", headers=EMULATOR, json=exported)
    assert seeded.status_code == 200, seeded.text

    assert (await http.get(f"{url}/{channel_id}", headers=partner.headers)).json() == before
    assert (await otp(http, channel_id))["code"] == code
    refused = await http.post(url, headers=partner.headers, json={"phone_number": "+4915100007762"})
    assert_error(refused, 409)


async def test_openapi_documents_the_migration_operations(http: Client) -> None:
    paths = (await http.get("/openapi.json")).json()["paths"]
    base = "/api/v2/partners/{partner_id}/clients/{client_id}"
    bodies = {
        f"{base}/number_migrations": "MigrationIn",
        f"{base}/number_migrations/{{channel_id}}/request_code": "RequestCodeIn",
        f"{base}/number_migrations/{{channel_id}}/verify_code": "VerifyCodeIn",
        f"{base}/channels/{{channel_id}}/waba_migration": "WabaMoveIn",
        "/_emulator/numbers/{wa_id}/two_step": "TwoStepIn",
    }
    for path, schema in bodies.items():
        body = paths[path]["post"]["requestBody"]
        assert body["content"]["application/json"]["schema"]["$ref"].endswith(schema), path
    assert (
        paths[f"{base}/channels/{{channel_id}}/waba_migration"]["post"]["requestBody"]["required"]
        is False
    )
    assert "get" in paths[f"{base}/number_migrations/{{channel_id}}"]
    assert "get" in paths["/_emulator/number_migrations/{channel_id}/code"]
