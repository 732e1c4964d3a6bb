"""Webhook delivery workers: one slow partner never stalls the others, a lapsed worker cannot
overwrite its successor, and a delivery in flight cannot be retried."""

from __future__ import annotations

from datetime import timedelta

import httpx

from partnerhub.domain.webhooks import outbox
from partnerhub.domain.webhooks.model import ABANDONED
from partnerhub.domain.webhooks.services import new_test_event
from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.state import AppState
from tests.conftest import PartnerCreds, make_partner
from tests.helpers.api import assert_error
from tests.helpers.clock import advance
from tests.helpers.webhooks import deliveries, setup_webhook
from tests.receiver import Receiver

Client = httpx.AsyncClient


async def test_one_bad_url_does_not_stall_other_partners(
    client: Client, partner: PartnerCreds, state: AppState, receiver: Receiver
) -> None:
    await setup_webhook(client, partner, receiver)
    broken = await make_partner(state, "Broken")
    async with state.uow() as uow:
        stored = await uow.partners.get(broken.partner_id)
        assert stored is not None
        stored.webhook_url = "https://\u00e4..example/"  # stored before validation existed
        await outbox.emit(uow, state.clock, stored, new_test_event(stored.id))
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
        emitted = await outbox.emit(uow, state.clock, stored, new_test_event(stored.id))
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
        emitted = await outbox.emit(uow, state.clock, stored, new_test_event(stored.id))
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
