"""OpenAPI request examples for every template type (issue 17 item 8): the creation bodies of
both template APIs (docs/fidelity.md "Template types" for the shapes' sources)."""

from __future__ import annotations

from typing import Any

CREATE: dict[str, Any] = {
    "authentication_copy_code": {
        "name": "login_code",
        "category": "AUTHENTICATION",
        "language": "en_US",
        "components": [
            {"type": "BODY", "add_security_recommendation": True},
            {"type": "FOOTER", "code_expiration_minutes": 10},
            {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE"}]},
        ],
    },
    "authentication_one_tap": {
        "name": "login_autofill",
        "category": "AUTHENTICATION",
        "language": "en_US",
        "components": [
            {"type": "BODY", "add_security_recommendation": True},
            {
                "type": "BUTTONS",
                "buttons": [
                    {
                        "type": "OTP",
                        "otp_type": "ONE_TAP",
                        "supported_apps": [
                            {"package_name": "com.example.app", "signature_hash": "K8a/AINcGX7"}
                        ],
                    }
                ],
            },
        ],
    },
    "coupon_code": {
        "name": "coupon_offer",
        "category": "MARKETING",
        "language": "en_US",
        "components": [
            {"type": "BODY", "text": "Use code {{1}}", "example": {"body_text": [["SAVE25"]]}},
            {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "SAVE25"}]},
        ],
    },
    "limited_time_offer": {
        "name": "flash_sale",
        "category": "MARKETING",
        "language": "en_US",
        "components": [
            {
                "type": "LIMITED_TIME_OFFER",
                "limited_time_offer": {"text": "Expiring offer!", "has_expiration": True},
            },
            {"type": "BODY", "text": "Use code {{1}}", "example": {"body_text": [["CARIBE25"]]}},
            {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "CARIBE25"}]},
        ],
    },
    "media_card_carousel": {
        "name": "summer_carousel",
        "category": "MARKETING",
        "language": "en_US",
        "components": [
            {"type": "BODY", "text": "Summer picks"},
            {
                "type": "CAROUSEL",
                "cards": [
                    {
                        "components": [
                            {"type": "HEADER", "format": "IMAGE"},
                            {"type": "BODY", "text": f"Card {n}"},
                            {
                                "type": "BUTTONS",
                                "buttons": [{"type": "QUICK_REPLY", "text": "More"}],
                            },
                        ]
                    }
                    for n in (1, 2)
                ],
            },
        ],
    },
    "product_card_carousel": {
        "name": "product_carousel",
        "category": "MARKETING",
        "language": "en_US",
        "components": [
            {"type": "BODY", "text": "Our picks for you"},
            {
                "type": "CAROUSEL",
                "cards": [
                    {
                        "components": [
                            {"type": "HEADER", "format": "PRODUCT"},
                            {"type": "BUTTONS", "buttons": [{"type": "SPM", "text": "View"}]},
                        ]
                    }
                ]
                * 2,
            },
        ],
    },
    "catalog": {
        "name": "shop_catalog",
        "category": "MARKETING",
        "language": "en_US",
        "components": [
            {"type": "BODY", "text": "Browse our catalog"},
            {"type": "BUTTONS", "buttons": [{"type": "CATALOG", "text": "View catalog"}]},
        ],
    },
    "multi_product": {
        "name": "multi_product",
        "category": "MARKETING",
        "language": "en_US",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Our best sellers"},
            {"type": "BODY", "text": "Pick your favourites"},
            {"type": "BUTTONS", "buttons": [{"type": "MPM", "text": "View items"}]},
        ],
    },
    "single_product": {
        "name": "single_product",
        "category": "MARKETING",
        "language": "en_US",
        "components": [
            {"type": "HEADER", "format": "PRODUCT"},
            {"type": "BODY", "text": "Back in stock"},
            {"type": "BUTTONS", "buttons": [{"type": "SPM", "text": "View"}]},
        ],
    },
    "flow_button": {
        "name": "signup_flow",
        "category": "UTILITY",
        "language": "en_US",
        "components": [
            {"type": "BODY", "text": "Sign up in two taps"},
            {
                "type": "BUTTONS",
                "buttons": [
                    {
                        "type": "FLOW",
                        "text": "Sign up",
                        "flow_id": "1234567890",
                        "flow_action": "navigate",
                        "navigate_screen": "WELCOME",
                    }
                ],
            },
        ],
    },
    "named_parameters": {
        "name": "order_named",
        "category": "UTILITY",
        "language": "en_US",
        "parameter_format": "NAMED",
        "components": [
            {
                "type": "BODY",
                "text": "Hi {{first_name}}, your order ships {{ship_date}}.",
                "example": {
                    "body_text_named_params": [
                        {"param_name": "first_name", "example": "Ana"},
                        {"param_name": "ship_date", "example": "Monday"},
                    ]
                },
            }
        ],
    },
}
