"""Partner webhooks end to end: outbox, signatures, retries on the virtual clock, the log.

The receiver is a real HTTP server on loopback (tests/receiver.py); nothing of ours is mocked.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import re
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook, WebhookVerificationError

from partnerhub.adapters import tables
from partnerhub.domain.webhooks import outbox
from partnerhub.domain.webhooks.services import new_test_event
from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.api import assert_error
from tests.helpers.clock import advance, eventually
from tests.helpers.webhooks import deliveries, send_test, setup_webhook
from tests.integration.hub_helpers import log_in, page_csrf
from tests.receiver import Receiver

Client = httpx.AsyncClient
SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000]


async def test_test_event_arrives_signed_both_ways(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    secret = await setup_webhook(
        client, partner, receiver, {"Authorization": "Bearer partner-token"}
    )
    sent = await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 1)
    request = receiver.requests[0]

    envelope = json.loads(request.body)
    assert envelope == {
        "id": sent["event_id"],
        "event": "webhook_test",
        "data": {"partner_id": partner.partner_id, "message": "Test event from partnerhub"},
    }
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == "Bearer partner-token"  # the custom header
    # 360dialog's scheme: hex HMAC-SHA256 of the raw body, keyed with the platform secret.
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["x-360dialog-signature"], expected)
    # Standard Webhooks, verified with the reference library.
    assert Webhook(secret).verify(request.body, request.headers) == envelope
    assert request.headers["webhook-id"] == sent["event_id"]

    await advance(client, 0)  # waits for the round in flight to record its attempt
    log = await deliveries(client, partner)
    assert log["total"] == 1
    delivery = log["webhook_deliveries"][0]
    assert delivery["id"] == sent["delivery_id"] and delivery["status"] == "delivered"
    assert delivery["attempt_count"] == 1 and delivery["delivered_at"] is not None
    attempt = delivery["attempts"][0]
    assert attempt["status_code"] == 200 and attempt["response_body"] == "answer 200"
    assert attempt["latency_ms"] >= 0 and attempt["error"] is None


async def test_custom_header_values_are_never_returned(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(client, partner, receiver, {"X-Partner-Secret": "s3cr3t-value"})
    base = f"/api/v2/partners/{partner.partner_id}"
    for path in ("", "/webhook_url"):
        response = await client.get(f"{base}{path}", headers=partner.headers)
        assert "s3cr3t-value" not in response.text
    assert (await client.get(f"{base}/webhook_url", headers=partner.headers)).json() == {
        "webhook_url": receiver.url
    }
    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 1)
    assert receiver.requests[0].headers["x-partner-secret"] == "s3cr3t-value"
    await advance(client, 0)  # waits for the round in flight to record its attempt
    sent_log = (await client.get("/_emulator/webhooks/sent", headers=EMULATOR)).json()["sent"]
    assert sent_log[0]["headers"]["X-Partner-Secret"] == "****"


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        ({"Content-Type": "text/plain"}, "headers.Content-Type"),
        ({"webhook-signature": "forged"}, "headers.webhook-signature"),
        ({"Bad Header": "x"}, "headers.Bad Header"),
        ({"X-Ok": "line\r\nInjected: yes"}, "headers.X-Ok"),
        ({"X-Num": 5}, "headers.X-Num"),
    ],
)
async def test_bad_custom_headers_are_refused(
    client: Client, partner: PartnerCreds, receiver: Receiver, headers: dict[str, Any], field: str
) -> None:
    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/webhook_url",
        headers=partner.headers,
        json={"webhook_url": receiver.url, "headers": headers},
    )
    assert_error(response, 400, field.split(".")[0])


async def test_full_retry_schedule_on_the_virtual_clock(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    receiver.status = 500
    await setup_webhook(client, partner, receiver)
    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 1)
    started = time.perf_counter()
    for step, delay in enumerate(SCHEDULE, start=2):
        # Just before the delay runs out nothing happens; at the delay, the next attempt.
        assert (await advance(client, delay - 1))["deliveries_attempted"] == 0
        assert (await advance(client, 1))["deliveries_attempted"] == 1
        assert len(receiver.requests) == step
    walked = time.perf_counter() - started
    # The schedule spans about a day of virtual time; seconds of wall time prove none of it was
    # waited for, even on a loaded machine (the first delay alone is 5 s).
    assert walked < 5.0, f"walking the schedule took {walked:.2f}s of wall time"
    assert (await advance(client, 10 * 86400))["deliveries_attempted"] == 0

    delivery = (await deliveries(client, partner))["webhook_deliveries"][0]
    assert delivery["status"] == "failed" and delivery["attempt_count"] == 8
    assert [a["status_code"] for a in delivery["attempts"]] == [500] * 8
    assert delivery["next_attempt_at"] is None
    # The same event id on every attempt: receivers can dedupe.
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1


async def test_connection_errors_are_retried_and_logged(
    client: Client, partner: PartnerCreds
) -> None:
    base = f"/api/v2/partners/{partner.partner_id}"
    dead = "http://127.0.0.1:9/nothing-listens-here"
    await client.post(f"{base}/webhook_url", headers=partner.headers, json={"webhook_url": dead})
    await send_test(client, partner)
    await advance(client, 0)
    delivery = (await deliveries(client, partner))["webhook_deliveries"][0]
    assert delivery["status"] == "pending" and delivery["attempt_count"] == 1
    assert delivery["attempts"][0]["status_code"] is None
    assert "Connect" in delivery["attempts"][0]["error"]


async def test_gone_disables_the_url(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    receiver.status = 410
    await setup_webhook(client, partner, receiver)
    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 1)
    await advance(client, 0)
    delivery = (await deliveries(client, partner))["webhook_deliveries"][0]
    assert delivery["status"] == "failed" and delivery["attempt_count"] == 1
    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/webhook_url/test", headers=partner.headers
    )
    assert_error(response, 400, "webhook_url")
    # Setting the URL again re-enables delivery.
    receiver.status = 200
    await setup_webhook(client, partner, receiver)
    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 2)


async def test_retry_after_is_honoured(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    receiver.script = [503]
    receiver.retry_after = "600"
    await setup_webhook(client, partner, receiver)
    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 1)
    receiver.retry_after = None
    assert (await advance(client, 5))["deliveries_attempted"] == 0  # the schedule says 5 s…
    assert (await advance(client, 594))["deliveries_attempted"] == 0  # …Retry-After says 600
    assert (await advance(client, 1))["deliveries_attempted"] == 1
    delivery = (await deliveries(client, partner))["webhook_deliveries"][0]
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [503, 200]


async def test_a_rolled_back_change_emits_nothing(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    await setup_webhook(client, partner, receiver)

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with state.uow() as uow:
            stored = await uow.partners.get(partner.partner_id)
            assert stored is not None
            await outbox.emit(uow, state.clock, stored, new_test_event(stored.id))
            stored.brand_name = "Never committed"
            raise Boom
    await advance(client, 60)
    async with state.engine.connect() as conn:
        events = await conn.scalar(select(func.count()).select_from(tables.webhook_events))
        pending = await conn.scalar(select(func.count()).select_from(tables.webhook_deliveries))
    assert (events, pending) == (0, 0)
    await asyncio.sleep(0.2)
    assert receiver.requests == []
    info = await client.get(f"/api/v2/partners/{partner.partner_id}", headers=partner.headers)
    assert info.json()["brand_name"] == "Acme"


async def test_emulator_faults_fail_then_delay(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(client, partner, receiver)
    faults = await client.post(
        "/_emulator/webhooks/faults", headers=EMULATOR, json={"fail_next": 2, "status": 502}
    )
    assert faults.json() == {"fail_next": 2, "status": 502, "delay_ms": 0}
    await send_test(client, partner)
    await advance(client, 0)
    await advance(client, 5)
    assert receiver.requests == []  # injected failures are not sent
    await advance(client, 300)
    await eventually(lambda: len(receiver.requests) == 1)
    delivery = (await deliveries(client, partner))["webhook_deliveries"][0]
    assert [a["status_code"] for a in delivery["attempts"]] == [502, 502, 200]
    assert "injected" in delivery["attempts"][0]["error"]


async def rotate(client: Client, partner: PartnerCreds, **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/platform_secret",
        headers=partner.headers,
        json=body or None,
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def signed_with(secret: str, request: Any) -> bool:
    """Whether the delivery's Standard Webhooks signature verifies with ``secret``."""
    try:
        Webhook(secret).verify(request.body, request.headers)
    except WebhookVerificationError:
        return False
    return True


