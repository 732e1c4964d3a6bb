"""Every template type (issue 17 item 8) over real HTTP: created on both template APIs (Partner
API ``waba_templates`` and the Messaging API's ``/v1/configs/templates``), each limit refused
naming its field in each API's error shape, approved by the simulated review, then sent with
the right parameters (accepted) and with a wrong count, name, type or index (refused with
Meta's code)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers import template_types as types
from tests.helpers.api import assert_error
from tests.helpers.clock import advance
from tests.helpers.messaging import CUSTOMER, generate, running_channel
from tests.helpers.templates import url
from tests.helpers.world import fixture, seed
from tests.integration.live_http import over_http

Client = httpx.AsyncClient
IMAGE = {"link": "https://example.com/a.jpg"}
PRODUCT = {"product_retailer_id": "sku-1", "catalog_id": "194836987003835"}


@pytest.fixture
async def http(app: Litestar, client: Client) -> AsyncIterator[Client]:
    """The app behind a real socket (its lifespan is run by ``client``)."""
    async with over_http(app) as live:
        yield live


async def _setup(http: Client, partner: PartnerCreds) -> tuple[str, dict[str, str]]:
    channel = await running_channel(http, partner)
    key = await generate(http, partner, channel["channel_id"])
    return str(channel["waba_account_id"]), {"D360-API-KEY": key["api_key"]}


def _renamed(body: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {**copy.deepcopy(body), "name": f"{prefix}_{body['name']}"}


async def _create_all(
    http: Client, partner: PartnerCreds, waba_id: str, key: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Every type on the Partner API (``p_…``) and on the Messaging API (``m_…``)."""
    created: dict[str, dict[str, Any]] = {}
    for kind, body in types.ALL_TYPES.items():
        response = await http.post(
            url(partner, waba_id), headers=partner.headers, json=_renamed(body, "p")
        )
        assert response.status_code == 200, (kind, response.text)
        created[f"p_{body['name']}"] = response.json()
        cloud = await http.post("/v1/configs/templates", headers=key, json=_renamed(body, "m"))
        assert cloud.status_code == 201, (kind, cloud.text)
        assert cloud.json()["status"] == "PENDING"
        assert cloud.json()["category"] == body["category"]
        created[f"m_{body['name']}"] = cloud.json()
    return created


async def _approve_all(http: Client, state: AppState, partner: PartnerCreds, waba_id: str) -> None:
    """The simulated review decides every pending template once its delay has passed."""
    await advance(http, state.settings.template_review_delay + 1)
    listed = await http.get(url(partner, waba_id), headers=partner.headers, params={"limit": 100})
    assert listed.status_code == 200, listed.text
    statuses = {t["name"]: t["status"] for t in listed.json()["waba_templates"]}
    assert len(statuses) == 2 * len(types.ALL_TYPES)
    assert set(statuses.values()) == {"approved"}, statuses


def _send(name: str, *components: dict[str, Any]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": CUSTOMER,
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": "en_US"},
            "components": list(components),
        },
    }


def _text(*values: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": v} for v in values]


def _body(*values: str) -> dict[str, Any]:
    return {"type": "body", "parameters": _text(*values)}


def _button(sub_type: str, index: int, *parameters: dict[str, Any]) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "sub_type": sub_type, "index": str(index)}
    if parameters:
        button["parameters"] = list(parameters)
    return button


def _header(parameter: dict[str, Any]) -> dict[str, Any]:
    return {"type": "header", "parameters": [parameter]}


def _media_cards(count: int = 3, header: str = "image") -> dict[str, Any]:
    return {
        "type": "carousel",
        "cards": [
            {
                "card_index": i,
                "components": [
                    _header({"type": header, header: IMAGE}),
                    _body("15%"),
                    _button("quick_reply", 0, {"type": "payload", "payload": f"more-{i}"}),
                    _button("url", 1, *_text(str(i))),
                ],
            }
            for i in range(count)
        ],
    }


