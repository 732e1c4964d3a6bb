"""The SDK's template component builders against the real server: each type created on the
Messaging API, approved by the emulator, sent with the builders' parameters."""

from __future__ import annotations

import httpx
import pytest

from partnerhub.client import APIStatusError, AsyncMessagingClient, AsyncPartnerClient
from partnerhub.client import template_components as tc
from tests.conftest import EMULATOR
from tests.sdk.conftest import BASE_URL, World

CUSTOMER = "4917612345678"
APP = ("com.example.app", "K8a/AINcGX7")


def _image_card() -> list[dict[str, object]]:
    return [
        tc.header("IMAGE"),
        tc.body("Only {{1}}", "9.99"),
        tc.buttons({"type": "QUICK_REPLY", "text": "More"}),
    ]


TEMPLATES = {
    "otp_one_tap": (
        "AUTHENTICATION",
        tc.authentication("ONE_TAP", code_expiration_minutes=5, supported_apps=[APP]),
        None,
    ),
    "flash_sale": (
        "MARKETING",
        [
            tc.limited_time_offer("Ends soon!"),
            tc.body("Code {{1}}", "SALE"),
            tc.buttons(tc.copy_code_button("SALE")),
        ],
        None,
    ),
    "cards": (
        "MARKETING",
        [tc.body("Look, {{1}}", "Ana"), tc.carousel(_image_card(), _image_card())],
        None,
    ),
    "picks": (
        "MARKETING",
        [tc.header("TEXT", "Picks"), tc.body("Our picks"), tc.buttons(tc.mpm_button())],
        None,
    ),
    "one_product": (
        "MARKETING",
        [tc.header("PRODUCT"), tc.body("Back in stock"), tc.buttons(tc.spm_button())],
        None,
    ),
    "shop": ("MARKETING", [tc.body("Browse"), tc.buttons(tc.catalog_button())], None),
    "join": (
        "UTILITY",
        [tc.body("Join"), tc.buttons(tc.flow_button("Join", flow_id="42", flow_action="navigate"))],
        None,
    ),
    "hello_named": ("UTILITY", [tc.body("Hi {{first_name}}", first_name="Ana")], "NAMED"),
}

SENDS = {
    "otp_one_tap": tc.otp("482913"),
    "flash_sale": [
        tc.offer_expiration(1_900_000_000_000),
        tc.body_parameters("SALE"),
        tc.copy_code(0, "SALE"),
    ],
    "cards": [
        tc.body_parameters("Ana"),
        tc.carousel_cards(
            *(
                tc.card(
                    i,
                    tc.header_media("image", "https://example.com/a.jpg"),
                    tc.body_parameters("9.99"),
                    tc.quick_reply_button(0, f"more-{i}"),
                )
                for i in range(2)
            )
        ),
    ],
    "picks": [tc.multi_product("sku-1", {"Best": ["sku-1", "sku-2"]})],
    "one_product": [tc.header_product("sku-1", "194836987003835")],
    "shop": [tc.catalog(0, "sku-1")],
    "join": [tc.flow(0, "token-1", {"step": 1})],
    "hello_named": [tc.body_parameters(first_name="Ana")],
}


async def test_every_type_through_the_builders(
    hub: AsyncPartnerClient, world: World, client: httpx.AsyncClient
) -> None:
    key = await hub.channels.generate_api_key(world.channel_id)
    async with AsyncMessagingClient(key.api_key, base_url=BASE_URL, http_client=client) as api:
        for name, (category, components, parameter_format) in TEMPLATES.items():
            extra = {"parameter_format": parameter_format} if parameter_format else {}
            created = await api.templates.create(
                name=name, language="en", category=category, components=components, **extra
            )
            assert created.status == "PENDING"
            reviewed = await client.post(
                f"/_emulator/templates/{created.id}/review",
                headers=EMULATOR,
                json={"status": "approved"},
            )
            assert reviewed.status_code in (200, 201), reviewed.text
        for name, components in SENDS.items():
            sent = await api.messages.send_template(CUSTOMER, name, "en", components)
            assert sent.messages[0].id.startswith("wamid.")
        with pytest.raises(APIStatusError) as caught:
            await api.messages.send_template(
                CUSTOMER, "hello_named", "en", [tc.body_parameters("Ana")]
            )
        assert caught.value.error is not None and caught.value.error["code"] == 132012


def test_positional_and_named_values_do_not_mix() -> None:
    with pytest.raises(ValueError, match="not both"):
        tc.body_parameters("a", first_name="b")
    assert tc.body_parameters(first_name="Ana") == {
        "type": "body",
        "parameters": [{"type": "text", "text": "Ana", "parameter_name": "first_name"}],
    }
