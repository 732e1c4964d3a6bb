"""Host-your-own Embedded Signup (issue 18 item 2): ``POST …/account_sharing/numbers`` over
real HTTP, the events a real webhook receiver gets, the refusals, and the SDK twins."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from partnerhub.client import AsyncPartnerClient, PartnerClient
from partnerhub.client._errors import APIStatusError
from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.api import assert_error
from tests.helpers.client_login import (
    PASSWORD,
    body_of,
    configure,
    form_of,
    ids_of,
    landing,
    page_url,
)
from tests.helpers.client_login import events as partner_events
from tests.helpers.clients import events
from tests.helpers.clock import advance, eventually
from tests.helpers.webhooks import setup_webhook
from tests.integration.live_http import over_http
from tests.receiver import Receiver

Client = httpx.AsyncClient
SUCCESS = "Success. Please wait, your number is onboarding."
SOLUTION = "23475642367"


@pytest.fixture
async def http(app: Litestar, client: Client) -> AsyncIterator[Client]:
    """The app behind a real socket (``client`` runs its lifespan, and so its worker)."""
    async with over_http(app) as live:
        yield live


def numbers_url(partner: PartnerCreds) -> str:
    return f"/api/v2/partners/{partner.partner_id}/account_sharing/numbers"


async def share(http: Client, partner: PartnerCreds, **body: Any) -> httpx.Response:
    return await http.post(
        numbers_url(partner), headers=partner.headers, json={"solution_id": SOLUTION, **body}
    )


async def channel_of(http: Client, partner: PartnerCreds, external_id: str) -> dict[str, Any]:
    listed = await http.get(
        f"/api/v2/partners/{partner.partner_id}/channels",
        headers=partner.headers,
        params={"filters": f'{{"q": "{external_id}"}}'},
    )
    assert listed.status_code == 200, listed.text
    found: list[dict[str, Any]] = listed.json()["partner_channels"]
    assert len(found) == 1, found
    return found[0]


async def test_a_shared_number_makes_client_waba_and_number_then_the_lifecycle(
    http: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(http, partner, receiver)
    answer = await share(
        http,
        partner,
        waba_external_id="31893466565234",
        waba_business_id="89732461622213",
        tier="basic",
        channel_external_id="106540352242922",
        phone_number="+49 151 5550 1001",
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    client_id = body.pop("client_id")
    assert client_id.endswith("CL")
    assert body == {
        "solution_id": SOLUTION,
        "waba_external_id": "31893466565234",
        "channel_external_id": "106540352242922",
        "waba_business_id": "89732461622213",
        "tier": "basic",
        "message": SUCCESS,
    }
    listed = await http.get(
        f"/api/v2/partners/{partner.partner_id}/clients", headers=partner.headers
    )
    assert [(c["id"], c["name"]) for c in listed.json()["clients"]] == [
        (client_id, "Business 89732461622213")
    ]
    channel = await channel_of(http, partner, "106540352242922")
    assert channel["client_id"] == client_id and channel["status"] == "created"
    assert channel["setup_info"]["phone_number"] == "+4915155501001"
    waba = await http.get(
        f"/api/v2/partners/{partner.partner_id}/waba_accounts/{channel['waba_account']['id']}",
        headers=partner.headers,
    )
    assert waba.status_code == 200, waba.text
    assert waba.json()["external_id"] == "31893466565234"
    assert waba.json()["fb_business_id"] == "89732461622213"

    await advance(http, 0)
    await eventually(lambda: len(receiver.requests) == 2)
    # Written in one transaction, delivered concurrently: their arrival order is not fixed.
    first = {e["event"]: e["data"] for e in events(receiver)}
    assert sorted(first) == ["channel_created", "client_created"]
    assert first["client_created"]["id"] == client_id
    assert first["channel_created"]["id"] == channel["id"]
    assert first["channel_created"]["client_id"] == client_id
    assert first["channel_created"]["phone_number"] == "+4915155501001"
    for step in ["submitted", "ready", "running", "live"]:
        seen = len(receiver.requests)
        await advance(http, 60)
        await eventually(lambda seen=seen: len(receiver.requests) == seen + 1)
        event = events(receiver)[-1]
        assert event["event"] == f"channel_{step}"
        assert event["data"]["id"] == channel["id"] and event["data"]["status"] == step
    # A further number of the same WABA, named by business id only: the same client.
    again = await share(
        http,
        partner,
        waba_external_id="31893466565234",
        waba_business_id="89732461622213",
        channel_external_id="106540352242923",
    )
    assert again.status_code == 200, again.text
    assert again.json()["client_id"] == client_id and again.json()["tier"] is None
    second = await channel_of(http, partner, "106540352242923")
    assert second["waba_account"]["id"] == channel["waba_account"]["id"]
    assert second["setup_info"]["phone_number"].startswith("+1555")
    # A second WABA of the same client (a client may hold several).
    other_waba = await share(
        http,
        partner,
        waba_external_id="31893466565299",
        client_id=client_id,
        channel_external_id="106540352242924",
    )
    assert other_waba.status_code == 200, other_waba.text
    third = await channel_of(http, partner, "106540352242924")
    assert third["client_id"] == client_id
    assert third["waba_account"]["id"] != channel["waba_account"]["id"]
    waba = await http.get(
        f"/api/v2/partners/{partner.partner_id}/waba_accounts/{third['waba_account']['id']}",
        headers=partner.headers,
    )
    assert waba.json()["external_id"] == "31893466565299"


async def test_attaching_to_a_client_made_with_account_sharing_clients(
    http: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    await setup_webhook(http, partner, receiver)
    made = await http.post(
        f"/api/v2/partners/{partner.partner_id}/account_sharing/clients",
        headers=partner.headers,
        json={"name": "Hosted Co", "email": "boss@hosted.example"},
    )
    assert made.status_code == 200, made.text
    client_id = made.json()["id"]
    answer = await share(
        http,
        partner,
        waba_external_id="41893466565234",
        client_id=client_id,
        tier="premium",
        channel_external_id="206540352242922",
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["client_id"] == client_id and answer.json()["message"] == SUCCESS
    assert answer.json()["waba_business_id"] is None
    channel = await channel_of(http, partner, "206540352242922")
    assert channel["client_id"] == client_id
    await advance(http, 0)
    await eventually(lambda: len(receiver.requests) == 2)
    # The client announced itself when it was made; the number only now.
    seen = {e["event"]: e["data"] for e in events(receiver)}
    assert sorted(seen) == ["channel_created", "client_created"]
    assert seen["channel_created"]["client_id"] == client_id


async def test_refusals_name_the_field_and_show_no_other_partners_data(
    http: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    for body, field in [
        ({"waba_external_id": "1"}, "client_id"),
        ({"waba_external_id": "1", "waba_business_id": "2", "tier": "gold"}, "tier"),
        ({"waba_external_id": "WABA", "waba_business_id": "2"}, "waba_external_id"),
        ({"waba_external_id": "1", "waba_business_id": "x"}, "waba_business_id"),
        ({"waba_business_id": "2"}, "waba_external_id"),
        ({"waba_external_id": "1", "waba_business_id": "2", "extra": 1}, "extra"),
        (
            {"waba_external_id": "1", "waba_business_id": "2", "channel_external_id": "+49"},
            "channel_external_id",
        ),
        (
            {"waba_external_id": "1", "waba_business_id": "2", "phone_number": "12"},
            "phone_number",
        ),
    ]:
        assert_error(await share(http, partner, **body), 400, field)
    assert_error(
        await http.post(
            numbers_url(partner), headers=partner.headers, json={"waba_external_id": "1"}
        ),
        400,
        "solution_id",
    )
    # Someone else's client, or none: 404 with no data; another partner's path: 403.
    theirs = await http.post(
        f"/api/v2/partners/{other_partner.partner_id}/account_sharing/clients",
        headers=other_partner.headers,
        json={"name": "Rival Client", "email": "r@rival.example"},
    )
    for client_id in [theirs.json()["id"], "nosuchCL"]:
        refused = await share(http, partner, waba_external_id="51", client_id=client_id)
        meta = assert_error(refused, 404)
        assert "Rival" not in refused.text and "r@rival.example" not in refused.text
        assert meta["developer_message"] == "Client not found"
    assert_error(
        await http.post(
            numbers_url(other_partner),
            headers=partner.headers,
            json={"solution_id": SOLUTION, "waba_external_id": "1", "waba_business_id": "2"},
        ),
        403,
    )
    # Duplicates: the number, or a WABA another client holds.
    first = await share(
        http, partner, waba_external_id="61", waba_business_id="62", channel_external_id="63"
    )
    assert first.status_code == 200, first.text
    twice = await share(
        http, partner, waba_external_id="64", waba_business_id="62", channel_external_id="63"
    )
    assert_error(twice, 409)
    rivals = await http.post(
        numbers_url(other_partner),
        headers=other_partner.headers,
        json={"solution_id": SOLUTION, "waba_external_id": "61", "waba_business_id": "62"},
    )
    meta = assert_error(rivals, 409)
    assert partner.partner_id not in rivals.text and first.json()["client_id"] not in rivals.text
    assert "already onboarded" in meta["developer_message"]
    taken = await share(
        http, partner, waba_external_id="71", waba_business_id="72", phone_number="+4915155501001"
    )
    assert taken.status_code == 200, taken.text
    assert_error(
        await share(
            http,
            partner,
            waba_external_id="73",
            waba_business_id="74",
            phone_number="+4915155501001",
        ),
        409,
    )


async def test_sdk_async_and_sync_twins(http: Client, partner: PartnerCreds) -> None:
    base_url = str(http.base_url)
    async with AsyncPartnerClient(
        partner.partner_id, api_key=partner.api_key, base_url=base_url
    ) as sdk:
        done = await sdk.clients.onboard_shared_number(
            SOLUTION, "81", waba_business_id="82", tier="regular", channel_external_id="83"
        )
        assert (done.message, done.tier, done.channel_external_id) == (SUCCESS, "regular", "83")
        with pytest.raises(APIStatusError) as refused:
            await sdk.clients.onboard_shared_number(SOLUTION, "84", client_id="nosuchCL")
        assert refused.value.status_code == 404

    def sync_walk() -> str:
        with PartnerClient(partner.partner_id, api_key=partner.api_key, base_url=base_url) as sdk:
            return sdk.clients.onboard_shared_number(
                SOLUTION, "81", client_id=done.client_id, channel_external_id="85"
            ).client_id

    assert await asyncio.to_thread(sync_walk) == done.client_id


async def test_the_page_connects_the_clients_user_to_a_shared_client(
    http: Client, state: AppState, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    """``connect_client_user=true&client_id=…``: the signup fills the partner's empty client
    (made with ``account_sharing/clients``) instead of making a new one."""
    await configure(state, http, partner, direct=False)
    made = await http.post(
        f"/api/v2/partners/{partner.partner_id}/account_sharing/clients",
        headers=partner.headers,
        json={"name": "Hosted Co", "email": "boss@hosted.example"},
    )
    client_id = made.json()["id"]
    link = {"connect_client_user": "true", "client_id": client_id, "state": "s1"}
    opened = await http.get(page_url(partner), params=link)
    assert opened.status_code == 200, opened.text
    form = form_of(opened)
    assert form.fields["client_id"] == client_id and form.fields["connect_client_user"] == "true"
    signed_up = await http.post(
        page_url(partner),
        data=body_of(
            form,
            company="Ignored Name",
            contact_name="Grace",
            email="grace@hosted.example",
            password=PASSWORD,
            phone_0="+4915100000301",
        ),
    )
    query = landing(signed_up)
    assert query["client"] == [client_id] and query["state"] == ["s1"]
    channel_id = ids_of(query["channels"][0])[0]
    seen = await partner_events(state, partner)
    assert [e["event"] for e in seen] == ["client_created", "channel_created"]
    assert seen[1]["data"]["id"] == channel_id and seen[1]["data"]["client_id"] == client_id
    listed = await http.get(
        f"/api/v2/partners/{partner.partner_id}/clients", headers=partner.headers
    )
    assert [c["id"] for c in listed.json()["clients"]] == [client_id]  # no second client
    # The user connected: the client's login works, and the link cannot be used again.
    manage = await http.post(
        page_url(partner),
        data={
            "step": "login",
            "email": "grace@hosted.example",
            "password": PASSWORD,
            "client_id": client_id,
        },
    )
    assert manage.status_code == 200 and "+4915100000301" in manage.text
    again = await http.get(page_url(partner), params=link)
    assert again.status_code == 400 and "log in" in again.text
    # Another partner's client, or none: refused, showing nothing of it.
    theirs = await http.post(
        f"/api/v2/partners/{other_partner.partner_id}/account_sharing/clients",
        headers=other_partner.headers,
        json={"name": "Rival Secret Co", "email": "r@rival.example"},
    )
    for foreign in [theirs.json()["id"], "nosuchCL"]:
        refused = await http.get(
            page_url(partner), params={"connect_client_user": "true", "client_id": foreign}
        )
        assert refused.status_code == 404, refused.text
        assert "Rival Secret Co" not in refused.text and "r@rival.example" not in refused.text
    # A forged post naming the other partner's client changes nothing.
    forged = await http.post(
        page_url(partner),
        data=body_of(
            form,
            client_id=theirs.json()["id"],
            company="X",
            contact_name="X",
            email="x@x.example",
            password=PASSWORD,
            phone_0="+4915100000302",
        ),
    )
    assert forged.status_code == 404 and "Rival Secret Co" not in forged.text
    async with state.uow() as uow:
        assert await uow.clients.holder_of_number("+4915100000302") is None
        assert await uow.clients.waba_of_client(theirs.json()["id"]) is None


async def test_the_operation_is_in_the_openapi_document(http: Client) -> None:
    paths = (await http.get("/openapi.json")).json()["paths"]
    post = paths["/api/v2/partners/{partner_id}/account_sharing/numbers"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("AccountSharingNumberIn")
    assert {"200", "400", "403", "404", "409"} <= set(post["responses"])


async def test_the_emulators_meta_side_hands_out_what_the_partner_files(
    http: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    """``/_emulator/embedded_signup`` plays Meta: the ids its session-info message carries are
    what the partner's backend sends on, and the number it reported is the one filed."""
    await setup_webhook(http, partner, receiver)
    finished = await http.post("/_emulator/embedded_signup", headers=EMULATOR, json={})
    assert finished.status_code == 201, finished.text
    session = finished.json()
    assert (session["type"], session["event"]) == ("WA_EMBEDDED_SIGNUP", "FINISH")
    data = session["data"]
    assert set(data) == {"phone_number_id", "waba_id", "business_id"}
    answer = await share(
        http,
        partner,
        waba_external_id=data["waba_id"],
        waba_business_id=data["business_id"],
        channel_external_id=data["phone_number_id"],
    )
    assert answer.status_code == 200, answer.text
    channel = await channel_of(http, partner, data["phone_number_id"])
    assert channel["setup_info"]["phone_number"] == session["phone_number"]
    # The client adds a second number to the same WABA: the same client gets it.
    more = await http.post(
        "/_emulator/embedded_signup",
        headers=EMULATOR,
        json={"business_id": data["business_id"], "waba_id": data["waba_id"]},
    )
    second = more.json()["data"]
    assert (second["waba_id"], second["business_id"]) == (data["waba_id"], data["business_id"])
    assert second["phone_number_id"] != data["phone_number_id"]
    again = await share(
        http,
        partner,
        waba_external_id=second["waba_id"],
        waba_business_id=second["business_id"],
        channel_external_id=second["phone_number_id"],
    )
    assert again.json()["client_id"] == answer.json()["client_id"]
    await advance(http, 0)
    await eventually(lambda: len(receiver.requests) == 3)
    assert sorted(e["event"] for e in events(receiver)) == [
        "channel_created",
        "channel_created",
        "client_created",
    ]
    for bad in [{"waba_id": "abc"}, {"extra": 1}]:
        refused = await http.post("/_emulator/embedded_signup", headers=EMULATOR, json=bad)
        assert refused.status_code == 400, refused.text