SECTIONS = [{"title": "Best sellers", "product_items": [{"product_retailer_id": "sku-1"}]}]


def good_sends(p: str) -> dict[str, dict[str, Any]]:
    """One accepted send per type (``p``: the API prefix of the template's name)."""
    named_body = {
        "type": "body",
        "parameters": [
            {"type": "text", "parameter_name": "ship_date", "text": "Monday"},
            {"type": "text", "parameter_name": "first_name", "text": "Ana"},
        ],
    }
    named_header = _header({"type": "text", "parameter_name": "order_id", "text": "A1"})
    return {
        "auth_copy": _send(f"{p}_auth_copy", _body("123456"), _button("url", 0, *_text("123456"))),
        "auth_one_tap": _send(
            f"{p}_auth_one_tap", _body("4821"), _button("url", 0, *_text("4821"))
        ),
        "auth_zero_tap": _send(f"{p}_auth_zero_tap", _body("77"), _button("url", 0, *_text("77"))),
        "coupon": _send(
            f"{p}_coupon_offer",
            _body("SAVE25"),
            _button("copy_code", 0, {"type": "coupon_code", "coupon_code": "SAVE25"}),
        ),
        "limited_time_offer": _send(
            f"{p}_flash_sale",
            _header({"type": "image", "image": IMAGE}),
            {
                "type": "limited_time_offer",
                "parameters": [
                    {
                        "type": "limited_time_offer",
                        "limited_time_offer": {"expiration_time_ms": 1_900_000_000_000},
                    }
                ],
            },
            _body("Pablo", "CARIBE25"),
            _button("copy_code", 0, {"type": "coupon_code", "coupon_code": "CARIBE25"}),
            _button("url", 1, *_text("CARIBE25")),
        ),
        "media_carousel": _send(f"{p}_summer_carousel", _body("Pablo"), _media_cards()),
        "product_carousel": _send(
            f"{p}_product_carousel",
            {
                "type": "carousel",
                "cards": [
                    {
                        "card_index": i,
                        "components": [_header({"type": "product", "product": PRODUCT})],
                    }
                    for i in range(2)
                ],
            },
        ),
        "catalog": _send(
            f"{p}_shop_catalog",
            _button(
                "catalog",
                0,
                {"type": "action", "action": {"thumbnail_product_retailer_id": "sku-1"}},
            ),
        ),
        "multi_product": _send(
            f"{p}_multi_product",
            _header({"type": "text", "text": "Pablo"}),
            _button(
                "mpm",
                0,
                {
                    "type": "action",
                    "action": {"thumbnail_product_retailer_id": "sku-1", "sections": SECTIONS},
                },
            ),
        ),
        "single_product": _send(
            f"{p}_single_product", _header({"type": "product", "product": PRODUCT})
        ),
        "flow": _send(
            f"{p}_signup_flow",
            _button("flow", 0, {"type": "action", "action": {"flow_token": "tok-1"}}),
        ),
        "named": _send(f"{p}_order_named", named_header, named_body),
        "positional": _send(f"{p}_order_positional", _body("Ana", "Monday")),
    }


