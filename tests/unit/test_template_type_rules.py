"""The creation rules of every template type (issue 17 item 8): each limit names its field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from partnerhub.domain.errors import InvalidInput, InvalidInputs
from partnerhub.domain.templates.rules import (
    NewTemplate,
    ValidTemplate,
    parameter_format_of,
    validate,
)
from tests.helpers import template_types as types


def _new(body: dict[str, Any]) -> NewTemplate:
    return NewTemplate(
        body["name"],
        body["category"],
        body["language"],
        body["components"],
        body.get("parameter_format"),
    )


def _fields(body: dict[str, Any]) -> list[str]:
    try:
        validate(_new(body))
    except InvalidInputs as many:
        return [detail.split(": ", 1)[0] for detail in many.details]
    except InvalidInput as one:
        return [one.field]
    return []


@pytest.mark.parametrize("kind", sorted(types.ALL_TYPES))
def test_every_type_is_accepted(kind: str) -> None:
    valid = validate(_new(types.ALL_TYPES[kind]))
    assert isinstance(valid, ValidTemplate)
    expected = "NAMED" if kind == "named" else "POSITIONAL"
    assert valid.parameter_format == expected
    assert parameter_format_of(valid.components) == expected


def test_authentication_stores_metas_fixed_text_and_takes_it_back() -> None:
    valid = validate(_new(types.authentication()))
    body, footer, buttons = valid.components
    assert body["text"] == (
        "*{{1}}* is your verification code. For your security, do not share this code."
    )
    assert footer["text"] == "This code expires in 10 minutes."
    assert buttons["buttons"][0]["text"] == "Copy code"
    again = validate(NewTemplate("login_code", "AUTHENTICATION", "en_US", valid.components))
    assert again.components == valid.components


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        target: Any = body
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return change


_DELETE = object()


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        # authentication
        (
            "authentication_copy_code",
            _set(["components", 0, "text"], "My code {{1}}"),
            "components[0].text",
        ),
        (
            "authentication_copy_code",
            _set(["components", 1, "code_expiration_minutes"], 91),
            "components[1].code_expiration_minutes",
        ),
        (
            "authentication_copy_code",
            _set(["components", 1, "code_expiration_minutes"], 0),
            "components[1].code_expiration_minutes",
        ),
        (
            "authentication_copy_code",
            _set(["components", 2, "buttons", 0, "otp_type"], "TWO_TAP"),
            "components[2].buttons[0].otp_type",
        ),
        (
            "authentication_one_tap",
            _set(["components", 2, "buttons", 0, "supported_apps"], []),
            "components[2].buttons[0].supported_apps",
        ),
        (
            "authentication_one_tap",
            _set(["components", 2, "buttons", 0, "supported_apps", 0, "signature_hash"], "short"),
            "components[2].buttons[0].supported_apps[0].signature_hash",
        ),
        (
            "authentication_one_tap",
            _set(["components", 2, "buttons", 0, "supported_apps", 0, "package_name"], "nodots"),
            "components[2].buttons[0].supported_apps[0].package_name",
        ),
        (
            "authentication_zero_tap",
            _set(["components", 2, "buttons", 0, "zero_tap_terms_accepted"], False),
            "components[2].buttons[0].zero_tap_terms_accepted",
        ),
        (
            "authentication_copy_code",
            _set(["components", 2], {"type": "HEADER", "format": "TEXT", "text": "x"}),
            "components[2].type",
        ),
        (
            "authentication_copy_code",
            _set(["components", 2, "buttons"], [{"type": "QUICK_REPLY", "text": "x"}]),
            "components[2].buttons[0].type",
        ),
        # coupon code
        (
            "coupon",
            _set(["components", 1, "buttons", 0, "example"], "X" * 16),
            "components[1].buttons[0].example",
        ),
        (
            "coupon",
            _set(["components", 1, "buttons", 0, "example"], _DELETE),
            "components[1].buttons[0].example",
        ),
        (
            "coupon",
            _set(["components", 1, "buttons"], [{"type": "COPY_CODE", "example": "A"}] * 2),
            "components[1].buttons",
        ),
        # limited-time offer
        (
            "limited_time_offer",
            _set(["components", 1, "limited_time_offer", "text"], "X" * 17),
            "components[1].limited_time_offer.text",
        ),
        (
            "limited_time_offer",
            _set(["components", 1, "limited_time_offer", "has_expiration"], "yes"),
            "components[1].limited_time_offer.has_expiration",
        ),
        ("limited_time_offer", _set(["category"], "UTILITY"), "components[1].type"),
        ("limited_time_offer", _set(["components", 2, "text"], "x" * 601), "components[2].text"),
        (
            "limited_time_offer",
            _set(
                ["components", 3, "buttons"],
                [{"type": "URL", "text": "Go", "url": "https://e.com"}],
            ),
            "components[1].limited_time_offer.has_expiration",
        ),
        # carousels
        ("media_carousel", _set(["components", 1, "cards"], []), "components[1].cards"),
        (
            "media_carousel",
            lambda b: b["components"][1]["cards"].__setitem__(slice(1, None), []),
            "components[1].cards",
        ),
        (
            "media_carousel",
            lambda b: b["components"][1]["cards"].extend([b["components"][1]["cards"][0]] * 8),
            "components[1].cards",
        ),
        (
            "media_carousel",
            _set(["components", 1, "cards", 1, "components", 0, "format"], "VIDEO"),
            "components[1].cards[1].components",
        ),
        (
            "media_carousel",
            _set(
                ["components", 1, "cards", 2, "components", 2, "buttons"],
                [{"type": "QUICK_REPLY", "text": "x"}],
            ),
            "components[1].cards[2].components",
        ),
        (
            "media_carousel",
            _set(["components", 1, "cards", 0, "components", 0, "format"], "TEXT"),
            "components[1].cards[0].components[0].format",
        ),
        (
            "media_carousel",
            _set(["components", 1, "cards", 0, "components", 1, "text"], "x" * 161),
            "components[1].cards[0].components[1].text",
        ),
        (
            "media_carousel",
            lambda b: b["components"].insert(0, {"type": "FOOTER", "text": "x"}),
            "components[0].type",
        ),
        (
            "product_carousel",
            _set(
                ["components", 1, "cards", 0, "components", 1, "buttons"],
                [{"type": "QUICK_REPLY", "text": "x"}],
            ),
            "components[1].cards[0].components[1].buttons[0].type",
        ),
        # catalog, multi-product, single-product
        (
            "catalog",
            lambda b: b["components"][2]["buttons"].append({"type": "QUICK_REPLY", "text": "x"}),
            "components[2].buttons",
        ),
        (
            "multi_product",
            _set(["components", 0], {"type": "HEADER", "format": "IMAGE"}),
            "components[0].format",
        ),
        (
            "single_product",
            _set(["components", 0], {"type": "HEADER", "format": "TEXT", "text": "x"}),
            "components[0].format",
        ),
        (
            "catalog",
            lambda b: b["components"].insert(0, {"type": "HEADER", "format": "PRODUCT"}),
            "components[0].type",
        ),
        ("catalog", _set(["category"], "UTILITY"), "category"),
        ("coupon", _set(["category"], "UTILITY"), "category"),
        ("single_product", _set(["category"], "UTILITY"), "category"),
        (
            "catalog",
            lambda b: b["components"].insert(0, {"type": "HEADER", "format": "IMAGE"}),
            "components[0].type",
        ),
        # flow buttons
        (
            "flow",
            _set(["components", 1, "buttons", 0, "flow_name"], "signup"),
            "components[1].buttons[0].flow_id",
        ),
        (
            "flow",
            _set(["components", 1, "buttons", 0, "flow_action"], "jump"),
            "components[1].buttons[0].flow_action",
        ),
        (
            "flow",
            lambda b: b["components"][1]["buttons"][0].update(flow_id=None, flow_json="[1]"),
            "components[1].buttons[0].flow_json",
        ),
        (
            "flow",
            _set(["components", 1, "buttons", 0, "flow_action"], "data_exchange"),
            "components[1].buttons[0].navigate_screen",
        ),
        # named and positional parameters
        ("named", _set(["parameter_format"], "NUMBERED"), "parameter_format"),
        ("named", _set(["components", 1, "text"], "Hi {{1}}"), "components[1].text"),
        ("named", _set(["components", 1, "text"], "Hi {{First Name}}"), "components[1].text"),
        (
            "named",
            _set(["components", 1, "example", "body_text_named_params", 1, "param_name"], "other"),
            "components[1].example.body_text_named_params",
        ),
        (
            "named",
            _set(["components", 1, "example"], {"body_text": [["Ana", "Monday"]]}),
            "components[1].example.body_text_named_params",
        ),
        ("positional", _set(["components", 0, "text"], "Hi {{first_name}}"), "components[0].text"),
    ],
)
def test_each_limit_names_its_field(
    kind: str, change: Callable[[dict[str, Any]], None], field: str
) -> None:
    body = copy.deepcopy(types.ALL_TYPES[kind])
    change(body)
    assert field in _fields(body)
