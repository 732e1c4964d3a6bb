"""An interactive ``flow`` message names a Flow Meta would send (issue 18 item 1): one of the
number's WABA, PUBLISHED (or THROTTLED), or a DRAFT sent with ``mode: draft``; the rest are
refused with 131009 naming the parameter, on the hot send path and the routed handler alike."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar

from tests.conftest import PartnerCreds
from tests.helpers.flows import published_flow
from tests.helpers.hot_paths import comparable, routed_twin
from tests.helpers.messaging import CUSTOMER, inbound, ready_channel, running_channel
from tests.receiver import Receiver


def flow_message(flow: dict[str, str], mode: str | None = None) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "flow_message_version": "3",
        "flow_token": "tok",
        "flow_cta": "Book now",
        **flow,
    }
    if mode:
        parameters["mode"] = mode
    return {
        "messaging_product": "whatsapp",
        "to": CUSTOMER,
        "type": "interactive",
        "interactive": {
            "type": "flow",
            "body": {"text": "Book"},
            "action": {"name": "flow", "parameters": parameters},
        },
    }


async def test_only_sendable_flows_of_the_wabas_are_sent(
    app: Litestar,
    client: httpx.AsyncClient,
    partner: PartnerCreds,
    other_partner: PartnerCreds,
    receiver: Receiver,
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    waba = channel["waba_account_id"]
    published = await published_flow(client, partner, waba, name="booking")
    url = f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba}/flows"
    draft = (
        await client.post(url, headers=partner.headers, json={"name": "d", "categories": ["OTHER"]})
    ).json()["id"]
    routed = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=routed_twin(app)), base_url="http://t"
    )

    async def both(body: dict[str, Any]) -> httpx.Response:
        hot = await client.post("/messages", headers=key, json=body)
        slow = await routed.post("/messages", headers=key, json=body)
        if hot.status_code != 200:
            assert comparable(hot) == comparable(slow)
        return hot

    async with routed:
        assert (await both(flow_message({"flow_id": published}))).status_code == 200
        assert (await both(flow_message({"flow_name": "booking"}))).status_code == 200
        assert (await both(flow_message({"flow_id": draft}, mode="draft"))).status_code == 200
        refusals = [
            (flow_message({"flow_id": "999999999"}), "flow_id", "no such Flow"),
            (flow_message({"flow_name": "nope"}), "flow_name", "no such Flow"),
            (flow_message({"flow_id": draft}), "flow_id", "the Flow is DRAFT"),
        ]
        deprecated = await client.post(f"{url}/{published}/deprecate", headers=partner.headers)
        assert deprecated.status_code == 200, deprecated.text
        refusals.append((flow_message({"flow_id": published}), "flow_id", "DEPRECATED"))
        # Another partner's published Flow is not this WABA's.
        their_channel = await running_channel(client, other_partner, "+4915199990001")
        theirs = await published_flow(
            client, other_partner, their_channel["waba_account_id"], name="theirs"
        )
        refusals.append((flow_message({"flow_id": theirs}), "flow_id", "no such Flow"))
        for body, field, words in refusals:
            refused = await both(body)
            assert refused.status_code == 400, refused.text
            error = refused.json()["error"]
            assert error["code"] == 131009
            assert error["error_data"]["details"].startswith(
                f"interactive.action.parameters.{field}:"
            )
            assert words in error["error_data"]["details"]
