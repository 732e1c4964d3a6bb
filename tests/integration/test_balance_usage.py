"""Balances and usage: partner balance, client balance report, channel usage, emulator controls.

Spec §4 (balance rows), §3.4 (errors) and §3.5 (the client balance rate limit).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from partnerhub.app import create_app
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds, make_partner, running
from tests.helpers.api import assert_error
from tests.helpers.billing import (
    channel_usage,
    make_direct_paid,
    partner_balance,
    set_partner_balance,
    usage_url,
)
from tests.helpers.clients import onboard
from tests.helpers.clock import advance
from tests.helpers.redis import REDIS_URL, fresh_prefix

Client = httpx.AsyncClient


def unix(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


async def use(client: Client, channel_id: str, **body: Any) -> dict[str, Any]:
    body.setdefault("country", "DE")
    body.setdefault("pricing_category", "MARKETING")
    response = await client.post(
        f"/_emulator/channels/{channel_id}/usage", headers=EMULATOR, json=body
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def balance_url(partner: PartnerCreds, client_id: str) -> str:
    return f"/api/v2/partners/{partner.partner_id}/clients/{client_id}/info/balance"


async def client_balance(
    client: Client, partner: PartnerCreds, client_id: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        balance_url(partner, client_id), headers=partner.headers, params=params
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_partner_paid_hub_debits_the_partner(client: Client, partner: PartnerCreds) -> None:
    assert await partner_balance(client, partner) == {"total": 0, "currency": "eur"}
    assert await set_partner_balance(client, partner.partner_id, total=100) == {
        "total": 100,
        "currency": "eur",
    }
    done = await onboard(client, partner, ["+4915100000101"])
    channel_id = done["channel_ids"][0]

    first = await use(client, channel_id)  # default price of one marketing message
    assert first["paid_by"] == "partner" and first["cost"] == 0.1131
    assert first["balance"] == {"total": 99.8869, "currency": "eur"}
    await use(client, channel_id, pricing_category="UTILITY", volume=10, cost=2.5)
    free = await use(
        client, channel_id, pricing_category="SERVICE", pricing_type="FREE_ENTRY_POINT"
    )
    assert free["cost"] == 0

    assert await partner_balance(client, partner) == {"total": 97.3869, "currency": "eur"}
    report = await client_balance(client, partner, done["client_id"])
    assert report["balance"] == 97.3869 and report["currency"] == "eur"

    # Clients of a partner-paid hub have no balance of their own.
    assert_error(
        await client.post(
            f"/_emulator/clients/{done['client_id']}/balance", headers=EMULATOR, json={"total": 5}
        ),
        409,
    )
    # Setting replaces the total; the currency is kept unless given.
    assert await set_partner_balance(client, partner.partner_id, total=12.5, currency="USD") == {
        "total": 12.5,
        "currency": "usd",
    }
    assert await set_partner_balance(client, partner.partner_id, total=20) == {
        "total": 20,
        "currency": "usd",
    }
    assert (await use(client, channel_id, cost=0.25))["balance"] == {
        "total": 19.75,
        "currency": "usd",
    }


async def test_direct_paid_hub_debits_each_client(
    client: Client, state: AppState, partner: PartnerCreds
) -> None:
    await make_direct_paid(state, partner)
    await set_partner_balance(client, partner.partner_id, total=50)
    a = await onboard(client, partner, ["+4915100000111"], name="A")
    b = await onboard(client, partner, ["+4915100000112"], name="B")
    set_a = await client.post(
        f"/_emulator/clients/{a['client_id']}/balance", headers=EMULATOR, json={"total": 10}
    )
    assert set_a.status_code == 200 and set_a.json() == {"total": 10, "currency": "eur"}

    paid = await use(client, a["channel_ids"][0], cost=1.25, volume=5)
    assert paid["paid_by"] == "client" and paid["balance"]["total"] == 8.75
    # A client whose balance was never set starts at zero and may go below it.
    await use(client, b["channel_ids"][0], cost=0.5)

    assert (await client_balance(client, partner, a["client_id"]))["balance"] == 8.75
    assert (await client_balance(client, partner, b["client_id"]))["balance"] == -0.5
    assert await partner_balance(client, partner) == {"total": 50, "currency": "eur"}


async def test_day_and_month_buckets(client: Client, partner: PartnerCreds) -> None:
    done = await onboard(client, partner, ["+4915100000121"])
    channel_id, client_id = done["channel_ids"][0], done["client_id"]
    await use(client, channel_id, at="2026-10-31T23:59:59Z", volume=1, cost=1)
    await use(client, channel_id, at="2026-11-01T00:00:00Z", volume=2, cost=2)
    await use(
        client,
        channel_id,
        at="2026-11-01T10:00:00+02:00",  # 08:00 UTC
        pricing_category="SERVICE",
        pricing_type="FREE_CUSTOMER_SERVICE",
        initiated_by="user",
        volume=4,
    )
    await use(client, channel_id, at="2026-11-03T12:00:00Z", volume=8, cost=0.8)
    window = {
        "start_date": unix("2026-10-01T00:00:00+00:00"),
        "end_date": unix("2026-11-20T00:00:00+00:00"),
    }

    by_day = await client_balance(client, partner, client_id, granularity="day", **window)
    assert by_day["granularity"] == "day"
    assert by_day["start_date"] == window["start_date"]
    assert by_day["end_date"] == window["end_date"]
    assert by_day["usage"] == [
        {
            "period_date": "2026-10-31",
            "quantity": 1,
            "free_quantity": 0,
            "paid_quantity": 1,
            "business_initiated_quantity": 1,
            "user_initiated_quantity": 0,
            "total_price": 1,
        },
        {
            "period_date": "2026-11-01",
            "quantity": 6,
            "free_quantity": 4,
            "paid_quantity": 2,
            "business_initiated_quantity": 2,
            "user_initiated_quantity": 4,
            "total_price": 2,
        },
        {
            "period_date": "2026-11-03",
            "quantity": 8,
            "free_quantity": 0,
            "paid_quantity": 8,
            "business_initiated_quantity": 8,
            "user_initiated_quantity": 0,
            "total_price": 0.8,
        },
    ]
    by_month = await client_balance(client, partner, client_id, granularity="MONTH", **window)
    assert by_month["granularity"] == "month"
    assert [(r["period_date"], r["quantity"], r["total_price"]) for r in by_month["usage"]] == [
        ("2026-10-01", 1, 1),
        ("2026-11-01", 14, 2.8),
    ]
    # month is the default granularity
    assert (await client_balance(client, partner, client_id, **window))["usage"] == by_month[
        "usage"
    ]


async def test_the_virtual_clock_sets_now_and_the_default_end(
    client: Client, partner: PartnerCreds
) -> None:
    done = await onboard(client, partner, ["+4915100000131"])
    channel_id, client_id = done["channel_ids"][0], done["client_id"]
    today = await use(client, channel_id, volume=1)  # "at" defaults to the clock's now
    later = datetime.fromisoformat(today["occurred_at"]) + timedelta(days=1, hours=1)
    await use(client, channel_id, volume=2, at=later.isoformat())

    # end_date defaults to now: tomorrow's record is not in the report yet.
    report = await client_balance(client, partner, client_id, granularity="day")
    assert [r["quantity"] for r in report["usage"]] == [1]
    assert report["start_date"] == 0
    assert report["usage"][0]["period_date"] == today["occurred_at"][:10]

    await advance(client, 2 * 86400)
    report = await client_balance(client, partner, client_id, granularity="day")
    assert [(r["period_date"], r["quantity"]) for r in report["usage"]] == [
        (today["occurred_at"][:10], 1),
        (later.date().isoformat(), 2),
    ]
    assert report["end_date"] >= int(later.timestamp())
    # A record made now carries the advanced clock's time.
    moved = await use(client, channel_id)
    assert datetime.fromisoformat(moved["occurred_at"]) > later


async def test_date_range_edges_are_inclusive(client: Client, partner: PartnerCreds) -> None:
    done = await onboard(client, partner, ["+4915100000141"])
    channel_id, client_id = done["channel_ids"][0], done["client_id"]
    start, end = "2026-11-02T00:00:00+00:00", "2026-11-04T00:00:00+00:00"
    before = (datetime.fromisoformat(start) - timedelta(seconds=1)).isoformat()
    after = (datetime.fromisoformat(end) + timedelta(seconds=1)).isoformat()
    inside = "2026-11-03T00:00:00+00:00"
    last_moment = (datetime.fromisoformat(end) + timedelta(milliseconds=999)).isoformat()
    for at, volume in ((before, 1), (start, 2), (inside, 4), (end, 8), (last_moment, 16)):
        await use(client, channel_id, at=at, volume=volume, cost=0)
    await use(client, channel_id, at=after, volume=32, cost=0)

    window = {"start_date": unix(start), "end_date": unix(end)}
    report = await client_balance(client, partner, client_id, granularity="month", **window)
    assert [r["quantity"] for r in report["usage"]] == [2 + 4 + 8 + 16]
    points = (await channel_usage(client, partner, client_id, channel_id, **window))[
        "pricing_analytics"
    ]["data"][0]["data_points"]
    assert sum(p["volume"] for p in points) == 2 + 4 + 8 + 16
    # start == end: that one second
    one = await client_balance(
        client, partner, client_id, start_date=unix(start), end_date=unix(start)
    )
    assert [r["quantity"] for r in one["usage"]] == [2]
    empty = await channel_usage(
        client, partner, client_id, channel_id, start_date=0, end_date=unix(before) - 1
    )
    assert empty["pricing_analytics"] == {"data": [{"data_points": []}]}


async def test_channel_usage_by_country_and_granularity(
    client: Client, partner: PartnerCreds
) -> None:
    done = await onboard(client, partner, ["+4915100000151", "+4915100000152"])
    channel_id, other_channel, client_id = *done["channel_ids"], done["client_id"]
    await use(client, channel_id, country="DE", at="2026-11-05T10:40:00Z", volume=3, cost=0.3)
    await use(client, channel_id, country="de", at="2026-11-05T10:10:00Z", volume=1, cost=0.1)
    await use(
        client,
        channel_id,
        country="FR",
        pricing_category="utility",
        at="2026-11-05T11:00:00Z",
        volume=2,
        cost=0.2,
    )
    await use(
        client,
        channel_id,
        country="DE",
        pricing_category="SERVICE",
        pricing_type="FREE_ENTRY_POINT",
        initiated_by="user",
        at="2026-11-06T09:00:00Z",
    )
    await use(client, other_channel, country="DE", at="2026-11-05T10:00:00Z", volume=100)
    waba = (
        await client.get(
            f"/api/v2/partners/{partner.partner_id}/waba_accounts/{done['waba_account_id']}",
            headers=partner.headers,
        )
    ).json()
    window = {
        "start_date": unix("2026-11-01T00:00:00+00:00"),
        "end_date": unix("2026-11-10T00:00:00+00:00"),
    }
    day = unix("2026-11-05T00:00:00+00:00")

    daily = await channel_usage(
        client, partner, client_id, channel_id, granularity="DAILY", **window
    )
    assert daily["id"] == waba["external_id"]
    assert daily["pricing_analytics"]["data"][0]["data_points"] == [
        {
            "start": day,
            "end": day + 86400,
            "country": "DE",
            "pricing_category": "MARKETING",
            "pricing_type": "REGULAR",
            "volume": 4,
            "cost": 0.4,
        },
        {
            "start": day,
            "end": day + 86400,
            "country": "FR",
            "pricing_category": "UTILITY",
            "pricing_type": "REGULAR",
            "volume": 2,
            "cost": 0.2,
        },
        {
            "start": day + 86400,
            "end": day + 2 * 86400,
            "country": "DE",
            "pricing_category": "SERVICE",
            "pricing_type": "FREE_ENTRY_POINT",
            "volume": 1,
            "cost": 0,
        },
    ]

    def summary(body: dict[str, Any]) -> list[tuple[int, str, int]]:
        points = body["pricing_analytics"]["data"][0]["data_points"]
        return [(p["start"], p["country"], p["volume"]) for p in points]

    germany = await channel_usage(client, partner, client_id, channel_id, countries="DE", **window)
    assert summary(germany) == [(day, "DE", 4), (day + 86400, "DE", 1)]
    france = await channel_usage(
        client, partner, client_id, channel_id, countries='["fr"]', **window
    )
    assert summary(france) == [(day, "FR", 2)]
    both = await channel_usage(client, partner, client_id, channel_id, countries="DE, FR", **window)
    assert summary(both) == summary(daily)
    nobody = await channel_usage(client, partner, client_id, channel_id, countries="US", **window)
    assert summary(nobody) == []

    half = await channel_usage(
        client, partner, client_id, channel_id, granularity="HALF_HOUR", countries="DE", **window
    )
    points = half["pricing_analytics"]["data"][0]["data_points"]
    assert [(p["start"], p["end"], p["volume"]) for p in points] == [
        (unix("2026-11-05T10:00:00+00:00"), unix("2026-11-05T10:30:00+00:00"), 1),
        (unix("2026-11-05T10:30:00+00:00"), unix("2026-11-05T11:00:00+00:00"), 3),
        (unix("2026-11-06T09:00:00+00:00"), unix("2026-11-06T09:30:00+00:00"), 1),
    ]
    for name in ("MONTHLY", "month"):
        monthly = await channel_usage(
            client, partner, client_id, channel_id, granularity=name, countries="FR", **window
        )
        assert summary(monthly) == [(unix("2026-11-01T00:00:00+00:00"), "FR", 2)]
        assert monthly["pricing_analytics"]["data"][0]["data_points"][0]["end"] == unix(
            "2026-12-01T00:00:00+00:00"
        )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "-1"}, "start_date"),
        ({"start_date": "1.5"}, "start_date"),
        ({"start_date": "1e9"}, "start_date"),
        ({"start_date": " 10"}, "start_date"),
        ({"start_date": "9" * 40}, "start_date"),
        ({"end_date": "now"}, "end_date"),
        ({"end_date": "-5"}, "end_date"),
        ({"end_date": "253402300800"}, "end_date"),
        ({"start_date": "200", "end_date": "100"}, "start_date"),
        ({"granularity": "week"}, "granularity"),
        ({"granularity": "DAILY"}, "granularity"),  # Meta's names are for channel usage
    ],
)
async def test_client_balance_bad_parameters(
    client: Client, partner: PartnerCreds, params: dict[str, str], field: str
) -> None:
    done = await onboard(client, partner, ["+4915100000161"])
    response = await client.get(
        balance_url(partner, done["client_id"]), headers=partner.headers, params=params
    )
    assert_error(response, 400, field)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "abc"}, "start_date"),
        ({"end_date": "1.0"}, "end_date"),
        ({"start_date": "10", "end_date": "9"}, "start_date"),
        ({"granularity": "HOURLY"}, "granularity"),
        ({"granularity": "week"}, "granularity"),
        ({"countries": "DEU"}, "countries"),
        ({"countries": "D1"}, "countries"),
        ({"countries": "DE,,FR"}, "countries"),
        ({"countries": '["DE", 5]'}, "countries"),
        ({"countries": '{"DE": 1}'}, "countries"),
        ({"countries": "[DE"}, "countries"),
        ({"countries": "Deutschland"}, "countries"),
    ],
)
async def test_channel_usage_bad_parameters(
    client: Client, partner: PartnerCreds, params: dict[str, str], field: str
) -> None:
    done = await onboard(client, partner, ["+4915100000171"])
    url = usage_url(partner, done["client_id"], done["channel_ids"][0])
    assert_error(await client.get(url, headers=partner.headers, params=params), 400, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"country": "Germany"}, "country"),
        ({"country": 49}, "country"),
        ({"pricing_category": "PROMO"}, "pricing_category"),
        ({"pricing_type": "DISCOUNTED"}, "pricing_type"),
        ({"initiated_by": "bot"}, "initiated_by"),
        ({"volume": 0}, "volume"),
        ({"volume": "1"}, "volume"),
        ({"volume": 10**7}, "volume"),
        ({"cost": -1}, "cost"),
        ({"cost": 10**12}, "cost"),
        ({"cost": 1, "pricing_type": "FREE_CUSTOMER_SERVICE"}, "cost"),
        ({"at": "yesterday"}, "at"),
        ({"at": "2026-11-01T10:00:00"}, "at"),
        ({"at": "1969-12-31T23:59:59Z"}, "at"),
        ({"at": "0001-01-01T00:00:00+01:00"}, "at"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_emulator_usage_bad_bodies(
    client: Client, partner: PartnerCreds, body: dict[str, Any], field: str
) -> None:
    done = await onboard(client, partner, ["+4915100000181"])
    full = {"country": "DE", "pricing_category": "MARKETING", **body}
    response = await client.post(
        f"/_emulator/channels/{done['channel_ids'][0]}/usage", headers=EMULATOR, json=full
    )
    assert_error(response, 400, field)


async def test_emulator_balance_bad_bodies(client: Client, partner: PartnerCreds) -> None:
    url = f"/_emulator/partners/{partner.partner_id}/balance"
    for body, field in (
        ({"total": "ten"}, "total"),
        ({"total": 10**12}, "total"),
        ({}, "total"),
        ({"total": 1, "currency": "euro"}, "currency"),
        ({"total": 1, "currency": "€"}, "currency"),
    ):
        assert_error(await client.post(url, headers=EMULATOR, json=body), 400, field)
    # a form body with "nan" is a number to a lenient parser, but never a balance
    form = await client.post(
        url,
        headers={**EMULATOR, "Content-Type": "application/x-www-form-urlencoded"},
        content=b"total=nan",
    )
    assert_error(form, 400, "total")
    assert await partner_balance(client, partner) == {"total": 0, "currency": "eur"}


async def test_client_balance_is_limited_to_five_requests_per_thirty_seconds_per_client(
    client: Client, partner: PartnerCreds
) -> None:
    done = await onboard(client, partner, ["+4915100000191", "+4915100000192"])
    other = await onboard(client, partner, ["+4915100000193"], name="Other")
    url = balance_url(partner, done["client_id"])
    for _ in range(5):
        assert (await client.get(url, headers=partner.headers)).status_code == 200
    limited = await client.get(url, headers=partner.headers)
    meta = assert_error(limited, 429)
    assert meta["developer_message"] == (
        "Usage Limit: You have exceeded the limit of 5 requests every 30 seconds"
    )
    retry_after = limited.headers["retry-after"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 30
    # the standards profile also names the policy (IETF RateLimit headers)
    assert limited.headers["ratelimit-limit"] == "5"
    assert limited.headers["ratelimit-remaining"] == "0"
    assert limited.headers["ratelimit-reset"] == retry_after
    assert limited.headers["ratelimit-policy"] == "5;w=30"
    # another client of the same partner has its own budget
    assert (
        await client.get(balance_url(partner, other["client_id"]), headers=partner.headers)
    ).status_code == 200
    # the other endpoints are not counted against it
    usage = usage_url(partner, done["client_id"], done["channel_ids"][0])
    assert (await client.get(usage, headers=partner.headers)).status_code == 200
    assert (await client.get(url, headers=partner.headers)).status_code == 429
    # the emulator's reset gives every budget back
    assert (await client.post("/_emulator/reset", headers=EMULATOR)).status_code == 201
    assert (await client.get(url, headers=partner.headers)).status_code == 200


async def test_strict_fidelity_answers_the_usage_limit_with_400(settings: Settings) -> None:
    strict = settings.model_copy(update={"fidelity": "strict"})
    app = create_app(strict)
    async with running(app):
        state: AppState = app.state.partnerhub
        partner = await make_partner(state, "Strict")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            done = await onboard(c, partner, ["+4915100000201"])
            url = balance_url(partner, done["client_id"])
            for _ in range(5):
                assert (await c.get(url, headers=partner.headers)).status_code == 200
            limited = await c.get(url, headers=partner.headers)
            assert_error(limited, 400)
            assert "Usage Limit" in limited.json()["meta"]["developer_message"]
            assert int(limited.headers["retry-after"]) >= 1
            assert "ratelimit-limit" not in limited.headers


async def test_budgets_in_redis_are_shared_by_every_process(settings: Settings) -> None:
    """Two apps (two API processes, as far as rate limits go) on one Redis spend one budget.

    The two share a key prefix of this test's own: another test run on the same Redis database
    that resets its budgets cannot refill this one (tests/helpers/redis.py).
    """
    shared = settings.model_copy(
        update={"redis_url": REDIS_URL, "redis_key_prefix": fresh_prefix()}
    )
    first, second = create_app(shared), create_app(shared)
    async with running(first), running(second):
        state: AppState = first.state.partnerhub
        partner = await make_partner(state, "Shared")
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
            for app in (first, second)
        ]
        async with clients[0] as a, clients[1] as b:
            done = await onboard(a, partner, ["+4915100000205"])
            url = balance_url(partner, done["client_id"])
            for c in (a, b, a, b, a):
                assert (await c.get(url, headers=partner.headers)).status_code == 200
            # the sixth request is refused by whichever process gets it
            assert_error(await b.get(url, headers=partner.headers), 429)
            assert_error(await a.get(url, headers=partner.headers), 429)
        await state.rate_limits.reset()  # this test's keys only


async def test_other_partners_get_403_and_other_partners_objects_404(
    client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    mine = await onboard(client, partner, ["+4915100000211"], name="Mine")
    second = await onboard(client, partner, ["+4915100000212"], name="Second")
    theirs = await onboard(client, other_partner, ["+4915100000213"], name="Theirs")
    client_id, channel_id = mine["client_id"], mine["channel_ids"][0]
    h = other_partner.headers

    # Another partner's id in the path: 403, whatever follows.
    assert_error(await client.get(f"/api/v2/partners/{partner.partner_id}/balance", headers=h), 403)
    assert_error(await client.get(balance_url(partner, client_id), headers=h), 403)
    assert_error(await client.get(usage_url(partner, client_id, channel_id), headers=h), 403)

    # Under one's own partner id, another partner's client or channel: 404.
    assert_error(await client.get(balance_url(other_partner, client_id), headers=h), 404)
    assert_error(await client.get(usage_url(other_partner, client_id, channel_id), headers=h), 404)
    assert_error(
        await client.get(usage_url(other_partner, theirs["client_id"], channel_id), headers=h),
        404,
    )
    # A channel of another client of the same partner, and ids that do not exist: 404.
    own = partner.headers
    assert_error(
        await client.get(usage_url(partner, second["client_id"], channel_id), headers=own), 404
    )
    assert_error(await client.get(balance_url(partner, "nopeCL"), headers=own), 404)
    assert_error(await client.get(usage_url(partner, client_id, "nopeCH"), headers=own), 404)
    # The other partner's balance does not move with this partner's usage.
    await set_partner_balance(client, partner.partner_id, total=10)
    await use(client, channel_id, cost=1)
    assert await partner_balance(client, other_partner) == {"total": 0, "currency": "eur"}
    assert await partner_balance(client, partner) == {"total": 9, "currency": "eur"}
    # No credentials at all: 401.
    assert_error(await client.get(balance_url(partner, client_id)), 401)


async def test_emulator_billing_controls_need_the_token(
    client: Client, partner: PartnerCreds
) -> None:
    done = await onboard(client, partner, ["+4915100000221"])
    calls = [
        (f"/_emulator/partners/{partner.partner_id}/balance", {"total": 1}),
        (f"/_emulator/clients/{done['client_id']}/balance", {"total": 1}),
        (
            f"/_emulator/channels/{done['channel_ids'][0]}/usage",
            {"country": "DE", "pricing_category": "MARKETING"},
        ),
    ]
    for url, body in calls:
        assert_error(await client.post(url, json=body), 401)
        assert_error(
            await client.post(url, json=body, headers={"Authorization": "Bearer wrong"}), 401
        )
        assert_error(await client.post(url, json=body, headers=partner.headers), 401)
    assert await partner_balance(client, partner) == {"total": 0, "currency": "eur"}
    # Unknown ids: 404.
    for url, body in (
        ("/_emulator/partners/nopePA/balance", {"total": 1}),
        ("/_emulator/clients/nopeCL/balance", {"total": 1}),
        ("/_emulator/channels/nopeCH/usage", {"country": "DE", "pricing_category": "UTILITY"}),
    ):
        assert_error(await client.post(url, json=body, headers=EMULATOR), 404)


async def test_routes_are_in_the_openapi_document(client: Client) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    base = "/api/v2/partners/{partner_id}"
    assert "get" in paths[f"{base}/balance"]
    balance = paths[f"{base}/clients/{{client_id}}/info/balance"]["get"]
    assert {p["name"] for p in balance["parameters"]} >= {
        "start_date",
        "end_date",
        "granularity",
    }
    usage = paths[f"{base}/clients/{{client_id}}/channels/{{channel_id}}/info/usage"]["get"]
    assert "countries" in {p["name"] for p in usage["parameters"]}
    for path in (
        "/_emulator/partners/{partner_id}/balance",
        "/_emulator/clients/{client_id}/balance",
        "/_emulator/channels/{channel_id}/usage",
    ):
        assert "requestBody" in paths[path]["post"], path


async def test_record_usage_rolls_back_with_its_transaction(
    client: Client, state: AppState, partner: PartnerCreds
) -> None:
    """The record and the debit are one write: left uncommitted, neither happened."""
    from partnerhub.domain.billing import services as billing

    await set_partner_balance(client, partner.partner_id, total=5)
    done = await onboard(client, partner, ["+4915100000231"])
    async with state.uow() as uow:
        recorded = await billing.record_usage(
            uow,
            state.clock,
            done["channel_ids"][0],
            billing.NewUsage(country="DE", pricing_category="MARKETING", cost=1),
            commit=False,
        )
        assert recorded.balance.total_micros == 4_000_000
    assert await partner_balance(client, partner) == {"total": 5, "currency": "eur"}
    report = await client_balance(client, partner, done["client_id"])
    assert report["usage"] == []
