"""Regression tests for defects found in review: each once let a request through, lost a
delivery, or answered 500."""

from __future__ import annotations

import asyncio
import ipaddress
from datetime import timedelta
from typing import Any

import httpx
import pytest

from partnerhub.adapters.delivery.engine import SafeResolver
from partnerhub.domain.clock import VirtualClock
from partnerhub.domain.webhooks import outbox
from partnerhub.domain.webhooks.model import ABANDONED
from partnerhub.domain.webhooks.ssrf import forbidden_reason
from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds, make_partner
from tests.helpers.api import assert_error, login
from tests.helpers.clock import advance
from tests.helpers.webhooks import deliveries, setup_webhook
from tests.receiver import Receiver

Client = httpx.AsyncClient


async def test_racing_refresh_requests_cannot_both_win(
    client: Client, partner: PartnerCreds
) -> None:
    for _ in range(5):
        refresh = (await login(client, partner))["refresh_token"]
        answers = await asyncio.gather(
            *(client.post("/api/v2/token", json={"refresh_token": refresh}) for _ in range(2))
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 401], codes
        # The winner's new session is revoked too: the token was presented twice.
        winner = next(a for a in answers if a.status_code == 200).json()
        again = await client.post("/api/v2/token", json={"refresh_token": winner["refresh_token"]})
        assert again.status_code == 401


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


async def test_token_accepts_common_oauth_client_fields(
    client: Client, partner: PartnerCreds
) -> None:
    response = await client.post(
        "/api/v2/token",
        data={
            "grant_type": "password",
            "username": partner.email,
            "password": partner.password,
            "client_id": "my-app",
            "scope": "openid",
        },
    )
    assert response.status_code == 200


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


async def test_one_bad_url_does_not_stall_other_partners(
    client: Client, partner: PartnerCreds, state: AppState, receiver: Receiver
) -> None:
    await setup_webhook(client, partner, receiver)
    broken = await make_partner(state, "Broken")
    async with state.uow() as uow:
        stored = await uow.partners.get(broken.partner_id)
        assert stored is not None
        stored.webhook_url = "https://\u00e4..example/"  # stored before validation existed
        await outbox.emit(uow, state.clock, stored, "webhook_test", {})
        await uow.commit()
    await client.post(
        f"/api/v2/partners/{partner.partner_id}/webhook_url/test", headers=partner.headers
    )
    await advance(client, 0)
    assert len(receiver.requests) == 1
    mine = (await deliveries(client, partner))["webhook_deliveries"][0]
    assert mine["status"] == "delivered"
    theirs = (await deliveries(client, broken))["webhook_deliveries"][0]
    assert theirs["status"] == "pending" and theirs["attempts"][0]["error"]


async def test_a_lapsed_worker_cannot_overwrite_its_successor(
    client: Client, partner: PartnerCreds, state: AppState, receiver: Receiver, clock: VirtualClock
) -> None:
    """Worker A claims and goes silent; B takes over after the lease; A's late answer is
    ignored, its attempt stays abandoned, and the abandoned try does not use up the schedule."""
    await setup_webhook(client, partner, receiver)
    await state.worker.stop()  # this test plays the workers itself
    async with state.uow() as uow:
        stored = await uow.partners.get(partner.partner_id)
        assert stored is not None
        emitted = await outbox.emit(uow, state.clock, stored, "webhook_test", {})
        await uow.commit()
    assert emitted.delivery is not None
    async with state.uow() as uow:  # worker A claims, then "dies"
        now = clock.now()
        ((_, a_attempt),) = await uow.webhooks.claim_due(now, now + timedelta(seconds=1), 10)
        await uow.commit()
    clock.advance(5)
    assert await state.delivery.run_due() == 1  # worker B takes over and delivers
    a_delivery = emitted.delivery
    a_delivery.attempt_count = 1
    from partnerhub.adapters.delivery.engine import _Outcome

    late = _Outcome(a_delivery.id, receiver.url, status_code=500, error=None)
    await state.delivery._record([(a_delivery, a_attempt, late)])  # A wakes up, too late

    log = (await deliveries(client, partner))["webhook_deliveries"][0]
    assert log["status"] == "delivered" and log["attempt_count"] == 1
    errors = [attempt["error"] for attempt in log["attempts"]]
    assert errors == [ABANDONED, None]
    assert [attempt["status_code"] for attempt in log["attempts"]] == [None, 200]


async def test_retrying_a_delivery_in_flight_is_409(
    client: Client, partner: PartnerCreds, state: AppState, receiver: Receiver, clock: VirtualClock
) -> None:
    await setup_webhook(client, partner, receiver)
    await state.worker.stop()
    async with state.uow() as uow:
        stored = await uow.partners.get(partner.partner_id)
        assert stored is not None
        emitted = await outbox.emit(uow, state.clock, stored, "webhook_test", {})
        await uow.commit()
        now = clock.now()
        await uow.webhooks.claim_due(now, now + timedelta(seconds=60), 10)
        await uow.commit()
    assert emitted.delivery is not None
    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/webhook_deliveries/{emitted.delivery.id}/retry",
        headers=partner.headers,
    )
    assert_error(response, 409)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("2002:a9fe:a9fe::", "link-local"),  # 6to4 around 169.254.169.254
        ("::ffff:10.0.0.1", "private"),
        ("93.184.216.34", None),
    ],
)
def test_ipv4_inside_ipv6_is_judged_by_the_ipv4(address: str, reason: str | None) -> None:
    verdict = forbidden_reason(ipaddress.ip_address(address))
    assert (verdict is None) if reason is None else (reason in (verdict or ""))


async def test_hub_resolver_refuses_inside_addresses_at_connect_time() -> None:
    resolver = SafeResolver()
    try:
        with pytest.raises(OSError, match="refused"):
            await resolver.resolve("localhost", 443)
    finally:
        await resolver.close()


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
