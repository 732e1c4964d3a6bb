"""Clients, channels and WABA accounts: onboarding, the simulated lifecycle, lists, isolation."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.api import assert_error
from tests.helpers.clients import events, onboard
from tests.helpers.clock import advance, eventually
from tests.helpers.webhooks import setup_webhook
from tests.receiver import Receiver

Client = httpx.AsyncClient


async def channels(client: Client, partner: PartnerCreds, **params: Any) -> dict[str, Any]:
    response = await client.get(
        f"/api/v2/partners/{partner.partner_id}/channels", headers=partner.headers, params=params
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_signup_then_the_whole_lifecycle_in_order(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(client, partner, receiver)
    done = await onboard(
        client,
        partner,
        [{"phone_number": "+49 151 1234 5678", "phone_name": "Pizza"}, "+4915187654321"],
        partner_payload="crm-42",
    )
    assert len(done["channel_ids"]) == 2
    await advance(client, 0)
    assert sorted(e["event"] for e in events(receiver)) == [
        "channel_created",
        "channel_created",
        "client_created",
    ]
    created = next(e for e in events(receiver) if e["event"] == "client_created")
    assert created["data"]["id"] == done["client_id"]
    assert created["data"]["partner_payload"] == "crm-42"
    first = next(e for e in events(receiver) if e["event"] == "channel_created")["data"]
    assert {
        "client_id",
        "client",
        "phone_number",
        "phone_name",
        "created_at",
        "billing_started_at",
        "fb_account_status",
        "status",
        "account_mode",
    } <= set(first)
    waba_url = f"/api/v2/partners/{partner.partner_id}/waba_accounts/{done['waba_account_id']}"

    expected = [
        ("submitted", "channel_submitted", "consents_pending"),
        ("ready", "channel_ready", "unverified"),
        ("running", "channel_running", "approved"),
        ("live", "channel_live", "approved"),
    ]
    for status, event, waba_status in expected:
        seen = len(receiver.requests)
        assert (await advance(client, 50))["deliveries_attempted"] == 0  # the step is 60 s
        await advance(client, 10)
        await eventually(lambda seen=seen: len(receiver.requests) == seen + 2)
        new = events(receiver)[seen:]
        assert [e["event"] for e in new] == [event, event]
        assert {e["data"]["id"] for e in new} == set(done["channel_ids"])
        assert all(e["data"]["status"] == status for e in new)
        listed = await channels(client, partner)
        assert {c["status"] for c in listed["partner_channels"]} == {status}
        waba = (await client.get(waba_url, headers=partner.headers)).json()
        assert waba["status"] == waba_status
        assert all(
            c["waba_account"]["fb_account_status"] == waba_status
            for c in listed["partner_channels"]
        )
    live = (await channels(client, partner))["partner_channels"][0]
    assert live["billing_started_at"] is not None
    assert live["setup_info"]["phone_number"] in ("+4915112345678", "+4915187654321")
    assert live["client"]["partner_payload"] == "crm-42"
    assert (await advance(client, 3600))["deliveries_attempted"] == 0  # live is the end


async def test_cancellation_request_revoke_and_processing(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(client, partner, receiver)
    done = await onboard(client, partner, ["+4915100000001"])
    await advance(client, 4 * 60)  # through review to live: one jump runs every step
    channel_id = done["channel_ids"][0]
    url = (
        f"/api/v2/partners/{partner.partner_id}/clients/{done['client_id']}/channels/"
        f"{channel_id}/control/cancellation_request"
    )
    requested = await client.post(url, headers=partner.headers, json={"enabled": True})
    assert requested.status_code == 200 and requested.json()["cancellation_date"] is not None
    # terminated_at carries the date the cancellation takes effect: the end of the month.
    effective = requested.json()["terminated_at"]
    assert effective == requested.json()["cancellation_date"]
    assert effective.endswith("-01T00:00:00Z")
    asked_at = datetime.fromisoformat(requested.json()["modified_at"])
    due_in = (datetime.fromisoformat(effective) - asked_at).total_seconds()
    assert 0 < due_in <= 31 * 86400
    listed = (await channels(client, partner))["partner_channels"][0]
    assert listed["terminated_at"] == effective and listed["status"] == "live"
    revoked = await client.post(url, headers=partner.headers, json={"enabled": False})
    assert revoked.json()["cancellation_date"] is None
    assert revoked.json()["terminated_at"] is None  # withdrawn: back to null
    again = await client.post(url, headers=partner.headers, json={"enabled": True})
    assert again.json()["terminated_at"] == effective
    before = max(due_in - 60, 0)  # a request in a month's last minute has no "before"
    if before:
        await advance(client, before)
        assert (await channels(client, partner))["partner_channels"][0]["status"] == "live"
    await advance(client, due_in - before + 60)
    terminated = (await channels(client, partner))["partner_channels"][0]
    assert terminated["status"] == "terminated" and terminated["terminated_at"] == effective
    names = [e["event"] for e in events(receiver)]
    # Events committed milliseconds apart may be delivered in either order (docs/fidelity.md).
    assert sorted(names[-4:-1]) == [
        "cancellation_request",
        "cancellation_request",
        "cancellation_revoke",
    ]
    assert names[-1] == "cancellation_processed"
    assert_error(await client.post(url, headers=partner.headers, json={"enabled": True}), 409)
    assert_error(
        await client.post(url, headers=partner.headers, json={"enabled": "yes"}), 400, "enabled"
    )


async def test_paging_through_a_thousand_clients(client: Client, partner: PartnerCreds) -> None:
    for n in range(1000):
        await onboard(client, partner, [f"+491510000{n:04d}"], name=f"Client {n:04d}")
    url = f"/api/v2/partners/{partner.partner_id}/clients"
    seen: list[str] = []
    for offset in range(0, 1000, 300):
        page = (
            await client.get(
                url,
                headers=partner.headers,
                params={"limit": 300, "offset": offset, "sort": "name"},
            )
        ).json()
        assert page["total"] == 1000 and page["limit"] == 300 and page["offset"] == offset
        assert page["count"] == len(page["clients"])
        seen += [c["id"] for c in page["clients"]]
    assert len(seen) == len(set(seen)) == 1000
    names = (
        await client.get(url, headers=partner.headers, params={"limit": 3, "sort": "-name"})
    ).json()["clients"]
    assert [c["name"] for c in names] == ["Client 0999", "Client 0998", "Client 0997"]
    one = (
        await client.get(
            url, headers=partner.headers, params={"filters": json.dumps({"name": "Client 0500"})}
        )
    ).json()
    assert one["total"] == 1 and one["filters"] == {"name": "Client 0500"}


@pytest.mark.parametrize(
    ("key", "value", "hits"),
    [
        ("contact_info.email", "owner@pizza.example", 2),
        ("contact_user.name", "Ada", 2),
        ("meta_info.business_vertical", "RESTAURANT", 1),
        ("status", "active", 2),
        ("name", "nobody", 0),
    ],
)
async def test_client_filters_on_nested_keys(
    client: Client, partner: PartnerCreds, key: str, value: str, hits: int
) -> None:
    await onboard(
        client, partner, ["+4915100000011"], name="A", meta_info={"business_vertical": "RESTAURANT"}
    )
    await onboard(client, partner, ["+4915100000012"], name="B")
    page = (
        await client.get(
            f"/api/v2/partners/{partner.partner_id}/clients",
            headers=partner.headers,
            params={"filters": json.dumps({key: value})},
        )
    ).json()
    assert page["total"] == hits


async def test_channel_filters_search_and_bad_parameters(
    client: Client, partner: PartnerCreds
) -> None:
    done = await onboard(
        client,
        partner,
        [{"phone_number": "+4915100000021", "phone_name": "Shop"}, "+4915100000022"],
    )
    assert (await channels(client, partner, filters='{"q": "Shop"}'))["total"] == 1
    assert (await channels(client, partner, filters='{"q": "0000022"}'))["total"] == 1
    assert (await channels(client, partner, filters=json.dumps({"client_id": done["client_id"]})))[
        "total"
    ] == 2
    assert (
        await channels(client, partner, filters='{"setup_info.phone_number": "+4915100000021"}')
    )["total"] == 1
    assert (
        await channels(
            client, partner, filters=json.dumps({"waba_account.id": done["waba_account_id"]})
        )
    )["total"] == 2
    assert (await channels(client, partner, filters='{"status": "live"}'))["total"] == 0
    base = f"/api/v2/partners/{partner.partner_id}"
    meta = assert_error(
        await client.get(
            f"{base}/channels", headers=partner.headers, params={"filters": '{"secret": 1}'}
        ),
        400,
        "filters",
    )
    assert "setup_info.phone_number" in meta["developer_message"]  # lists the allowed keys
    assert_error(
        await client.get(f"{base}/channels", headers=partner.headers, params={"sort": "phone"}),
        400,
        "sort",
    )
    assert_error(
        await client.get(
            f"{base}/clients",
            headers=partner.headers,
            params={"filters": '{"contact_info.secret": "x"}'},
        ),
        400,
        "filters",
    )


async def test_patch_client(client: Client, partner: PartnerCreds) -> None:
    done = await onboard(client, partner, ["+4915100000031", "+4915100000032"])
    url = f"/api/v2/partners/{partner.partner_id}/clients/{done['client_id']}"
    patched = await client.patch(
        url, headers=partner.headers, json={"partner_payload": "x-1", "max_channels": 5}
    )
    assert patched.status_code == 200
    assert patched.json()["partner_payload"] == "x-1" and patched.json()["max_channels"] == 5
    assert_error(
        await client.patch(url, headers=partner.headers, json={"max_channels": 1}),
        400,
        "max_channels",
    )
    assert_error(
        await client.patch(url, headers=partner.headers, json={"max_channels": "5"}),
        400,
        "max_channels",
    )
    assert_error(await client.patch(url, headers=partner.headers, json={"name": "x"}), 400, "name")


async def test_other_partners_objects_are_404(
    client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    done = await onboard(client, partner, ["+4915100000041"])
    theirs = f"/api/v2/partners/{other_partner.partner_id}"
    h = other_partner.headers
    assert_error(
        await client.patch(
            f"{theirs}/clients/{done['client_id']}", headers=h, json={"partner_payload": "stolen"}
        ),
        404,
    )
    assert_error(
        await client.get(f"{theirs}/waba_accounts/{done['waba_account_id']}", headers=h), 404
    )
    assert_error(
        await client.post(
            f"{theirs}/clients/{done['client_id']}/channels/{done['channel_ids'][0]}"
            "/control/cancellation_request",
            headers=h,
            json={"enabled": True},
        ),
        404,
    )
    assert (await channels(client, other_partner))["total"] == 0
    listed = (await client.get(f"{theirs}/clients", headers=h)).json()
    assert listed["total"] == 0 and done["client_id"] not in json.dumps(listed)
    mine = f"/api/v2/partners/{partner.partner_id}"
    assert_error(await client.get(f"{mine}/clients", headers=h), 403)


async def test_phone_numbers_are_e164_and_unique(client: Client, partner: PartnerCreds) -> None:
    await onboard(client, partner, ["+4915100000051"])
    for bad in ("12345", "+0123456789", "phone", "+49 151 abc"):
        response = await client.post(
            "/_emulator/onboard",
            headers=EMULATOR,
            json={
                "partner_id": partner.partner_id,
                "client": {"name": "X", "email": "x@x.example"},
                "phone_numbers": [bad],
            },
        )
        assert_error(response, 400, "phone_numbers[0]")
    taken = await client.post(
        "/_emulator/onboard",
        headers=EMULATOR,
        json={
            "partner_id": partner.partner_id,
            "client": {"name": "X", "email": "x@x.example"},
            "phone_numbers": ["0049 151 00000051"],
        },
    )
    assert_error(taken, 409)


async def test_emulator_drives_violations_and_refuses_impossible_moves(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(client, partner, receiver)
    done = await onboard(client, partner, ["+4915100000061"])
    channel_id = done["channel_ids"][0]
    url = f"/_emulator/channels/{channel_id}/status"
    assert_error(
        await client.post(url, headers=EMULATOR, json={"status": "account_violation"}), 409
    )
    assert (await client.post(url, headers=EMULATOR, json={"status": "running"})).status_code == 201
    hit = await client.post(
        url, headers=EMULATOR, json={"status": "account_violation", "violation_type": "SPAM"}
    )
    assert hit.json() == {
        "id": channel_id,
        "status": "account_violation",
        "fb_account_status": "account_violation",
    }
    await advance(client, 0)
    violation = next(e for e in events(receiver) if e["event"] == "account_violation")
    assert violation["data"]["violation_type"] == "SPAM"
    assert violation["data"]["phone_number"] == "+4915100000061"
    assert_error(
        await client.post(url, headers=EMULATOR, json={"status": "created"}), 400, "status"
    )
    assert_error(await client.post(url, headers=EMULATOR, json={"status": "submitted"}), 409)
    restored = await client.post(url, headers=EMULATOR, json={"status": "live"})
    assert restored.json()["status"] == "live"
    assert_error(
        await client.post(
            "/_emulator/channels/nopeCH/status", headers=EMULATOR, json={"status": "live"}
        ),
        404,
    )


async def test_every_channel_filter_key_and_time_ranges(
    client: Client, partner: PartnerCreds
) -> None:
    first = await onboard(client, partner, ["+4915100000071"])
    await advance(client, 3600)
    second = await onboard(client, partner, ["+4915100000072", "+4915100000073"], name="Later")
    every = (await channels(client, partner, limit=10))["partner_channels"]
    assert len(every) == 3
    newest, oldest = every[0], every[-1]
    assert oldest["id"] == first["channel_ids"][0]
    assert {"type", "version", "is_migrated", "availability_status"} <= set(newest)
    # Each key, with the value of one channel, finds at least that channel.
    for key, value in {
        "id": newest["id"],
        "status": newest["status"],
        "client_id": second["client_id"],
        "type": newest["type"],
        "version": newest["version"],
        "account_mode": newest["account_mode"],
        "is_migrated": newest["is_migrated"],
        "current_limit": newest["current_limit"],
        "current_quality_rating": newest["current_quality_rating"],
        "availability_status": newest["availability_status"],
        "terminated_at": None,
        "setup_info.phone_number": newest["setup_info"]["phone_number"],
        "setup_info.phone_name": newest["setup_info"]["phone_name"],
        "created_at": newest["created_at"],
        "modified_at": newest["modified_at"],
        "external_id": newest["external_id"],
        "waba_account.id": second["waba_account_id"],
    }.items():
        page = await channels(client, partner, filters=json.dumps({key: value}))
        assert newest["id"] in [c["id"] for c in page["partner_channels"]], key
        assert page["total"] == len(page["partner_channels"]), key
        assert page["filters"] == {key: value}
    later = await channels(
        client, partner, filters=json.dumps({"created_at": {"gt": oldest["created_at"]}})
    )
    assert later["total"] == 2
    earlier = await channels(
        client, partner, filters=json.dumps({"created_at": {"lte": oldest["created_at"]}})
    )
    assert [c["id"] for c in earlier["partner_channels"]] == [oldest["id"]]
    assert (await channels(client, partner, filters='{"is_migrated": true}'))["total"] == 0
    base = f"/api/v2/partners/{partner.partner_id}/channels"
    for bad, field in [
        ('{"version": "2"}', "filters.version"),
        ('{"is_migrated": "no"}', "filters.is_migrated"),
        ('{"created_at": "yesterday"}', "filters.created_at"),
        ('{"created_at": {"after": "2026-01-01T00:00:00Z"}}', "filters.created_at"),
        ('{"created_at": {"gte": 5}}', "filters.created_at.gte"),
    ]:
        assert_error(
            await client.get(base, headers=partner.headers, params={"filters": bad}), 400, field
        )


async def test_sorting_both_ways_pages_without_gaps(client: Client, partner: PartnerCreds) -> None:
    numbers = [f"+49151000008{i:02d}" for i in range(12)]
    await onboard(client, partner, numbers[:6])
    await onboard(client, partner, numbers[6:], name="Second")  # same second: ties on created_at
    for sort in ["-created_at", "created_at", "id", "-id", "status,-created_at", "-modified_at"]:
        seen: list[str] = []
        for offset in range(0, 12, 5):
            page = await channels(client, partner, sort=sort, limit=5, offset=offset)
            assert page["sort"] == sort.split(",")
            seen += [c["id"] for c in page["partner_channels"]]
        assert len(seen) == len(set(seen)) == 12, sort
    ids = [
        c["id"] for c in (await channels(client, partner, sort="id", limit=12))["partner_channels"]
    ]
    assert ids == sorted(ids)
    desc = await channels(client, partner, sort="-id", limit=12)
    assert [c["id"] for c in desc["partner_channels"]] == sorted(ids, reverse=True)


async def test_channel_totals_follow_every_status_change(
    client: Client, partner: PartnerCreds
) -> None:
    """The per-status counters behind ``total`` agree with the rows after every kind of move."""
    done = await onboard(client, partner, [f"+4915100000{i:03d}" for i in range(900, 905)])
    ids = done["channel_ids"]
    await client.post(
        f"/_emulator/channels/{ids[0]}/status", headers=EMULATOR, json={"status": "running"}
    )
    await client.post(
        f"/_emulator/channels/{ids[0]}/status",
        headers=EMULATOR,
        json={"status": "account_restriction"},
    )
    await advance(client, 2)  # the others take one simulated step
    base = f"/api/v2/partners/{partner.partner_id}/clients/{done['client_id']}/channels"
    await client.post(
        f"{base}/{ids[1]}/control/cancellation_request",
        headers=partner.headers,
        json={"enabled": True},
    )
    await advance(client, 31 * 86400)  # through review, and the cancellation takes effect

    every = (await channels(client, partner, limit=100))["partner_channels"]
    by_status: dict[str, int] = {}
    for channel in every:
        by_status[channel["status"]] = by_status.get(channel["status"], 0) + 1
    assert by_status == {"account_restriction": 1, "terminated": 1, "live": 3}
    assert (await channels(client, partner))["total"] == 5
    for status in [
        "created",
        "submitted",
        "ready",
        "running",
        "live",
        "terminated",
        "account_restriction",
    ]:
        page = await channels(client, partner, filters=json.dumps({"status": status}))
        assert page["total"] == by_status.get(status, 0), status
        assert page["count"] == by_status.get(status, 0), status


async def test_account_sharing_creates_an_empty_client(
    client: Client, partner: PartnerCreds, other_partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(client, partner, receiver)
    base = f"/api/v2/partners/{partner.partner_id}"
    response = await client.post(
        f"{base}/account_sharing/clients",
        headers=partner.headers,
        json={"name": "Hosted Co", "email": "Boss@Hosted.example", "user_name": "Grace"},
    )
    assert response.status_code == 200, response.text
    created = response.json()
    assert created["id"].endswith("CL") and created["name"] == "Hosted Co"
    assert created["contact_user"]["email"] == "boss@hosted.example"
    assert created["created_at"] and created["modified_at"]
    listed = await client.get(
        f"{base}/clients",
        headers=partner.headers,
        params={"filters": json.dumps({"contact_user.email": "boss@hosted.example"})},
    )
    assert [c["id"] for c in listed.json()["clients"]] == [created["id"]]
    await advance(client, 0)
    await eventually(lambda: any(b"client_created" in r.body for r in receiver.requests))
    assert events(receiver)[-1]["data"]["id"] == created["id"]
    for body, field in [
        ({"email": "a@b.example"}, "name"),
        ({"name": "X", "email": "not-an-email"}, "email"),
        ({"name": "  ", "email": "a@b.example"}, "name"),
        ({"name": "X", "email": "a@b.example", "extra": 1}, "extra"),
    ]:
        assert_error(
            await client.post(
                f"{base}/account_sharing/clients", headers=partner.headers, json=body
            ),
            400,
            field,
        )
    assert_error(
        await client.post(
            f"{base}/account_sharing/clients",
            headers=other_partner.headers,
            json={"name": "X", "email": "a@b.example"},
        ),
        403,
    )
