"""``/metrics``: Prometheus text with requests by route template, deliveries by outcome and the
outbox's depth and oldest pending age (read from the database at scrape time)."""

from __future__ import annotations

import re

import httpx

from tests.conftest import PartnerCreds
from tests.helpers.clock import advance, eventually
from tests.helpers.metrics import scrape
from tests.helpers.webhooks import send_test, setup_webhook
from tests.receiver import Receiver

Client = httpx.AsyncClient


def requests_of(samples: dict[str, float], route: str, status: int) -> float:
    pattern = re.compile(
        rf'^partnerhub_http_requests_total\{{method="GET",route="{re.escape(route)}",'
        rf'status="{status}"\}}$'
    )
    return sum(value for name, value in samples.items() if pattern.match(name))


async def test_requests_are_counted_by_route_template_not_by_path(
    client: Client, partner: PartnerCreds
) -> None:
    route = "/api/v2/partners/{partner_id}"
    before = await scrape(client)
    for _ in range(3):
        assert (
            await client.get(f"/api/v2/partners/{partner.partner_id}", headers=partner.headers)
        ).status_code == 200
    assert (await client.get("/api/v2/partners/nobody")).status_code == 401
    assert (await client.get(f"/no/such/{partner.partner_id}")).status_code == 404
    after = await scrape(client)
    assert requests_of(after, route, 200) - requests_of(before, route, 200) == 3
    assert requests_of(after, route, 401) - requests_of(before, route, 401) == 1
    assert requests_of(after, "unmatched", 404) - requests_of(before, "unmatched", 404) == 1
    # no series names an object id
    assert not any(partner.partner_id in name for name in after)
    count = f'partnerhub_http_request_duration_seconds_count{{method="GET",route="{route}"}}'
    assert after[count] - before.get(count, 0) == 4  # the 401 took time too


async def test_deliveries_by_outcome_and_the_queue(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(client, partner, receiver)
    before = await scrape(client)
    delivered = 'partnerhub_webhook_deliveries_total{outcome="delivered"}'
    retry = 'partnerhub_webhook_deliveries_total{outcome="retry"}'

    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 1)
    await advance(client, 0)  # the round in flight has recorded its attempt
    middle = await scrape(client)
    assert middle[delivered] - before[delivered] == 1
    assert middle["partnerhub_webhook_queue_depth"] == 0
    assert middle["partnerhub_webhook_oldest_pending_age_seconds"] == 0

    receiver.status = 500
    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 2)
    await advance(client, 0)
    failing = await scrape(client)
    assert failing[retry] - before[retry] == 1
    assert failing["partnerhub_webhook_queue_depth"] == 1
    # the virtual clock moves the age on: the pending delivery is a minute old a minute later
    receiver.status = 500
    await advance(client, 3)  # past the first retry (5 s by default) minus what has passed
    aged = await scrape(client)
    assert aged["partnerhub_webhook_oldest_pending_age_seconds"] >= 3