async def test_a_rotated_secret_keeps_verifying_for_the_grace_period(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    old = await setup_webhook(client, partner, receiver)
    rotated = await rotate(client, partner)
    new = rotated["platform_secret"]
    assert new != old and new.startswith("whsec_")
    # The default grace period: 24 hours on the server's clock.
    assert rotated["previous_secret_valid_until"] is not None

    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 1)
    during = receiver.requests[0]
    # x-360dialog-signature has room for one digest: the new secret's.
    assert during.headers["x-360dialog-signature"] == (
        hmac.new(new.encode(), during.body, hashlib.sha256).hexdigest()
    )
    # webhook-signature carries both, new first: a receiver holding either verifies.
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert signed_with(new, during) and signed_with(old, during)

    await advance(client, 86400 + 1)
    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 2)
    after = receiver.requests[1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert signed_with(new, after) and not signed_with(old, after)
    stale = hmac.new(old.encode(), after.body, hashlib.sha256).hexdigest()
    assert after.headers["x-360dialog-signature"] != stale


async def test_a_rotation_without_grace_stops_the_old_secret_at_once(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    old = await setup_webhook(client, partner, receiver)
    rotated = await rotate(client, partner, grace_period_seconds=0)
    assert rotated["previous_secret_valid_until"] is None
    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 1)
    request = receiver.requests[0]
    assert signed_with(rotated["platform_secret"], request) and not signed_with(old, request)
    refused = await client.post(
        f"/api/v2/partners/{partner.partner_id}/platform_secret",
        headers=partner.headers,
        json={"grace_period_seconds": -1},
    )
    assert_error(refused, 400, "grace_period_seconds")


async def test_delivery_log_filters_retry_and_ownership(
    client: Client, partner: PartnerCreds, other_partner: PartnerCreds, receiver: Receiver
) -> None:
    receiver.status = 500
    await setup_webhook(client, partner, receiver)
    first = await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 1)
    await advance(client, 0)
    assert (await deliveries(client, partner, filters='{"status": "delivered"}'))["total"] == 0
    pending = await deliveries(
        client, partner, filters='{"status": "pending", "event": "webhook_test"}'
    )
    assert pending["total"] == 1
    assert (await deliveries(client, partner, created_after="2000-01-01T00:00:00Z"))["total"] == 1
    assert (await deliveries(client, partner, created_before="2000-01-01T00:00:00Z"))["total"] == 0
    bad = await client.get(
        f"/api/v2/partners/{partner.partner_id}/webhook_deliveries",
        headers=partner.headers,
        params={"created_after": "yesterday"},
    )
    assert_error(bad, 400, "created_after")

    receiver.status = 200
    retry_url = (
        f"/api/v2/partners/{partner.partner_id}/webhook_deliveries/{first['delivery_id']}/retry"
    )
    retried = await client.post(retry_url, headers=partner.headers)
    assert retried.status_code == 202 and retried.json()["status"] == "pending"
    await eventually(lambda: len(receiver.requests) == 2)
    await advance(client, 0)
    done = (await deliveries(client, partner))["webhook_deliveries"][0]
    assert done["status"] == "delivered" and len(done["attempts"]) == 2

    # Another partner can neither see nor retry it.
    theirs = await deliveries(client, other_partner)
    assert theirs["total"] == 0
    foreign = (
        f"/api/v2/partners/{other_partner.partner_id}/webhook_deliveries/"
        f"{first['delivery_id']}/retry"
    )
    assert_error(await client.post(foreign, headers=other_partner.headers), 404)


