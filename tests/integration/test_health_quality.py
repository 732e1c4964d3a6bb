"""Health status, messaging limits and quality (issue 17 items 3 and 4) over real HTTP: the
health of a number for each cause, the tier's unique-user budget on the rolling 24 hours (raw
send path and routed handler), the quality moves and the exact partner events a real receiver
gets, and who may read a number's health."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select

from partnerhub.adapters import tables
from partnerhub.app import create_app
from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from partnerhub.wire.events import PhoneNumberQualityUpdate, decode_event
from tests.conftest import EMULATOR, PartnerCreds, running
from tests.helpers.clock import advance, eventually
from tests.helpers.hot_paths import routed_twin
from tests.helpers.messaging import CUSTOMER, generate, inbound
from tests.helpers.quality import (
    approved_template,
    control,
    entity,
    health,
    keyed_channel,
    report_spam,
    set_limit,
    set_quality,
    template_to,
)
from tests.helpers.webhooks import setup_webhook
from tests.integration.live_http import over_http
from tests.receiver import Receiver

Client = httpx.AsyncClient


@pytest.fixture
async def http(app: Litestar, client: Client) -> AsyncIterator[Client]:
    """The app behind a real socket (its lifespan is run by ``client``)."""
    async with over_http(app) as live:
        yield live


def _recipient(n: int) -> str:
    return f"49170{n:07d}"


async def test_a_running_number_is_available_on_every_entity(
    http: Client, partner: PartnerCreds, state: AppState
) -> None:
    channel, key = await keyed_channel(http, partner)
    found = await health(http, {"D360-API-KEY": key["api_key"]})
    async with state.uow() as uow:
        stored = await uow.clients.get_channel(partner.partner_id, channel["channel_id"])
        assert stored is not None
        waba = await uow.clients.get_waba(partner.partner_id, stored.waba_account_id)
        assert waba is not None
    assert found == {
        "health_status": {
            "can_send_message": "AVAILABLE",
            "entities": [
                {
                    "entity_type": "PHONE_NUMBER",
                    "id": stored.external_id,
                    "can_send_message": "AVAILABLE",
                },
                {"entity_type": "WABA", "id": waba.external_id, "can_send_message": "AVAILABLE"},
                {
                    "entity_type": "BUSINESS",
                    "id": waba.fb_business_id,
                    "can_send_message": "AVAILABLE",
                },
                {"entity_type": "APP", "id": key["app_id"], "can_send_message": "AVAILABLE"},
            ],
        },
        "id": stored.external_id,
    }


async def test_a_restricted_account_blocks_the_waba(http: Client, partner: PartnerCreds) -> None:
    channel, key = await keyed_channel(http, partner)
    moved = await http.post(
        f"/_emulator/channels/{channel['channel_id']}/status",
        headers=EMULATOR,
        json={"status": "account_restriction"},
    )
    assert moved.status_code == 201, moved.text
    found = await health(http, {"D360-API-KEY": key["api_key"]})
    assert found["health_status"]["can_send_message"] == "BLOCKED"
    waba = entity(found, "WABA")
    assert waba["can_send_message"] == "BLOCKED"
    (error,) = waba["errors"]
    assert error["error_code"] == 131031
    assert "account_restriction" in error["error_description"] and error["possible_solution"]
    assert entity(found, "PHONE_NUMBER")["can_send_message"] == "AVAILABLE"


async def test_a_number_no_longer_running_is_blocked(
    http: Client, partner: PartnerCreds, state: AppState
) -> None:
    channel, key = await keyed_channel(http, partner)
    # The number left the Cloud API (as after a cancellation) while the key was kept.
    async with state.uow() as uow:
        stored = await uow.clients.get_channel(partner.partner_id, channel["channel_id"])
        assert stored is not None
        stored.status = "cancelled"
        await uow.commit()
    found = await health(http, {"D360-API-KEY": key["api_key"]})
    phone = entity(found, "PHONE_NUMBER")
    assert phone["can_send_message"] == "BLOCKED"
    assert [e["error_code"] for e in phone["errors"]] == [133010]
    assert found["health_status"]["can_send_message"] == "BLOCKED"


async def test_a_negative_balance_blocks_the_business(http: Client, partner: PartnerCreds) -> None:
    _, key = await keyed_channel(http, partner)
    headers = {"D360-API-KEY": key["api_key"]}
    for total, expected in ((-5, "BLOCKED"), (10, "AVAILABLE")):
        set_to = await http.post(
            f"/_emulator/partners/{partner.partner_id}/balance",
            headers=EMULATOR,
            json={"total": total},
        )
        assert set_to.status_code == 200, set_to.text
        found = await health(http, headers)
        business = entity(found, "BUSINESS")
        assert business["can_send_message"] == expected
        assert found["health_status"]["can_send_message"] == expected
    set_to = await http.post(
        f"/_emulator/partners/{partner.partner_id}/balance", headers=EMULATOR, json={"total": -1}
    )
    (error,) = entity(await health(http, headers), "BUSINESS")["errors"]
    assert error["error_code"] == 131042


async def test_paused_templates_and_red_quality_limit(http: Client, partner: PartnerCreds) -> None:
    channel, key = await keyed_channel(http, partner)
    headers = {"D360-API-KEY": key["api_key"]}
    template_id = await approved_template(http, headers)
    paused = await http.post(
        f"/_emulator/templates/{template_id}/review", headers=EMULATOR, json={"status": "paused"}
    )
    assert paused.status_code == 200, paused.text
    found = await health(http, headers)
    waba = entity(found, "WABA")
    assert waba["can_send_message"] == "LIMITED"
    assert "errors" not in waba and "paused" in waba["additional_info"][0]
    assert found["health_status"]["can_send_message"] == "LIMITED"

    await set_quality(http, channel["channel_id"], "RED")
    phone = entity(await health(http, headers), "PHONE_NUMBER")
    assert phone["can_send_message"] == "LIMITED"
    assert "RED" in phone["additional_info"][0]
    await set_quality(http, channel["channel_id"], "YELLOW")
    assert entity(await health(http, headers), "PHONE_NUMBER")["can_send_message"] == "AVAILABLE"


async def test_the_tier_budget_counts_unique_users_on_a_rolling_24_hours(
    app: Litestar, http: Client, partner: PartnerCreds, state: AppState
) -> None:
    channel, key = await keyed_channel(http, partner)
    headers = {"D360-API-KEY": key["api_key"]}
    await approved_template(http, headers)
    assert (await set_limit(http, channel["channel_id"], "TIER_50"))["current_limit"] == "TIER_50"

    for n in range(50):
        sent = await http.post("/messages", headers=headers, json=template_to(_recipient(n)))
        assert sent.status_code == 200, sent.text
    over = await http.post("/messages", headers=headers, json=template_to(_recipient(50)))
    assert over.status_code == 400
    error = over.json()["error"]
    assert error["code"] == 131048 and error["type"] == "OAuthException"
    assert "messaging limit" in error["error_data"]["details"] and error["fbtrace_id"]
    # The routed handler refuses it the same way (same sender, same batch transaction).
    transport = httpx.ASGITransport(app=routed_twin(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as slow:
        refused = await slow.post("/messages", headers=headers, json=template_to(_recipient(51)))
        assert refused.status_code == 400 and refused.json()["error"]["code"] == 131048
        again = await slow.post("/messages", headers=headers, json=template_to(_recipient(7)))
        assert again.status_code == 200, again.text
    # A user already in a conversation costs nothing; a user whose window is open neither.
    assert (
        await http.post("/messages", headers=headers, json=template_to(_recipient(0)))
    ).status_code == 200
    phone = entity(await health(http, headers), "PHONE_NUMBER")
    assert phone["can_send_message"] == "LIMITED" and "TIER_50" in phone["additional_info"][0]

    # 24 hours after the first conversations opened (counted to the minute), they no longer count.
    await advance(http, 24 * 3600 + 61)
    fresh = await http.post("/messages", headers=headers, json=template_to(_recipient(60)))
    assert fresh.status_code == 200, fresh.text
    assert entity(await health(http, headers), "PHONE_NUMBER")["can_send_message"] == "AVAILABLE"
    # The per-minute counts that left the window were pruned by that send.
    counts = tables.business_conversation_counts
    async with state.uow() as uow:
        minutes = await uow.session.scalar(
            select(func.count()).where(counts.c.channel_id == channel["channel_id"])
        )
    assert minutes == 1


async def test_an_open_window_makes_the_conversation_user_initiated(
    http: Client, partner: PartnerCreds
) -> None:
    channel, key = await keyed_channel(http, partner)
    headers = {"D360-API-KEY": key["api_key"]}
    await approved_template(http, headers)
    await set_limit(http, channel["channel_id"], "TIER_50")
    for n in range(50):
        sent = await http.post("/messages", headers=headers, json=template_to(_recipient(n)))
        assert sent.status_code == 200, sent.text
    # The customer wrote in: a template to them inside the window is not business-initiated.
    await inbound(http, channel["channel_id"])
    inside = await http.post("/messages", headers=headers, json=template_to(CUSTOMER))
    assert inside.status_code == 200, inside.text
    # Unlimited: no budget at all.
    await set_limit(http, channel["channel_id"], "TIER_UNLIMITED")
    for n in range(100, 103):
        sent = await http.post("/messages", headers=headers, json=template_to(_recipient(n)))
        assert sent.status_code == 200, sent.text


async def test_two_apps_on_one_database_never_exceed_the_budget_together(
    http: Client, partner: PartnerCreds, settings: Settings, clock: VirtualClock
) -> None:
    """Two processes' send batches race for the last places of a TIER_50 budget: the number's
    row lock (PostgreSQL) and BEGIN IMMEDIATE (SQLite) let exactly 50 users through."""
    channel, key = await keyed_channel(http, partner)
    headers = {"D360-API-KEY": key["api_key"]}
    await approved_template(http, headers)
    await set_limit(http, channel["channel_id"], "TIER_50")
    other = create_app(settings, clock=clock)
    async with running(other), over_http(other) as second:
        answers = await asyncio.gather(
            *(
                (http if n % 2 else second).post(
                    "/messages", headers=headers, json=template_to(_recipient(n))
                )
                for n in range(70)
            )
        )
    codes = sorted(
        a.status_code if a.status_code == 200 else a.json()["error"]["code"] for a in answers
    )
    assert codes == [200] * 50 + [131048] * 20


def _quality_events(receiver: Receiver) -> list[dict[str, Any]]:
    with receiver.lock:
        bodies = [json.loads(r.body) for r in receiver.requests]
    return [b for b in bodies if b["event"] == "phone_number_quality_update"]


async def test_quality_moves_and_their_partner_events(
    http: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, _ = await keyed_channel(http, partner)
    channel_id = channel["channel_id"]
    await setup_webhook(http, partner, receiver)

    assert (await report_spam(http, channel_id, 9))["events"] == []
    moved = await report_spam(http, channel_id, 1)
    assert moved == {
        "id": channel_id,
        "current_quality_rating": "YELLOW",
        "current_limit": "TIER_1K",
        "spam_reports": 10,
        "events": ["FLAGGED"],
    }
    assert (await report_spam(http, channel_id, 15))["current_quality_rating"] == "RED"
    assert (await set_quality(http, channel_id, "GREEN"))["events"] == ["UNFLAGGED"]
    assert (await set_quality(http, channel_id, "GREEN"))["events"] == []  # no change, no event
    upgraded = await set_limit(http, channel_id, "TIER_10K")
    assert upgraded["events"] == ["UPGRADE"] and upgraded["spam_reports"] == 0
    # Red for seven days: the clock itself lowers the tier one step (no control needed).
    await set_quality(http, channel_id, "RED")
    await advance(http, 7 * 86400)
    after = await report_spam(http, channel_id, 1)
    assert after["events"] == [] and after["current_limit"] == "TIER_2K"

    await eventually(lambda: len(_quality_events(receiver)) >= 6)
    got = _quality_events(receiver)
    # Deliveries run concurrently: the receiver may get them in any order.
    assert sorted(
        (e["data"]["event"], e["data"]["current_quality_rating"], e["data"]["current_limit"])
        for e in got
    ) == sorted(
        [
            ("FLAGGED", "YELLOW", "TIER_1K"),
            ("FLAGGED", "RED", "TIER_1K"),
            ("UNFLAGGED", "GREEN", "TIER_1K"),
            ("UPGRADE", "GREEN", "TIER_10K"),
            ("FLAGGED", "RED", "TIER_10K"),
            ("DOWNGRADE", "RED", "TIER_2K"),
        ]
    )
    (upgrade,) = [e for e in got if e["data"]["event"] == "UPGRADE"]
    (downgrade,) = [e for e in got if e["data"]["event"] == "DOWNGRADE"]
    assert downgrade["data"]["old_limit"] == "TIER_10K"
    data = upgrade["data"]
    assert data["old_limit"] == "TIER_1K"
    assert all("old_limit" not in e["data"] for e in got if e not in (upgrade, downgrade))
    assert data["id"] == channel_id and data["phone_number"] == "+4915112345678"
    assert data["client_id"] == channel["client_id"] and data["status"] == "running"
    assert list(upgrade)[:3] == ["id", "event", "data"]
    # The SDK's typed events decode it.
    typed = decode_event(json.dumps(upgrade))
    assert isinstance(typed, PhoneNumberQualityUpdate)
    assert (typed.data.event, typed.data.old_limit) == ("UPGRADE", "TIER_1K")
    assert len({e["id"] for e in got}) == 6


async def test_a_number_red_for_seven_days_drops_a_tier_on_the_clock(
    http: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    """No control needed: the virtual clock passing seven days RED lowers the tier, with its
    ``phone_number_quality_update``; one drop per full seven days (a long jump drops several,
    down to TIER_50 and no further), none once the number is no longer RED."""
    channel, _ = await keyed_channel(http, partner)
    channel_id = channel["channel_id"]
    await setup_webhook(http, partner, receiver)

    async def limit() -> str:
        listed = await http.get(
            f"/api/v2/partners/{partner.partner_id}/channels", headers=partner.headers
        )
        (shown,) = listed.json()["partner_channels"]
        return str(shown["current_limit"])

    def drops() -> list[dict[str, Any]]:
        return [e for e in _quality_events(receiver) if e["data"]["event"] == "DOWNGRADE"]

    assert (await set_quality(http, channel_id, "RED"))["events"] == ["FLAGGED"]
    await advance(http, 6 * 86400)
    assert await limit() == "TIER_1K"
    await advance(http, 86400)
    assert await limit() == "TIER_250"
    await eventually(lambda: len(drops()) == 1)
    (drop,) = drops()
    assert list(drop) == ["id", "event", "data"]
    assert drop["data"]["id"] == channel_id
    assert (drop["data"]["current_quality_rating"], drop["data"]["current_limit"]) == (
        "RED",
        "TIER_250",
    )
    assert drop["data"]["old_limit"] == "TIER_1K"
    assert isinstance(decode_event(json.dumps(drop)), PhoneNumberQualityUpdate)

    # Fifteen days more: two more full weeks red, but TIER_50 is the floor.
    await advance(http, 15 * 86400)
    assert await limit() == "TIER_50"
    await eventually(lambda: len(drops()) == 2)
    await advance(http, 14 * 86400)
    await asyncio.sleep(0.2)
    assert len(drops()) == 2

    # Back to GREEN: the clock lowers nothing any more.
    await set_limit(http, channel_id, "TIER_10K")
    await set_quality(http, channel_id, "GREEN")
    await advance(http, 30 * 86400)
    assert await limit() == "TIER_10K"
    await asyncio.sleep(0.2)
    assert len(drops()) == 2


async def test_quality_controls_refuse_bad_input(http: Client, partner: PartnerCreds) -> None:
    channel, _ = await keyed_channel(http, partner)
    channel_id = channel["channel_id"]
    bad_rating = await control(http, channel_id, "quality", {"quality_rating": "BLUE"})
    assert bad_rating.status_code == 400 and "GREEN" in bad_rating.text
    bad_tier = await control(http, channel_id, "limit", {"limit": "TIER_3"})
    assert bad_tier.status_code == 400 and "TIER_UNLIMITED" in bad_tier.text
    no_count = await control(http, channel_id, "spam_reports", {"count": 0})
    assert no_count.status_code == 400
    missing = await control(http, "nope", "quality", {"quality_rating": "RED"})
    assert missing.status_code == 404
    unguarded = await http.post(
        f"/_emulator/channels/{channel_id}/quality", json={"quality_rating": "RED"}
    )
    assert unguarded.status_code in (401, 404)


async def test_health_answers_only_for_the_keys_own_number(
    http: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    mine, key = await keyed_channel(http, partner)
    theirs, their_key = await keyed_channel(http, other_partner, "+4915199999999")
    await set_quality(http, theirs["channel_id"], "RED")
    own = await health(http, {"D360-API-KEY": key["api_key"]})
    other = await health(http, {"D360-API-KEY": their_key["api_key"]})
    assert own["id"] != other["id"]
    assert own["health_status"]["can_send_message"] == "AVAILABLE"
    assert other["health_status"]["can_send_message"] == "LIMITED"

    missing = await http.get("/health_status")
    assert missing.status_code == 401 and missing.json()["error"]["code"] == 0
    partner_key = await http.get("/health_status", headers={"D360-API-KEY": partner.api_key})
    assert partner_key.status_code == 401
    # A new key revokes the old one.
    await generate(http, partner, mine["channel_id"])
    revoked = await http.get("/health_status", headers={"D360-API-KEY": key["api_key"]})
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] in (0, 190)
