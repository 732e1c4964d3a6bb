"""Partner change between 360dialog partners (issue 18 item 5) over real HTTP, with one real
webhook receiver per partner: a client asks (emulator control) to move to another partner, the
target decides (``auto_approve``, or approve/reject through the Partner API), and on approval the
client, its WABA and numbers move with their keys revoked and each side told."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, NamedTuple

import httpx
import pytest
from litestar import Litestar

from partnerhub.client import AsyncPartnerClient, PartnerClient
from partnerhub.domain.partner_change.model import PartnerChangeRequest
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.client_login import (
    PASSWORD,
    body_of,
    configure,
    form_of,
    grants,
    onboard,
    page_url,
)
from tests.helpers.messaging import generate, running_channel
from tests.helpers.webhooks import setup_webhook
from tests.integration.hub_helpers import csrf_of, log_in, page_csrf
from tests.integration.live_http import over_http
from tests.receiver import Receiver, serve_receiver

Client = httpx.AsyncClient
PCRS = "/selective_partner_change_requests"


@pytest.fixture
async def http(app: Litestar, client: Client) -> AsyncIterator[Client]:
    """The app behind a real socket (``client`` runs its lifespan, and so its worker)."""
    async with over_http(app) as live:
        yield live


@pytest.fixture
def target_receiver() -> Iterator[Receiver]:
    yield from serve_receiver()


class Sides(NamedTuple):
    """The partner a client leaves and the one it moves to, each with its webhook receiver."""

    source: PartnerCreds
    target: PartnerCreds
    source_receiver: Receiver
    target_receiver: Receiver


@pytest.fixture
def sides(
    partner: PartnerCreds,
    other_partner: PartnerCreds,
    receiver: Receiver,
    target_receiver: Receiver,
) -> Sides:
    return Sides(partner, other_partner, receiver, target_receiver)


async def decide(
    http: Client, target: PartnerCreds, pcr_id: str, action: str, caller: PartnerCreds | None = None
) -> httpx.Response:
    """``POST …/selective_partner_change_requests/{pcr_id}/{action}`` on ``target``'s path, as
    ``caller`` (the target itself by default)."""
    return await http.post(
        f"{base(target)}{PCRS}/{pcr_id}/{action}", headers=(caller or target).headers
    )


def base(partner: PartnerCreds) -> str:
    return f"/api/v2/partners/{partner.partner_id}"


def events_of(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.requests]


def settle(receiver: Receiver, seconds: float = 0.5) -> None:
    """Give the delivery engine time to send what it would (to assert nothing more came)."""
    time.sleep(seconds)


async def source_client(
    http: Client, source: PartnerCreds, target: PartnerCreds, rs: Receiver, rt: Receiver
) -> dict[str, Any]:
    """A running number of ``source``'s with a live key; both partners' webhooks set up."""
    channel = await running_channel(http, source)
    key = await generate(http, source, channel["channel_id"])
    await setup_webhook(http, source, rs)
    await setup_webhook(http, target, rt)
    return {**channel, "key": {"D360-API-KEY": key["api_key"]}}


async def touch_client(http: Client, partner: PartnerCreds, client_id: str) -> httpx.Response:
    """``PATCH /clients/{client_id}`` with a payload: 200 for the owner, 404 for anyone else."""
    return await http.patch(
        f"{base(partner)}/clients/{client_id}",
        headers=partner.headers,
        json={"partner_payload": "checked"},
    )


async def auto_approve(http: Client, partner: PartnerCreds, on: bool) -> None:
    response = await http.patch(
        f"{base(partner)}/settings/partner_change_request",
        headers=partner.headers,
        json={"auto_approve": on},
    )
    assert response.status_code == 200, response.text


async def request_change(http: Client, client_id: str, target: PartnerCreds) -> dict[str, Any]:
    response = await http.post(
        "/_emulator/partner_change_requests",
        headers=EMULATOR,
        json={"client_id": client_id, "target_partner_id": target.partner_id},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def assert_moved(
    http: Client,
    source: PartnerCreds,
    target: PartnerCreds,
    moved: dict[str, Any],
    rs: Receiver,
    rt: Receiver,
    *,
    source_clients: int = 0,
) -> None:
    client_id, channel_id = moved["client_id"], moved["channel_id"]
    # the old key is revoked: the Messaging API refuses it
    sent = await http.post(
        "/messages",
        headers=moved["key"],
        json={
            "messaging_product": "whatsapp",
            "to": "4917612345678",
            "type": "text",
            "text": {"body": "still here?"},
        },
    )
    assert sent.status_code == 401, sent.text
    assert sent.json()["error"]["code"] == 0
    # gone for the source partner
    gone = await touch_client(http, source, client_id)
    assert gone.status_code == 404, gone.text
    left = (await http.get(f"{base(source)}/clients", headers=source.headers)).json()
    assert left["total"] == source_clients and client_id not in [c["id"] for c in left["clients"]]
    listed = (await http.get(f"{base(source)}/channels", headers=source.headers)).json()
    assert listed["total"] == source_clients
    assert channel_id not in [c["id"] for c in listed["partner_channels"]]
    # the target partner has it, the number without permission until the client grants it
    mine = (await http.get(f"{base(target)}/clients", headers=target.headers)).json()
    assert [c["id"] for c in mine["clients"]] == [client_id]
    channels = (await http.get(f"{base(target)}/channels", headers=target.headers)).json()
    assert channels["total"] == 1
    assert [c["id"] for c in channels["partner_channels"]] == [channel_id]
    waba = channels["partner_channels"][0]["waba_account"]["id"]
    got = await http.get(f"{base(target)}/waba_accounts/{waba}", headers=target.headers)
    assert got.status_code == 200, got.text
    refused = await http.post(
        f"{base(target)}/channels/{channel_id}/api_keys", headers=target.headers
    )
    assert refused.status_code == 403, refused.text
    # the source partner's events: its number's permission is gone
    (lost,) = [json.loads(r.body) for r in rs.wait_for(1, timeout=30)]
    assert lost["event"] == "channel_permission_revoked"
    assert lost["data"]["id"] == channel_id and lost["data"]["client_id"] == client_id
    assert lost["data"]["permission"] is False
    # the target's: a client and its number arrive
    # (written in this order; the delivery engine sends concurrently, so arrival may differ)
    gained = {
        e["event"]: e["data"] for e in (json.loads(r.body) for r in rt.wait_for(2, timeout=30))
    }
    assert sorted(gained) == ["channel_created", "client_created"]
    assert gained["client_created"]["id"] == client_id
    assert gained["client_created"]["name"] == "Pizza Place"
    assert gained["channel_created"]["id"] == channel_id
    assert gained["channel_created"]["client_id"] == client_id
    assert gained["channel_created"]["status"] == "running"
    assert gained["channel_created"]["waba_account"]["id"] == waba
    settle(rt)
    assert len(rs.requests) == 1 and len(rt.requests) == 2


async def test_auto_approve_moves_the_client_at_once(http: Client, sides: Sides) -> None:
    partner, other_partner, receiver, target_receiver = sides
    moved = await source_client(http, partner, other_partner, receiver, target_receiver)
    await auto_approve(http, other_partner, True)
    pcr = await request_change(http, moved["client_id"], other_partner)
    assert pcr["status"] == "completed" and pcr["is_full_migration"] is True
    assert pcr["source_client_id"] == pcr["target_client_id"] == moved["client_id"]
    assert pcr["source_partner_id"] == partner.partner_id
    assert pcr["target_partner_id"] == other_partner.partner_id
    assert pcr["channel_ids"] == [moved["channel_id"]]
    await assert_moved(http, partner, other_partner, moved, receiver, target_receiver)
    listed = (await http.get(f"{base(other_partner)}{PCRS}", headers=other_partner.headers)).json()
    assert listed["total"] == 1 and listed["partner_change_requests"][0]["id"] == pcr["id"]


async def test_manual_approve_and_what_each_side_sees_before(http: Client, sides: Sides) -> None:
    partner, other_partner, receiver, target_receiver = sides
    moved = await source_client(http, partner, other_partner, receiver, target_receiver)
    pcr = await request_change(http, moved["client_id"], other_partner)
    assert pcr["status"] == "pending"
    # a second request for the same client is refused while this one is pending
    again = await http.post(
        "/_emulator/partner_change_requests",
        headers=EMULATOR,
        json={"client_id": moved["client_id"], "target_partner_id": other_partner.partner_id},
    )
    assert again.status_code == 409, again.text

    # before the move: the target sees the request, and nothing of the client
    listed = (await http.get(f"{base(other_partner)}{PCRS}", headers=other_partner.headers)).json()
    assert [p["id"] for p in listed["partner_change_requests"]] == [pcr["id"]]
    assert listed["partner_change_requests"][0]["status"] == "pending"
    hidden = await touch_client(http, other_partner, moved["client_id"])
    assert hidden.status_code == 404 and "Pizza" not in hidden.text
    none = await http.get(f"{base(other_partner)}/clients", headers=other_partner.headers)
    assert none.json()["total"] == 0
    nothing = await http.get(f"{base(other_partner)}/channels", headers=other_partner.headers)
    assert nothing.json()["total"] == 0
    # the source still has its client and its key still works
    still = await touch_client(http, partner, moved["client_id"])
    assert still.status_code == 200, still.text
    templates = await http.get("/v1/configs/templates", headers=moved["key"])
    assert templates.status_code == 200, templates.text

    # neither the source nor anyone else may decide it
    for action in ("approve", "reject"):
        refused = await decide(http, partner, pcr["id"], action)
        assert refused.status_code == 404, refused.text
        assert moved["client_id"] not in refused.text
    foreign = await decide(http, other_partner, pcr["id"], "approve", partner)
    assert foreign.status_code in (401, 403), foreign.text
    assert (await http.get(f"{base(partner)}{PCRS}", headers=partner.headers)).json()["total"] == 0
    settle(receiver)
    assert receiver.requests == [] and target_receiver.requests == []

    approved = await decide(http, other_partner, pcr["id"], "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "completed"
    await assert_moved(http, partner, other_partner, moved, receiver, target_receiver)
    twice = await decide(http, other_partner, pcr["id"], "approve")
    assert twice.status_code == 409, twice.text


async def test_reject_leaves_everything_where_it_was(http: Client, sides: Sides) -> None:
    partner, other_partner, receiver, target_receiver = sides
    moved = await source_client(http, partner, other_partner, receiver, target_receiver)
    pcr = await request_change(http, moved["client_id"], other_partner)
    rejected = await decide(http, other_partner, pcr["id"], "reject")
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    filtered = await http.get(
        f"{base(other_partner)}{PCRS}",
        headers=other_partner.headers,
        params={"filters": json.dumps({"status": "pending"})},
    )
    assert filtered.json()["total"] == 0
    still = await touch_client(http, partner, moved["client_id"])
    assert still.status_code == 200, still.text
    templates = await http.get("/v1/configs/templates", headers=moved["key"])
    assert templates.status_code == 200, templates.text
    late = await decide(http, other_partner, pcr["id"], "approve")
    assert late.status_code == 409, late.text
    settle(receiver)
    assert receiver.requests == [] and target_receiver.requests == []
    # the client may ask again after a rejection
    assert (await request_change(http, moved["client_id"], other_partner))["status"] == "pending"


async def test_emulator_control_refusals(
    http: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    channel = await running_channel(http, partner)
    for body, status in (
        ({"client_id": channel["client_id"], "target_partner_id": partner.partner_id}, 400),
        ({"client_id": channel["client_id"], "target_partner_id": "nobodyPA"}, 400),
        ({"client_id": "nobodyCL", "target_partner_id": other_partner.partner_id}, 404),
    ):
        response = await http.post(
            "/_emulator/partner_change_requests", headers=EMULATOR, json=body
        )
        assert response.status_code == status, response.text


async def test_sdk_async_and_sync_twins(http: Client, sides: Sides) -> None:
    partner, other_partner, receiver, target_receiver = sides
    first = await source_client(http, partner, other_partner, receiver, target_receiver)
    second = await running_channel(http, partner, "+4915112345679")
    one = await request_change(http, first["client_id"], other_partner)
    two = await request_change(http, second["client_id"], other_partner)
    base_url = str(http.base_url)
    async with AsyncPartnerClient(
        other_partner.partner_id, other_partner.api_key, base_url=base_url
    ) as sdk:
        page = await sdk.partner_changes.list(status="pending")
        assert page.total == 2 and [p.id for p in page.items] == [two["id"], one["id"]]
        oldest = await sdk.partner_changes.list(sort="created_at", limit=1)
        assert [p.id for p in oldest.items] == [one["id"]] and oldest.total == 2
        done = await sdk.partner_changes.approve(one["id"])
        assert done.status == "completed" and done.source_client_id == first["client_id"]

    def sync_reject() -> tuple[str, int]:
        with PartnerClient(
            other_partner.partner_id, other_partner.api_key, base_url=base_url
        ) as sdk:
            rejected = sdk.partner_changes.reject(two["id"])
            return rejected.status, sdk.partner_changes.list(status="pending").total

    assert await asyncio.to_thread(sync_reject) == ("rejected", 0)
    owners = (await http.get(f"{base(partner)}/clients", headers=partner.headers)).json()
    assert [c["id"] for c in owners["clients"]] == [second["client_id"]]


async def test_dashboard_lists_and_decides_pending_requests(http: Client, sides: Sides) -> None:
    partner, other_partner, receiver, target_receiver = sides
    second = await running_channel(http, partner, "+4915112345679")
    first = await source_client(http, partner, other_partner, receiver, target_receiver)
    one = await request_change(http, first["client_id"], other_partner)
    two = await request_change(http, second["client_id"], other_partner)
    base_url = str(http.base_url)
    async with Client(base_url=base_url) as target, Client(base_url=base_url) as source:
        assert (
            await log_in(target, other_partner.email, other_partner.password)
        ).status_code == 303
        assert (await log_in(source, partner.email, partner.password)).status_code == 303
        home = await target.get("/hub")
        assert "2 partner change requests waiting" in home.text
        page = await target.get("/hub/partner_changes")
        assert page.status_code == 200, page.text
        assert one["id"] in page.text and two["id"] in page.text
        assert "Pizza Place" not in page.text and first["channel_id"] not in page.text
        # the source partner's dashboard has nothing to decide, and cannot decide the target's
        mine = await source.get("/hub/partner_changes")
        assert one["id"] not in mine.text and "No pending requests" in mine.text
        source_csrf = await page_csrf(source, "/hub/partner_changes")
        foreign = await source.post(
            f"/hub/partner_changes/{one['id']}/approve", data={"csrf_token": source_csrf}
        )
        assert foreign.status_code == 404, foreign.text
        # no CSRF token, no decision
        forged = await target.post(f"/hub/partner_changes/{one['id']}/approve", data={})
        assert forged.status_code == 403, forged.text
        csrf = csrf_of(page.text)
        approved = await target.post(
            f"/hub/partner_changes/{one['id']}/approve", data={"csrf_token": csrf}
        )
        assert approved.status_code == 303
        assert approved.headers["location"] == "/hub/partner_changes?done=approved"
        rejected = await target.post(
            f"/hub/partner_changes/{two['id']}/reject", data={"csrf_token": csrf}
        )
        assert rejected.status_code == 303
        after = await target.get("/hub/partner_changes?done=rejected")
        assert "No pending requests" in after.text and "rejected" in after.text
    owners = (
        await http.get(f"{base(other_partner)}/clients", headers=other_partner.headers)
    ).json()
    assert [c["id"] for c in owners["clients"]] == [first["client_id"]]
    await assert_moved(
        http,
        partner,
        other_partner,
        first,
        receiver,
        target_receiver,
        source_clients=1,
    )


async def test_pending_request_travels_in_the_world_export(
    http: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    channel = await running_channel(http, partner)
    pcr = await request_change(http, channel["client_id"], other_partner)
    world = (await http.get("/_emulator/state", headers=EMULATOR)).json()
    assert [r["id"] for r in world["partner_change_requests"]] == [pcr["id"]]
    assert world["partner_change_requests"][0]["status"] == "pending"
    seeded = await http.post("/_emulator/seed", headers=EMULATOR, json=world)
    assert seeded.status_code == 200, seeded.text
    assert seeded.json()["seeded"]["partner_change_requests"] == 1
    path = f"{base(other_partner)}{PCRS}"
    listed = (await http.get(path, headers=other_partner.headers)).json()
    assert [p["id"] for p in listed["partner_change_requests"]] == [pcr["id"]]
    approved = await http.post(f"{path}/{pcr['id']}/approve", headers=other_partner.headers)
    assert approved.status_code == 200 and approved.json()["status"] == "completed"
    # a seed refuses a request for a client it does not hold
    world["partner_change_requests"][0]["client_id"] = "nobodyCL"
    refused = await http.post("/_emulator/seed", headers=EMULATOR, json=world)
    assert refused.status_code == 400, refused.text
    assert "partner_change_requests[0].client_id" in refused.text


async def test_one_pending_request_per_client_even_at_once(
    http: Client, app: Litestar, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    """The partial unique index holds where the service's look-ahead cannot (two requests
    racing past ``pending_for_client``): the second insert writes nothing."""
    channel = await running_channel(http, partner)
    state = app.state.partnerhub
    now = state.clock.now()

    def pending(pcr_id: str) -> PartnerChangeRequest:
        return PartnerChangeRequest(
            pcr_id,
            "pending",
            channel["client_id"],
            partner.partner_id,
            other_partner.partner_id,
            (channel["channel_id"],),
            now,
            now,
        )

    async with state.uow() as uow:
        assert await uow.partner_changes.add(pending("firstPCR")) is True
        assert await uow.partner_changes.add(pending("secondPCR")) is False
        await uow.commit()
    listed = (await http.get(f"{base(other_partner)}{PCRS}", headers=other_partner.headers)).json()
    assert [p["id"] for p in listed["partner_change_requests"]] == ["firstPCR"]


async def test_the_client_grants_its_new_partner_permission_again(
    http: Client, app: Litestar, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    """After the move the client logs in on the new partner's permission page (its Client Hub
    login moved with it), ticks its number, and the new partner's keys work."""
    state = app.state.partnerhub
    await configure(state, http, other_partner)
    done = await onboard(http, partner, ["+4915112340001"])
    channel_id = done["channel_ids"][0]
    moved = await http.post(
        f"/_emulator/channels/{channel_id}/status", headers=EMULATOR, json={"status": "running"}
    )
    assert moved.status_code == 201, moved.text
    await auto_approve(http, other_partner, True)
    assert (await request_change(http, done["client_id"], other_partner))["status"] == "completed"

    opened = await http.get(page_url(other_partner), params={"next": "login"})
    assert opened.status_code == 200, opened.text
    manage = await http.post(
        page_url(other_partner),
        data=body_of(form_of(opened), email="owner@pizza.example", password=PASSWORD),
    )
    assert manage.status_code == 200, manage.text
    assert grants(form_of(manage)) == {f"grant_{channel_id}": False}
    saved = await http.post(
        page_url(other_partner), data=body_of(form_of(manage), **{f"grant_{channel_id}": "1"})
    )
    assert saved.status_code == 303, saved.text
    key = await generate(http, other_partner, channel_id)
    templates = await http.get("/v1/configs/templates", headers={"D360-API-KEY": key["api_key"]})
    assert templates.status_code == 200, templates.text