async def test_the_tier_is_the_numbers_license_plan(http: Client, partner: PartnerCreds) -> None:
    """``tier`` is 360dialog's license plan (basic, regular, premium): the channel keeps it and
    shows it; no tier (or "") is Regular, like every other onboarding. Meta's messaging limit
    (``current_limit``) is another thing and stays the new number's TIER_1K."""
    for n, tier, shown in [(1, "premium", "premium"), (2, "basic", "basic"), (3, "", "regular")]:
        answer = await share(
            http,
            partner,
            waba_external_id=f"9100{n}",
            waba_business_id=f"9200{n}",
            channel_external_id=f"9300{n}",
            tier=tier,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["tier"] == tier
        channel = await channel_of(http, partner, f"9300{n}")
        assert (channel["tier"], channel["current_limit"]) == (shown, "TIER_1K")
    plain = await share(http, partner, waba_external_id="91004", waba_business_id="92004")
    assert plain.json()["tier"] is None
    plain_channel = await channel_of(http, partner, plain.json()["channel_external_id"])
    assert plain_channel["tier"] == "regular"
    # The world export carries it, and a seed puts it back (a bad value names the field).
    world = await http.get("/_emulator/state", headers=EMULATOR)
    tiers = {c["external_id"]: c["tier"] for c in world.json()["channels"]}
    assert tiers["93001"] == "premium" and tiers["93002"] == "basic"
    document = world.json()
    document["channels"][0]["tier"] = "gold"
    assert_error(
        await http.post("/_emulator/seed", headers=EMULATOR, json=document), 400, "channels[0].tier"
    )
    reseeded = await http.post("/_emulator/seed", headers=EMULATOR, json=world.json())
    assert reseeded.status_code == 200, reseeded.text
    assert (await channel_of(http, partner, "93001"))["tier"] == "premium"
