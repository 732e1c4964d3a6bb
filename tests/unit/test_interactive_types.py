"""Every interactive type of issue 17 and Meta's limits for it: one valid message of each type
passes; each limit is refused with the field named and Meta's code (no database)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.messaging.validation import parse_outgoing
from tests.helpers.interactive import (
    button_card,
    cta_card,
    interactive_of_each_type,
    interactive_send,
    product_card,
)
from tests.helpers.mutation import mutate

TO = "491512345678"
EACH = interactive_of_each_type()


@pytest.mark.parametrize("kind", sorted(EACH))
def test_a_valid_message_of_each_type_passes(kind: str) -> None:
    outgoing = parse_outgoing(interactive_send(TO, EACH[kind]))
    assert outgoing.type == "interactive"
    assert outgoing.body["interactive"]["type"] == kind


def test_product_sends_name_their_products_for_the_catalog_check() -> None:
    product = parse_outgoing(interactive_send(TO, EACH["product"])).products
    assert product is not None
    assert product.catalog_id == "1234567890"
    assert product.products == (("interactive.action.product_retailer_id", "sku-1"),)
    catalog = parse_outgoing(interactive_send(TO, EACH["catalog_message"])).products
    assert catalog is not None and catalog.catalog_id is None
    assert parse_outgoing(interactive_send(TO, EACH["flow"])).products is None


def _with(kind: str, change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    body = interactive_of_each_type()[kind]
    change(body)
    return body


def _set(kind: str, path: str, value: object) -> dict[str, Any]:
    def change(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = body
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return _with(kind, change)


def _drop(kind: str, path: str) -> dict[str, Any]:
    def change(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = body
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        del node[last]

    return _with(kind, change)


def _items(n: int, sections: int = 1) -> list[dict[str, Any]]:
    per = n // sections
    return [
        {
            "title": f"S{s}",
            "product_items": [{"product_retailer_id": f"p{s}-{i}"} for i in range(per)],
        }
        for s in range(sections)
    ]


REFUSED: list[tuple[str, dict[str, Any], int, str]] = [
    # button / list / cta_url limits (the existing types, through the same table)
    (
        "button: title 21",
        _set("button", "action.buttons.0.reply.title", "t" * 21),
        131009,
        "interactive.action.buttons[0].reply.title",
    ),
    (
        "button: four buttons",
        _set(
            "button",
            "action.buttons",
            [{"type": "reply", "reply": {"id": str(i), "title": str(i)}} for i in range(4)],
        ),
        131009,
        "interactive.action.buttons",
    ),
    (
        "button: id 257",
        _set("button", "action.buttons.0.reply.id", "i" * 257),
        131009,
        "interactive.action.buttons[0].reply.id",
    ),
    (
        "list: button text 21",
        _set("list", "action.button", "b" * 21),
        131009,
        "interactive.action.button",
    ),
    (
        "list: row description 73",
        _set("list", "action.sections.0.rows.0.description", "d" * 73),
        131009,
        "interactive.action.sections[0].rows[0].description",
    ),
    (
        "cta_url: display text 21",
        _set("cta_url", "action.parameters.display_text", "x" * 21),
        131009,
        "interactive.action.parameters.display_text",
    ),
    ("footer 61", _set("cta_url", "footer", {"text": "f" * 61}), 131009, "interactive.footer.text"),
    (
        "header text 61",
        _set("cta_url", "header", {"type": "text", "text": "h" * 61}),
        131009,
        "interactive.header.text",
    ),
    # product
    (
        "product: header",
        _set("product", "header", {"type": "text", "text": "h"}),
        131009,
        "interactive.header",
    ),
    (
        "product: no catalog id",
        _drop("product", "action.catalog_id"),
        131008,
        "interactive.action.catalog_id",
    ),
    (
        "product: no retailer id",
        _drop("product", "action.product_retailer_id"),
        131008,
        "interactive.action.product_retailer_id",
    ),
    (
        "product: body 1025",
        _set("product", "body", {"text": "b" * 1025}),
        131009,
        "interactive.body.text",
    ),
    # product_list
    ("product_list: no header", _drop("product_list", "header"), 131008, "interactive.header"),
    (
        "product_list: image header",
        _set("product_list", "header", {"type": "image"}),
        100,
        "interactive.header.type",
    ),
    ("product_list: no body", _drop("product_list", "body"), 131008, "interactive.body"),
    (
        "product_list: 31 products",
        _set("product_list", "action.sections", _items(31)),
        131009,
        "interactive.action.sections[0].product_items",
    ),
    (
        "product_list: 32 in two sections",
        _set("product_list", "action.sections", _items(32, 2)),
        131009,
        "interactive.action.sections",
    ),
    (
        "product_list: 11 sections",
        _set("product_list", "action.sections", _items(11, 11)),
        131009,
        "interactive.action.sections",
    ),
    (
        "product_list: untitled of two",
        _set(
            "product_list",
            "action.sections",
            [
                {"product_items": [{"product_retailer_id": "a"}]},
                {"title": "B", "product_items": [{"product_retailer_id": "b"}]},
            ],
        ),
        131008,
        "interactive.action.sections[0].title",
    ),
    (
        "product_list: empty section",
        _set("product_list", "action.sections.0.product_items", []),
        131009,
        "interactive.action.sections[0].product_items",
    ),
    # catalog_message
    (
        "catalog: header",
        _set("catalog_message", "header", {"type": "text", "text": "h"}),
        131009,
        "interactive.header",
    ),
    (
        "catalog: wrong action name",
        _set("catalog_message", "action.name", "catalog"),
        100,
        "interactive.action.name",
    ),
    ("catalog: no body", _drop("catalog_message", "body"), 131008, "interactive.body"),
    # flow
    (
        "flow: version 2",
        _set("flow", "action.parameters.flow_message_version", "2"),
        100,
        "interactive.action.parameters.flow_message_version",
    ),
    (
        "flow: cta 21",
        _set("flow", "action.parameters.flow_cta", "c" * 21),
        131009,
        "interactive.action.parameters.flow_cta",
    ),
    (
        "flow: cta with an emoji",
        _set("flow", "action.parameters.flow_cta", "Book 📅"),
        131009,
        "interactive.action.parameters.flow_cta",
    ),
    (
        "flow: no cta",
        _drop("flow", "action.parameters.flow_cta"),
        131008,
        "interactive.action.parameters.flow_cta",
    ),
    (
        "flow: id and name",
        _set("flow", "action.parameters.flow_name", "welcome"),
        131009,
        "interactive.action.parameters.flow_name",
    ),
    (
        "flow: neither id nor name",
        _drop("flow", "action.parameters.flow_id"),
        131008,
        "interactive.action.parameters.flow_id",
    ),
    (
        "flow: bad action",
        _set("flow", "action.parameters.flow_action", "jump"),
        100,
        "interactive.action.parameters.flow_action",
    ),
    (
        "flow: navigate without payload",
        _drop("flow", "action.parameters.flow_action_payload"),
        131008,
        "interactive.action.parameters.flow_action_payload",
    ),
    (
        "flow: data_exchange with payload",
        _set("flow", "action.parameters.flow_action", "data_exchange"),
        131009,
        "interactive.action.parameters.flow_action_payload",
    ),
    (
        "flow: empty data",
        _set("flow", "action.parameters.flow_action_payload.data", {}),
        131009,
        "interactive.action.parameters.flow_action_payload.data",
    ),
    (
        "flow: wrong action name",
        _set("flow", "action.name", "flows"),
        100,
        "interactive.action.name",
    ),
    # location request / address
    (
        "location request: no body",
        _drop("location_request_message", "body"),
        131008,
        "interactive.body",
    ),
    (
        "location request: footer",
        _set("location_request_message", "footer", {"text": "f"}),
        131009,
        "interactive.footer",
    ),
    (
        "address: country US",
        _set("address_message", "action.parameters.country", "US"),
        100,
        "interactive.action.parameters.country",
    ),
    (
        "address: no country",
        _drop("address_message", "action.parameters.country"),
        131008,
        "interactive.action.parameters.country",
    ),
    ("address: no body", _drop("address_message", "body"), 131008, "interactive.body"),
    # carousel
    (
        "carousel: one card",
        _set("carousel", "action.cards", [cta_card(0)]),
        131009,
        "interactive.action.cards",
    ),
    (
        "carousel: eleven cards",
        _set("carousel", "action.cards", [cta_card(i % 10) for i in range(11)]),
        131009,
        "interactive.action.cards",
    ),
    (
        "carousel: card index 10",
        _set("carousel", "action.cards.1.card_index", 10),
        131009,
        "interactive.action.cards[1].card_index",
    ),
    (
        "carousel: repeated index",
        _set("carousel", "action.cards.1.card_index", 0),
        131009,
        "interactive.action.cards[1].card_index",
    ),
    (
        "carousel: header",
        _set("carousel", "header", {"type": "text", "text": "h"}),
        131009,
        "interactive.header",
    ),
    ("carousel: footer", _set("carousel", "footer", {"text": "f"}), 131009, "interactive.footer"),
    ("carousel: no body", _drop("carousel", "body"), 131008, "interactive.body"),
    (
        "carousel: text card header",
        _set("carousel", "action.cards.0.header", {"type": "text", "text": "t"}),
        100,
        "interactive.action.cards[0].header.type",
    ),
    (
        "carousel: card without header",
        _drop("carousel", "action.cards.0.header"),
        131008,
        "interactive.action.cards[0].header",
    ),
    (
        "carousel: card body 161",
        _set("carousel", "action.cards.0.body", {"text": "b" * 161}),
        131009,
        "interactive.action.cards[0].body.text",
    ),
    (
        "carousel: card body of four lines",
        _set("carousel", "action.cards.0.body", {"text": "a\nb\nc\nd"}),
        131009,
        "interactive.action.cards[0].body.text",
    ),
    (
        "carousel: mixed card types",
        _set("carousel", "action.cards", [cta_card(0), button_card(1)]),
        131009,
        "interactive.action.cards[1].type",
    ),
    (
        "carousel: different reply counts",
        _set("carousel", "action.cards", [button_card(0, 2), button_card(1, 1)]),
        131009,
        "interactive.action.cards[1].action.buttons",
    ),
    (
        "carousel: three quick replies",
        _set("carousel", "action.cards", [button_card(0, 3), button_card(1, 3)]),
        131009,
        "interactive.action.cards[0].action.buttons",
    ),
    (
        "carousel: products of two catalogs",
        _set("carousel", "action.cards", [product_card(0, "1", "a"), product_card(1, "2", "b")]),
        131009,
        "interactive.action.cards[1].action.catalog_id",
    ),
    (
        "carousel: card url not http",
        _set("carousel", "action.cards.0.action.parameters.url", "ftp://x"),
        131009,
        "interactive.action.cards[0].action.parameters.url",
    ),
]


@pytest.mark.parametrize(
    ("interactive", "code", "field"),
    [pytest.param(body, code, field, id=name) for name, body, code, field in REFUSED],
)
def test_each_limit_is_refused_naming_the_field(
    interactive: dict[str, Any], code: int, field: str
) -> None:
    with pytest.raises(GraphError) as refused:
        parse_outgoing(interactive_send(TO, interactive))
    assert (refused.value.code, refused.value.field) == (code, field), refused.value.details
    assert refused.value.details.startswith(field)


def test_product_carousel_names_every_card_product() -> None:
    cards = [product_card(i, "77", f"sku-{i}") for i in range(3)]
    body = {"type": "carousel", "body": {"text": "Pick"}, "action": {"cards": cards}}
    products = parse_outgoing(interactive_send(TO, body)).products
    assert products is not None and products.catalog_id == "77"
    assert [sku for _, sku in products.products] == ["sku-0", "sku-1", "sku-2"]


def test_hostile_variants_of_every_type_raise_only_graph_errors() -> None:
    rng = random.Random(20261206)  # fixed: a failure must be reproducible
    seeds = [interactive_send(TO, body) for body in interactive_of_each_type().values()]
    seeds.append(
        interactive_send(
            TO,
            {
                "type": "carousel",
                "body": {"text": "b"},
                "action": {"cards": [button_card(0), button_card(1)]},
            },
        )
    )
    for _ in range(4000):
        body = rng.choice(seeds)
        for _ in range(rng.randint(1, 3)):
            body = mutate(body, rng)
        try:
            parse_outgoing(body)
        except GraphError as error:
            assert error.code in {100, 131008, 131009, 131051}
            assert error.details
