"""The SDK's interactive builders (partnerhub.client.interactive): each builds a body the
server accepts, sent with ``messages.send_interactive`` over real HTTP; a broken limit comes
back as the SDK's ValidationError carrying Meta's code."""

from __future__ import annotations

import httpx
import msgspec
import pytest
from litestar import Litestar

from partnerhub.client import AsyncMessagingClient, ValidationError
from partnerhub.client import interactive as ia
from partnerhub.domain.messaging.validation import parse_outgoing
from partnerhub.wire import cloud_api
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.flows import published_flow
from tests.helpers.interactive import interactive_send
from tests.helpers.messaging import CUSTOMER, inbound, ready_channel
from tests.integration.live_http import over_http
from tests.receiver import Receiver

IMG = "https://cdn.example.com/a.png"


def _all(catalog_id: str, flow_id: str = "123") -> dict[str, cloud_api.Interactive]:
    return {
        "buttons": ia.buttons("Pizza?", [("y", "Yes"), ("n", "No")], footer="Pick one"),
        "list": ia.list_message(
            "Menu", "Open", {"Pizza": [("p1", "Margherita", "Tomato"), ("p2", "Diavola")]}
        ),
        "cta_url": ia.cta_url("See", "Open", "https://example.com", header="Hi"),
        "location_request": ia.location_request("Where are you?"),
        "address_request": ia.address_request("Address?", values={"name": "Asha"}),
        "product": ia.product(catalog_id, "sku-1", body="Tonight"),
        "product_list": ia.product_list(catalog_id, "Menu", "Pick", {"All": ["sku-1", "sku-2"]}),
        "catalog": ia.catalog("Browse", thumbnail_retailer_id="sku-1"),
        "flow": ia.flow("Book", "Book now", flow_id=flow_id, flow_token="t", screen="START"),
        "flow_exchange": ia.flow("Book", "Book", flow_name="booking", data_exchange=True),
        "url_carousel": ia.carousel(
            "Deals", [ia.url_card(i, IMG, "Buy", f"https://x.example/{i}") for i in range(2)]
        ),
        "reply_carousel": ia.carousel(
            "Vote",
            [ia.reply_card(i, IMG, [(f"a{i}", "A")], body=f"Card {i}") for i in range(3)],
        ),
        "product_carousel": ia.product_carousel("Tonight", catalog_id, ["sku-1", "sku-2"]),
    }


@pytest.mark.parametrize("name", sorted(_all("1")))
def test_each_builder_makes_a_body_the_server_accepts(name: str) -> None:
    built = msgspec.to_builtins(_all("1")[name])
    outgoing = parse_outgoing(interactive_send(CUSTOMER, built))
    assert outgoing.body["interactive"] == built


async def test_builders_over_http_with_the_async_client(
    app: Litestar, client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    created = await client.post(
        "/_emulator/catalogs",
        headers=EMULATOR,
        json={
            "channel_id": channel["channel_id"],
            "products": [
                {"retailer_id": "sku-1", "name": "Margherita"},
                {"retailer_id": "sku-2", "name": "Diavola"},
            ],
        },
    )
    catalog_id = created.json()["id"]
    flow_id = await published_flow(client, partner, channel["waba_account_id"], name="booking")
    async with over_http(app) as live:
        api = AsyncMessagingClient(key["D360-API-KEY"], base_url=str(live.base_url))
        async with api:
            for name, body in _all(catalog_id, flow_id).items():
                sent = await api.messages.send_interactive(CUSTOMER, body)
                assert sent.messages[0].id.startswith("wamid."), name
            with pytest.raises(ValidationError) as refused:
                await api.messages.send_interactive(CUSTOMER, ia.product(catalog_id, "ghost"))
    assert "131009" in str(refused.value)