def _mutate(body: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    """``body`` with a value under its ``template`` changed."""
    return types.changed(body, ["template", *path], value)


_DROP = types.DROP


def bad_sends(p: str) -> list[tuple[str, dict[str, Any], int, str]]:
    """(what, body, Meta's code, the field named) for each kind of mismatch."""
    good = good_sends(p)
    carousel = ["components", 1, "cards"]
    return [
        (
            "otp code too long",
            _mutate(good["auth_copy"], ["components", 0, "parameters", 0, "text"], "1" * 16),
            131009,
            "components[0].parameters[0]",
        ),
        (
            "otp button missing",
            _mutate(good["auth_copy"], ["components", 1], _DROP),
            132000,
            "template.components",
        ),
        (
            "coupon as text",
            _mutate(good["coupon"], ["components", 1, "parameters"], _text("SAVE25")),
            132012,
            "components[1].parameters[0].type",
        ),
        (
            "coupon missing",
            _mutate(good["coupon"], ["components", 1], _DROP),
            132000,
            "template.components",
        ),
        (
            "no such button",
            _mutate(good["coupon"], ["components", 1, "index"], "3"),
            131009,
            "components[1]",
        ),
        (
            "offer missing",
            _mutate(good["limited_time_offer"], ["components", 1], _DROP),
            132000,
            "template.components",
        ),
        (
            "two cards of three",
            _mutate(good["media_carousel"], [*carousel, 2], _DROP),
            132000,
            "components[1].cards",
        ),
        (
            "card index 5",
            _mutate(good["media_carousel"], [*carousel, 2, "card_index"], 5),
            131009,
            "cards[2].card_index",
        ),
        (
            "video card header",
            _mutate(good["media_carousel"], ["components", 1], _media_cards(header="video")),
            132012,
            "cards[0].components[0].parameters[0].type",
        ),
        (
            "card body without its parameter",
            _mutate(good["media_carousel"], [*carousel, 0, "components", 1, "parameters"], []),
            132000,
            "cards[0].components[1].parameters",
        ),
        (
            "image for a product card",
            _mutate(
                good["product_carousel"],
                ["components", 0, "cards", 0, "components", 0],
                _header({"type": "image", "image": IMAGE}),
            ),
            132012,
            "cards[0].components[0].parameters[0].type",
        ),
        (
            "mpm without sections",
            _mutate(
                good["multi_product"],
                ["components", 1, "parameters", 0, "action", "sections"],
                _DROP,
            ),
            131008,
            "action.sections",
        ),
        (
            "spm without its product",
            _mutate(good["single_product"], ["components"], []),
            132000,
            "template.components",
        ),
        (
            "flow button as quick reply",
            _mutate(good["flow"], ["components", 0, "sub_type"], "quick_reply"),
            132012,
            "components[0].sub_type",
        ),
        (
            "named sent positionally",
            _mutate(good["named"], ["components", 1], _body("Ana", "Monday")),
            132012,
            "components[1].parameters[0].parameter_name",
        ),
        (
            "unknown name",
            _mutate(
                good["named"], ["components", 1, "parameters", 0, "parameter_name"], "ship_day"
            ),
            132000,
            "components[1].parameters",
        ),
        (
            "named count",
            _mutate(good["named"], ["components", 1, "parameters", 0], _DROP),
            132000,
            "components[1].parameters",
        ),
        (
            "positional sent named",
            _mutate(
                good["positional"],
                ["components", 0, "parameters", 0, "parameter_name"],
                "first_name",
            ),
            132012,
            "components[0].parameters[0].parameter_name",
        ),
        (
            "positional count",
            _mutate(good["positional"], ["components", 0, "parameters", 1], _DROP),
            132000,
            "components[0].parameters",
        ),
        (
            "new line in a parameter",
            _mutate(good["positional"], ["components", 0, "parameters", 0, "text"], "Ana\nB"),
            132007,
            "components[0].parameters[0]",
        ),
        (
            "hydrated body too long",
            _mutate(good["positional"], ["components", 0, "parameters", 0, "text"], "a" * 1020),
            132005,
            "components[0].parameters",
        ),
        (
            "another language",
            _mutate(good["positional"], ["language", "code"], "de"),
            132001,
            "template.name",
        ),
    ]


async def test_every_type_created_on_both_apis_reviewed_and_sent(
    http: Client, partner: PartnerCreds, state: AppState
) -> None:
    waba_id, key = await _setup(http, partner)
    created = await _create_all(http, partner, waba_id, key)
    # Authentication templates are stored with Meta's fixed wording.
    auth = created["p_auth_copy"]["components"]
    assert auth[0]["text"].startswith("*{{1}}* is your verification code.")
    assert auth[1]["text"] == "This code expires in 10 minutes."
    assert auth[2]["buttons"][0]["text"] == "Copy code"
    await _approve_all(http, state, partner, waba_id)
    for p in ("p", "m"):
        for kind, body in good_sends(p).items():
            response = await http.post("/messages", headers=key, json=body)
            assert response.status_code == 200, (kind, response.text)
            assert response.json()["messages"][0]["id"].startswith("wamid.")
        for what, body, code, field in bad_sends(p):
            response = await http.post("/messages", headers=key, json=body)
            assert response.status_code == 400, (what, response.text)
            error = response.json()["error"]
            assert error["code"] == code, (what, error)
            assert field in error["error_data"]["details"], (what, error)
            assert error["message"].startswith(f"(#{code}) ")


async def test_paused_and_disabled_templates_are_refused(
    http: Client, partner: PartnerCreds, state: AppState
) -> None:
    _, key = await _setup(http, partner)
    created = await http.post("/v1/configs/templates", headers=key, json=types.coupon())
    template_id = created.json()["id"]
    send = good_sends("x")["coupon"]
    send["template"]["name"] = "coupon_offer"
    for status, code in (("paused", 132015), ("disabled", 132016), ("approved", None)):
        reviewed = await http.post(
            f"/_emulator/templates/{template_id}/review", headers=EMULATOR, json={"status": status}
        )
        assert reviewed.status_code in (200, 201), reviewed.text
        response = await http.post("/messages", headers=key, json=send)
        if code is None:
            assert response.status_code == 200, response.text
        else:
            assert response.json()["error"]["code"] == code, response.text


LIMITS = [
    ("authentication_copy_code", ["components", 0, "text"], "My code {{1}}", "components[0].text"),
    (
        "authentication_copy_code",
        ["components", 1, "code_expiration_minutes"],
        91,
        "components[1].code_expiration_minutes",
    ),
    (
        "authentication_one_tap",
        ["components", 2, "buttons", 0, "supported_apps"],
        [],
        "components[2].buttons[0].supported_apps",
    ),
    (
        "authentication_zero_tap",
        ["components", 2, "buttons", 0, "zero_tap_terms_accepted"],
        False,
        "components[2].buttons[0].zero_tap_terms_accepted",
    ),
    (
        "coupon",
        ["components", 1, "buttons", 0, "example"],
        "X" * 16,
        "components[1].buttons[0].example",
    ),
    (
        "limited_time_offer",
        ["components", 1, "limited_time_offer", "text"],
        "X" * 17,
        "components[1].limited_time_offer.text",
    ),
    ("media_carousel", ["components", 1, "cards"], [], "components[1].cards"),
    (
        "media_carousel",
        ["components", 1, "cards", 1, "components", 0, "format"],
        "VIDEO",
        "components[1].cards[1].components",
    ),
    (
        "product_carousel",
        ["components", 1, "cards", 0, "components", 1, "buttons", 0],
        {"type": "QUICK_REPLY", "text": "x"},
        "components[1].cards[0].components[1].buttons[0].type",
    ),
    (
        "catalog",
        ["components", 2, "buttons", 0, "type"],
        "CATALOGUE",
        "components[2].buttons[0].type",
    ),
    (
        "multi_product",
        ["components", 0],
        {"type": "HEADER", "format": "IMAGE"},
        "components[0].format",
    ),
    (
        "single_product",
        ["components", 0],
        {"type": "HEADER", "format": "TEXT", "text": "x"},
        "components[0].format",
    ),
    (
        "flow",
        ["components", 1, "buttons", 0, "flow_action"],
        "jump",
        "components[1].buttons[0].flow_action",
    ),
    ("named", ["parameter_format"], "NUMBERED", "parameter_format"),
    ("named", ["components", 1, "text"], "Hi {{1}}", "components[1].text"),
    ("positional", ["components", 0, "text"], "Hi {{first_name}}", "components[0].text"),
]


def _limit(kind: str, path: list[Any], value: Any) -> dict[str, Any]:
    return types.changed(types.ALL_TYPES[kind], path, value)


async def test_each_limit_is_refused_naming_the_field_on_both_apis(
    http: Client, partner: PartnerCreds
) -> None:
    waba_id, key = await _setup(http, partner)
    for kind, path, value, field in LIMITS:
        body = _limit(kind, path, value)
        partner_api = await http.post(url(partner, waba_id), headers=partner.headers, json=body)
        assert_error(partner_api, 400, field)
        cloud = await http.post("/v1/configs/templates", headers=key, json=body)
        assert cloud.status_code == 400, (kind, cloud.text)
        error = cloud.json()["error"]
        assert error["code"] == 100 and error["type"] == "OAuthException", error
        assert field in error["error_data"]["details"], (kind, error)
    # Nothing refused was stored.
    listed = await http.get("/v1/configs/templates", headers=key)
    assert listed.json()["waba_templates"] == []


async def test_an_approved_authentication_template_can_be_edited_back_unchanged(
    http: Client, partner: PartnerCreds, state: AppState
) -> None:
    """The stored fixed text is accepted back (an edit resends the stored components)."""
    waba_id, _ = await _setup(http, partner)
    created = await http.post(
        url(partner, waba_id), headers=partner.headers, json=types.authentication("otp_edit")
    )
    template = created.json()
    await advance(http, state.settings.template_review_delay + 1)
    components = template["components"]
    components[1] = {"type": "FOOTER", "code_expiration_minutes": 5}
    edited = await http.patch(
        f"{url(partner, waba_id)}/{template['id']}",
        headers=partner.headers,
        json={"components": components},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["components"][1]["text"] == "This code expires in 5 minutes."
    assert edited.json()["components"][0]["text"] == template["components"][0]["text"]


async def test_openapi_examples_of_every_type_are_accepted(
    http: Client, partner: PartnerCreds
) -> None:
    waba_id, key = await _setup(http, partner)
    document = (await http.get("/openapi.json")).json()
    partner_path = "/api/v2/partners/{partner_id}/waba_accounts/{waba_account_id}/waba_templates"
    found = {}
    for path, prefix in ((partner_path, "p"), ("/v1/configs/templates", "m")):
        media = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        found[prefix] = {name: example["value"] for name, example in media["examples"].items()}
    assert found["p"] == found["m"]
    assert {"authentication_copy_code", "limited_time_offer", "named_parameters"} <= set(found["p"])
    for name, example in found["p"].items():
        response = await http.post(
            url(partner, waba_id), headers=partner.headers, json=_renamed(example, "p")
        )
        assert response.status_code == 200, (name, response.text)
        cloud = await http.post("/v1/configs/templates", headers=key, json=_renamed(example, "m"))
        assert cloud.status_code == 201, (name, cloud.text)


async def test_a_seeded_world_takes_every_type_named_ones_too(http: Client) -> None:
    """``/_emulator/seed`` checks templates with the same rules; a named template's format is
    read from its texts (a world export keeps no ``parameter_format``)."""
    world = fixture()
    world["waba_templates"] = [
        {**body, "id": f"t{i}TP", "waba_account_id": "pizzaWA"}
        for i, body in enumerate(copy.deepcopy(list(types.ALL_TYPES.values())))
    ]
    for template in world["waba_templates"]:
        template.pop("parameter_format", None)
    response = await seed(http, world)
    assert response.status_code == 200, response.text
    assert response.json()["seeded"]["waba_templates"] == len(types.ALL_TYPES)
    exported = (await http.get("/_emulator/state", headers=EMULATOR)).json()
    named = next(t for t in exported["waba_templates"] if t["name"] == "order_named")
    assert named["components"][1]["text"] == "Hi {{first_name}}, your order ships {{ship_date}}."
