"""One creation body per template type (issue 17 item 8), shared by the unit and HTTP tests."""

from __future__ import annotations

import copy
from typing import Any

APP = {"package_name": "com.example.app", "signature_hash": "K8a/AINcGX7"}


def _template(
    name: str, category: str, components: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "category": category,
        "language": "en_US",
        "components": components,
        **extra,
    }


def authentication(name: str = "login_code", otp_type: str = "COPY_CODE") -> dict[str, Any]:
    button: dict[str, Any] = {"type": "OTP", "otp_type": otp_type}
    if otp_type != "COPY_CODE":
        button["supported_apps"] = [APP]
    if otp_type == "ZERO_TAP":
        button["zero_tap_terms_accepted"] = True
    return _template(
        name,
        "AUTHENTICATION",
        [
            {"type": "BODY", "add_security_recommendation": True},
            {"type": "FOOTER", "code_expiration_minutes": 10},
            {"type": "BUTTONS", "buttons": [button]},
        ],
    )


def coupon(name: str = "coupon_offer") -> dict[str, Any]:
    return _template(
        name,
        "MARKETING",
        [
            {
                "type": "BODY",
                "text": "Use code {{1}} for 25% off",
                "example": {"body_text": [["SAVE25"]]},
            },
            {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "SAVE25"}]},
        ],
    )


def limited_time_offer(name: str = "flash_sale") -> dict[str, Any]:
    return _template(
        name,
        "MARKETING",
        [
            {"type": "HEADER", "format": "IMAGE"},
            {
                "type": "LIMITED_TIME_OFFER",
                "limited_time_offer": {"text": "Expiring offer!", "has_expiration": True},
            },
            {
                "type": "BODY",
                "text": "Good news, {{1}}! Use code {{2}}",
                "example": {"body_text": [["Pablo", "CARIBE25"]]},
            },
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "COPY_CODE", "example": "CARIBE25"},
                    {
                        "type": "URL",
                        "text": "Book now!",
                        "url": "https://example.com/offer?code={{1}}",
                        "example": ["https://example.com/offer?code=CARIBE25"],
                    },
                ],
            },
        ],
    )


def _media_card(i: int) -> dict[str, Any]:
    return {
        "components": [
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW..."]}},
            {
                "type": "BODY",
                "text": f"Card {i}: {{{{1}}}} off",
                "example": {"body_text": [["15%"]]},
            },
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "QUICK_REPLY", "text": "Send more"},
                    {
                        "type": "URL",
                        "text": "Buy now",
                        "url": "https://example.com/p/{{1}}",
                        "example": ["https://example.com/p/1"],
                    },
                ],
            },
        ]
    }


def media_carousel(name: str = "summer_carousel", cards: int = 3) -> dict[str, Any]:
    return _template(
        name,
        "MARKETING",
        [
            {
                "type": "BODY",
                "text": "Summer is here, {{1}}!",
                "example": {"body_text": [["Pablo"]]},
            },
            {"type": "CAROUSEL", "cards": [_media_card(i) for i in range(cards)]},
        ],
    )


def product_carousel(name: str = "product_carousel", cards: int = 2) -> dict[str, Any]:
    card = {
        "components": [
            {"type": "HEADER", "format": "PRODUCT"},
            {"type": "BUTTONS", "buttons": [{"type": "SPM", "text": "View"}]},
        ]
    }
    return _template(
        name,
        "MARKETING",
        [
            {"type": "BODY", "text": "Our picks for you"},
            {"type": "CAROUSEL", "cards": [card] * cards},
        ],
    )


def catalog(name: str = "shop_catalog") -> dict[str, Any]:
    return _template(
        name,
        "MARKETING",
        [
            {"type": "BODY", "text": "Browse our catalog"},
            {"type": "FOOTER", "text": "Best prices"},
            {"type": "BUTTONS", "buttons": [{"type": "CATALOG", "text": "View catalog"}]},
        ],
    )


def multi_product(name: str = "multi_product") -> dict[str, Any]:
    return _template(
        name,
        "MARKETING",
        [
            {
                "type": "HEADER",
                "format": "TEXT",
                "text": "Deals for {{1}}",
                "example": {"header_text": ["Pablo"]},
            },
            {"type": "BODY", "text": "Pick your favourites"},
            {"type": "BUTTONS", "buttons": [{"type": "MPM", "text": "View items"}]},
        ],
    )


def single_product(name: str = "single_product") -> dict[str, Any]:
    return _template(
        name,
        "MARKETING",
        [
            {"type": "HEADER", "format": "PRODUCT"},
            {"type": "BODY", "text": "Back in stock"},
            {"type": "BUTTONS", "buttons": [{"type": "SPM", "text": "View"}]},
        ],
    )


def flow(name: str = "signup_flow") -> dict[str, Any]:
    return _template(
        name,
        "UTILITY",
        [
            {"type": "BODY", "text": "Sign up in two taps"},
            {
                "type": "BUTTONS",
                "buttons": [
                    {
                        "type": "FLOW",
                        "text": "Sign up",
                        "flow_id": "1234567890",
                        "flow_action": "NAVIGATE",
                        "navigate_screen": "WELCOME",
                    }
                ],
            },
        ],
    )


def named(name: str = "order_named") -> dict[str, Any]:
    return _template(
        name,
        "UTILITY",
        [
            {
                "type": "HEADER",
                "format": "TEXT",
                "text": "Order {{order_id}}",
                "example": {
                    "header_text_named_params": [{"param_name": "order_id", "example": "A1"}]
                },
            },
            {
                "type": "BODY",
                "text": "Hi {{first_name}}, your order ships {{ship_date}}.",
                "example": {
                    "body_text_named_params": [
                        {"param_name": "first_name", "example": "Ana"},
                        {"param_name": "ship_date", "example": "Monday"},
                    ]
                },
            },
        ],
        parameter_format="NAMED",
    )


def positional(name: str = "order_positional") -> dict[str, Any]:
    return _template(
        name,
        "UTILITY",
        [
            {
                "type": "BODY",
                "text": "Hi {{1}}, your order ships {{2}}.",
                "example": {"body_text": [["Ana", "Monday"]]},
            },
        ],
        parameter_format="POSITIONAL",
    )


ALL_TYPES = {
    "authentication_copy_code": authentication("auth_copy", "COPY_CODE"),
    "authentication_one_tap": authentication("auth_one_tap", "ONE_TAP"),
    "authentication_zero_tap": authentication("auth_zero_tap", "ZERO_TAP"),
    "coupon": coupon(),
    "limited_time_offer": limited_time_offer(),
    "media_carousel": media_carousel(),
    "product_carousel": product_carousel(),
    "catalog": catalog(),
    "multi_product": multi_product(),
    "single_product": single_product(),
    "flow": flow(),
    "named": named(),
    "positional": positional(),
}


DROP = object()  # as a value for :func:`changed`: delete the key


def changed(body: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    """A deep copy of ``body`` with the value at ``path`` replaced (or dropped: :data:`DROP`)."""
    result = copy.deepcopy(body)
    target: Any = result
    for key in path[:-1]:
        target = target[key]
    if value is DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return result
