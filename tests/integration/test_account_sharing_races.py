"""``POST …/account_sharing/numbers`` called twice at once (issue 18 gaps): the unique indexes on
Meta's WABA and phone-number ids (migration 0031) let exactly one through, and the others get
the 409 a later call gets, never a 500 nor a second row; on SQLite and PostgreSQL, over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from partnerhub.domain import ids
from partnerhub.domain.clients.model import Channel, ChannelStatus, Client, WabaAccount
from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.api import assert_error
from tests.integration.live_http import over_http

HTTP = httpx.AsyncClient
SOLUTION = "23475642367"


@pytest.fixture
async def http(app: Litestar, client: HTTP) -> AsyncIterator[HTTP]:
    async with over_http(app) as live:
        yield live


async def share(http: HTTP, partner: PartnerCreds, **body: Any) -> httpx.Response:
    return await http.post(
        f"/api/v2/partners/{partner.partner_id}/account_sharing/numbers",
        headers=partner.headers,
        json={"solution_id": SOLUTION, **body},
    )


async def listed(http: HTTP, partner: PartnerCreds, path: str, items: str) -> list[Any]:
    answer = await http.get(
        f"/api/v2/partners/{partner.partner_id}/{path}",
        headers=partner.headers,
        params={"limit": 100},
    )
    assert answer.status_code == 200, answer.text
    found: list[Any] = answer.json()[items]
    return found


@pytest.mark.parametrize("with_client", [False, True])
async def test_identical_calls_at_once_file_one_number(
    http: HTTP, partner: PartnerCreds, with_client: bool
) -> None:
    body: dict[str, Any] = {
        "waba_external_id": "31893466565234",
        "waba_business_id": "89732461622213",
        "channel_external_id": "106540352242922",
    }
    if with_client:
        made = await http.post(
            f"/api/v2/partners/{partner.partner_id}/account_sharing/clients",
            headers=partner.headers,
            json={"name": "Racing Bakery", "email": "race@bakery.example"},
        )
        assert made.status_code in (200, 201), made.text
        body["client_id"] = made.json()["id"]
    answers = await asyncio.gather(*(share(http, partner, **body) for _ in range(6)))
    won = [a for a in answers if a.status_code == 200]
    assert len(won) == 1, [(a.status_code, a.text) for a in answers]
    for lost in (a for a in answers if a.status_code != 200):
        meta = assert_error(lost, 409)
        assert meta["developer_message"] == "Phone number 106540352242922 is already onboarded"
    channels = await listed(http, partner, "channels", "partner_channels")
    assert [c["external_id"] for c in channels] == ["106540352242922"]
    wabas = {c["waba_account"]["id"] for c in channels}
    assert len(wabas) == 1
    clients = await listed(http, partner, "clients", "clients")
    assert len(clients) == 1  # the losers' new clients were not kept


async def test_calls_at_once_for_one_new_waba_share_it(http: HTTP, partner: PartnerCreds) -> None:
    """Without a number id each call files its own number: every one succeeds, into one WABA
    and one client (as the same calls one after the other would)."""
    answers = await asyncio.gather(
        *(share(http, partner, waba_external_id="4100", waba_business_id="4200") for _ in range(4))
    )
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert len({a.json()["client_id"] for a in answers}) == 1
    channels = await listed(http, partner, "channels", "partner_channels")
    assert len(channels) == 4
    assert len({c["waba_account"]["id"] for c in channels}) == 1


@pytest.mark.parametrize("twin_waba", ["81", "84"])
async def test_a_twin_committing_during_the_call_is_met_by_the_index(
    http: HTTP, partner: PartnerCreds, state: AppState, twin_waba: str
) -> None:
    """Another transaction files the number (in the same WABA, or another) while the call runs:
    the call's insert waits for it (PostgreSQL: on the unique index; SQLite: on the write
    lock), then answers the 409 of the sequential check."""
    now = state.clock.now()
    async with state.uow() as twin:
        owner = Client(
            id=ids.new_id(ids.CLIENT),
            partner_id=partner.partner_id,
            name="Twin",
            status="active",
            created_at=now,
            modified_at=now,
        )
        twin.clients.add(owner)
        await twin.flush()
        waba = WabaAccount(
            id=ids.new_id(ids.WABA_ACCOUNT),
            partner_id=partner.partner_id,
            client_id=owner.id,
            name="Twin",
            status="created",
            external_id=twin_waba,
            fb_business_id="82",
            namespace="twin_ns",
            timezone_id="1",
            created_at=now,
            modified_at=now,
        )
        twin.clients.add(waba)
        await twin.flush()
        twin.clients.add(
            Channel(
                id=ids.new_id(ids.CHANNEL),
                partner_id=partner.partner_id,
                client_id=owner.id,
                waba_account_id=waba.id,
                status=ChannelStatus.CREATED,
                phone_number="+4915155508300",
                phone_name="Twin",
                external_id="83",
                created_at=now,
                modified_at=now,
            )
        )
        await twin.flush()
        late = asyncio.create_task(
            share(
                http,
                partner,
                waba_external_id="81",
                waba_business_id="82",
                channel_external_id="83",
            )
        )
        await asyncio.sleep(0.5)
        assert not late.done()  # waiting for the twin's transaction
        await twin.commit()
    meta = assert_error(await late, 409)
    assert meta["developer_message"] == "Phone number 83 is already onboarded"
    channels = await listed(http, partner, "channels", "partner_channels")
    assert [c["external_id"] for c in channels] == ["83"]
    world = await http.get("/_emulator/state", headers=EMULATOR)
    assert world.status_code == 200, world.text
    assert [w["external_id"] for w in world.json()["waba_accounts"]] == [twin_waba]