async def test_test_event_needs_a_url(client: Client, partner: PartnerCreds) -> None:
    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/webhook_url/test", headers=partner.headers
    )
    assert_error(response, 400, "webhook_url")


async def test_without_a_url_events_are_kept_but_not_delivered(
    client: Client, partner: PartnerCreds, state: AppState
) -> None:
    async with state.uow() as uow:
        stored = await uow.partners.get(partner.partner_id)
        assert stored is not None
        emitted = await outbox.emit(uow, state.clock, stored, new_test_event(stored.id))
        await uow.commit()
    assert emitted.delivery is None
    assert (await deliveries(client, partner))["total"] == 0


async def test_emulator_controls_need_the_token(client: Client) -> None:
    assert_error(await client.post("/_emulator/clock/advance", json={"seconds": 1}), 401)
    wrong = {"Authorization": "Bearer nope"}
    assert_error(await client.post("/_emulator/reset", headers=wrong), 401)
    assert_error(
        await client.post("/_emulator/clock/advance", headers=EMULATOR, json={"seconds": -5}),
        400,
        "seconds",
    )
    assert_error(
        await client.post("/_emulator/webhooks/faults", headers=EMULATOR, json={"status": 42}),
        400,
        "status",
    )
    clock = (await client.get("/_emulator/clock", headers=EMULATOR)).json()
    assert clock["offset_seconds"] == 0.0


