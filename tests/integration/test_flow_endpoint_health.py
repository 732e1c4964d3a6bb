"""A Flow's endpoint as WhatsApp watches it (issue 18 gaps, item 5), over real HTTP with a real
Flow endpoint and a real receiver for the number's messaging webhook: the data exchanges the
emulator makes are recorded, Meta's ``ENDPOINT_ERROR_RATE`` and ``ENDPOINT_AVAILABILITY``
alerts follow them on the virtual clock, and the Flow's metrics count them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from litestar import Litestar

from partnerhub.testing.flows import generate_key_pair
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.clock import advance
from tests.helpers.flow_endpoint import FlowEndpoint, next_screen, serve_flow_endpoint
from tests.helpers.messaging import set_messaging_webhook
from tests.helpers.uploads import keyed_number
from tests.integration.live_http import over_http
from tests.receiver import Receiver

Client = httpx.AsyncClient


async def exchange(http: Client, **body: Any) -> dict[str, Any]:
    answer = await http.post("/_emulator/flows/data_exchange", headers=EMULATOR, json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def alerts_received(http: Client, numbers: Receiver, count: int) -> list[dict[str, Any]]:
    for _ in range(200):
        await advance(http, 0)
        bodies = [json.loads(r.body) for r in numbers.requests]
        found = [b for b in bodies if b["entry"][0]["changes"][0]["field"] == "flows"]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {count} flows webhooks")


async def metric(
    http: Client, partner: PartnerCreds, waba_id: str, flow_id: str, name: str
) -> list[dict[str, Any]]:
    answer = await http.get(
        f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba_id}/flows/{flow_id}",
        headers=partner.headers,
        params={"fields": f"metric.name({name}).granularity(LIFETIME)"},
    )
    assert answer.status_code == 200, answer.text
    (point,) = answer.json()["metric"]["data_points"]
    data: list[dict[str, Any]] = point["data"]
    return data


async def test_endpoint_alerts_and_metrics_follow_the_data_exchanges(
    client: Client, app: Litestar, partner: PartnerCreds, receiver: Receiver
) -> None:
    """``receiver`` is the number's messaging webhook."""
    numbers = receiver
    private, pem = generate_key_pair()
    async with over_http(app) as http, serve_flow_endpoint(FlowEndpoint(private)) as endpoint:
        channel, key = await keyed_number(http, partner)
        done = await http.post(PATH, headers=key, data={"business_public_key": pem})
        assert done.status_code == 200, done.text
        await set_messaging_webhook(http, key["D360-API-KEY"], numbers.url)
        listed = await http.get(
            f"/api/v2/partners/{partner.partner_id}/channels", headers=partner.headers
        )
        (shown,) = listed.json()["partner_channels"]
        waba_id = shown["waba_account"]["id"]
        created = await http.post(
            f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba_id}/flows",
            headers=partner.headers,
            json={
                "name": "Booking",
                "categories": ["APPOINTMENT_BOOKING"],
                "endpoint_uri": endpoint.url,
            },
        )
        assert created.status_code == 200, created.text
        flow_id = created.json()["id"]
        common = {
            "channel_id": channel["channel_id"],
            "endpoint_uri": endpoint.url,
            "flow_token": "t",
        }

        # The WABA's Flow with this endpoint is found without naming it.
        first = await exchange(http, **common, action="INIT")
        assert (first["ok"], first["flow_id"], first["alerts"]) == (True, flow_id, [])

        # One failure in two: 50% in the last 30 minutes, the highest threshold reached.
        endpoint.answer = lambda payload: 500
        failed = await exchange(http, **common, action="INIT", flow_id=flow_id)
        (activated,) = failed["alerts"]
        assert activated == {
            "event": "ENDPOINT_ERROR_RATE",
            "message": (
                "The flow endpoint request error rate has reached the 50% threshold in the "
                "last 30 minutes. A higher error rate will make it harder for users to "
                "complete the flow, resulting in drop-offs."
            ),
            "flow_id": flow_id,
            "error_rate": 50.0,
            "threshold": 50,
            "alert_state": "ACTIVATED",
            "errors": [
                {"error_type": "UNEXPECTED_HTTP_STATUS_CODE", "error_rate": 100.0, "error_count": 1}
            ],
        }
        endpoint.answer = next_screen
        moves = []
        for _ in range(8):  # 1 in 3 (33%: below 50), then down to 1 in 10 (10%)
            moves += (await exchange(http, **common, action="data_exchange", screen="A"))["alerts"]
        assert [(m["alert_state"], m["threshold"], m["error_rate"]) for m in moves] == [
            ("DEACTIVATED", 50, 33.33)
        ]
        # Thirty minutes later the failure is out of the window.
        await advance(http, 31 * 60)
        (recovered,) = (await exchange(http, **common, action="BACK", screen="A"))["alerts"]
        assert (recovered["alert_state"], recovered["threshold"]) == ("DEACTIVATED", 10)
        assert recovered["errors"] == []

        # Health checks: availability under 90% in the last 10 minutes, then back.
        assert (await exchange(http, **common, action="ping"))["alerts"] == []
        endpoint.answer = lambda payload: 503
        (down,) = (await exchange(http, **common, action="ping"))["alerts"]
        assert down == {
            "event": "ENDPOINT_AVAILABILITY",
            "message": (
                "The flow endpoint availability has breached the 90% threshold in the last "
                "10 minutes. Users will be unable to open or use the flow."
            ),
            "flow_id": flow_id,
            "alert_state": "ACTIVATED",
            "availability": 50.0,
            "threshold": 90,
        }
        endpoint.answer = next_screen
        await advance(http, 11 * 60)
        (up,) = (await exchange(http, **common, action="ping"))["alerts"]
        assert (up["alert_state"], up["availability"]) == ("DEACTIVATED", 100.0)

        # Each alert reached the number's webhook in Meta's WABA-level `flows` shape.
        got = await alerts_received(http, numbers, 5)
        world = (await http.get("/_emulator/state", headers=EMULATOR)).json()
        (waba,) = world["waba_accounts"]
        for body in got:
            assert body["object"] == "whatsapp_business_account"
            (entry,) = body["entry"]
            assert entry["id"] == waba["external_id"] and isinstance(entry["time"], int)
            (change,) = entry["changes"]
            assert change["field"] == "flows" and change["value"]["flow_id"] == flow_id
        assert sorted(
            (
                b["entry"][0]["changes"][0]["value"]["event"],
                b["entry"][0]["changes"][0]["value"]["alert_state"],
            )
            for b in got
        ) == sorted(
            [
                ("ENDPOINT_ERROR_RATE", "ACTIVATED"),
                ("ENDPOINT_ERROR_RATE", "DEACTIVATED"),
                ("ENDPOINT_ERROR_RATE", "DEACTIVATED"),
                ("ENDPOINT_AVAILABILITY", "ACTIVATED"),
                ("ENDPOINT_AVAILABILITY", "DEACTIVATED"),
            ]
        )

        # The metrics count the real requests: 11 data requests (1 failed), 3 health checks.
        assert await metric(http, partner, waba_id, flow_id, "ENDPOINT_REQUEST_COUNT") == [
            {"key": "value", "value": 11}
        ]
        assert await metric(http, partner, waba_id, flow_id, "ENDPOINT_REQUEST_ERROR") == [
            {"key": "unexpected_http_status_code", "value": 1}
        ]
        assert await metric(http, partner, waba_id, flow_id, "ENDPOINT_REQUEST_ERROR_RATE") == [
            {"key": "value", "value": 0.09}
        ]
        assert await metric(http, partner, waba_id, flow_id, "ENDPOINT_AVAILABILITY") == [
            {"key": "succeeded", "value": 2},
            {"key": "failed", "value": 1},
        ]
        latency = await metric(
            http, partner, waba_id, flow_id, "ENDPOINT_REQUEST_LATENCY_SECONDS_CEIL"
        )
        assert sum(d["value"] for d in latency) == 11 and latency[0]["key"] == "1"

        # The world export carries the endpoint requests and the alerts' state: seeded back,
        # the Flow's metrics answer the same.
        names = (
            "ENDPOINT_REQUEST_COUNT",
            "ENDPOINT_REQUEST_ERROR",
            "ENDPOINT_AVAILABILITY",
            "ENDPOINT_REQUEST_LATENCY_SECONDS_CEIL",
        )
        before = [await metric(http, partner, waba_id, flow_id, name) for name in names]
        exported = (await http.get("/_emulator/state", headers=EMULATOR)).json()
        assert len(exported["flow_endpoint_requests"]) == 14
        assert {r["flow_id"] for r in exported["flow_endpoint_requests"]} == {flow_id}
        assert {(a["flow_id"], a["event"]) for a in exported["flow_endpoint_alerts"]} <= {
            (flow_id, "ENDPOINT_ERROR_RATE"),
            (flow_id, "ENDPOINT_AVAILABILITY"),
        }
        seeded = await http.post("/_emulator/seed", headers=EMULATOR, json=exported)
        assert seeded.status_code == 200, seeded.text
        assert [await metric(http, partner, waba_id, flow_id, name) for name in names] == before
        again = (await http.get("/_emulator/state", headers=EMULATOR)).json()
        assert again["flow_endpoint_requests"] == exported["flow_endpoint_requests"]
        assert again["flow_endpoint_alerts"] == exported["flow_endpoint_alerts"]
        dangling = {
            **exported,
            "flow_endpoint_requests": [
                {**exported["flow_endpoint_requests"][0], "flow_id": "nosuchflow"}
            ],
        }
        refused = await http.post("/_emulator/seed", headers=EMULATOR, json=dangling)
        assert refused.status_code == 400 and "flow_endpoint_requests[0].flow_id" in refused.text

        # A Flow of another WABA cannot be named.
        other = await http.post(
            "/_emulator/flows/data_exchange",
            headers=EMULATOR,
            json={**common, "action": "INIT", "flow_id": "123456789"},
        )
        assert other.status_code == 400 and "flow_id" in other.text


PATH = "/whatsapp_business_encryption"