async def test_emulator_reset_forgets_events(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(client, partner, receiver)
    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 1)
    await client.post("/_emulator/webhooks/faults", headers=EMULATOR, json={"fail_next": 3})
    reset = await client.post("/_emulator/reset", headers=EMULATOR)
    assert reset.status_code == 201 and reset.json()["reset"] is True
    assert (await deliveries(client, partner))["total"] == 0
    sent = (await client.get("/_emulator/webhooks/sent", headers=EMULATOR)).json()
    assert sent == {"sent": []}


async def test_a_burst_of_test_events_all_arrive_once(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(client, partner, receiver)
    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/webhook_url/test",
        headers=partner.headers,
        json={"count": 50},
    )
    assert response.status_code == 202
    body = response.json()
    assert body["count"] == 50 and len(set(body["delivery_ids"])) == 50
    await eventually(lambda: len(receiver.requests) == 50)
    sequences = sorted(json.loads(r.body)["data"]["sequence"] for r in receiver.requests)
    assert sequences == list(range(1, 51))
    await advance(client, 0)
    assert (await deliveries(client, partner, filters='{"status": "delivered"}', limit=100))[
        "total"
    ] == 50


@pytest.mark.parametrize("count", [0, 1001, "ten"])
async def test_burst_size_is_bounded(
    client: Client, partner: PartnerCreds, receiver: Receiver, count: Any
) -> None:
    await setup_webhook(client, partner, receiver)
    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/webhook_url/test",
        headers=partner.headers,
        json={"count": count},
    )
    assert_error(response, 400, "count")


async def test_a_new_partner_signs_its_very_first_event(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    """No platform_secret call at all: the secret the dashboard shows signs the first event."""
    await log_in(client, partner.email, partner.password)
    shown = await client.post(
        "/hub/settings/secret/show", data={"csrf_token": await page_csrf(client, "/hub/settings")}
    )
    assert shown.status_code == 200, shown.text
    assert "no-store" in shown.headers["cache-control"]
    found = re.search(r'<code id="platform-secret">(whsec_[^<]+)</code>', shown.text)
    assert found is not None, shown.text
    secret = html.unescape(found.group(1))
    # Showing it again shows the same secret: showing is not rotating.
    again = await client.post(
        "/hub/settings/secret/show", data={"csrf_token": await page_csrf(client, "/hub/settings")}
    )
    assert secret in html.unescape(again.text)

    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/webhook_url",
        headers=partner.headers,
        json={"webhook_url": receiver.url},
    )
    assert response.status_code == 200, response.text
    await client.post(
        "/_emulator/onboard",
        headers=EMULATOR,
        json={
            "partner_id": partner.partner_id,
            "client": {"name": "First Client", "email": "first@client.example"},
            "phone_numbers": ["+4915112340000"],
        },
    )
    await eventually(lambda: len(receiver.requests) >= 2)
    # The partner's first events (delivered concurrently, so in either order).
    events = {json.loads(r.body)["event"] for r in receiver.requests}
    assert {"client_created", "channel_created"} <= events
    for request in receiver.requests:
        expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["x-360dialog-signature"] == expected
        assert Webhook(secret).verify(request.body, request.headers)
