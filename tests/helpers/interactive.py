"""Valid interactive bodies of every type (issue 17), for the unit and HTTP tests alike."""

from __future__ import annotations

import copy
from typing import Any

IMAGE = {"type": "image", "image": {"link": "https://cdn.example.com/a.png"}}


def cta_card(index: int) -> dict[str, Any]:
    return {
        "card_index": index,
        "type": "cta_url",
        "header": IMAGE,
        "body": {"text": f"Card {index}"},
        "action": {
            "name": "cta_url",
            "parameters": {"display_text": "Buy", "url": f"https://shop.example.com/{index}"},
        },
    }


def button_card(index: int, replies: int = 2) -> dict[str, Any]:
    return {
        "card_index": index,
        "type": "button",
        "header": {"type": "video", "video": {"link": "https://cdn.example.com/v.mp4"}},
        "action": {
            "buttons": [
                {"type": "quick_reply", "quick_reply": {"id": f"c{index}-{r}", "title": f"R{r}"}}
                for r in range(replies)
            ]
        },
    }


def product_card(index: int, catalog_id: str, retailer_id: str) -> dict[str, Any]:
    return {
        "card_index": index,
        "type": "product",
        "action": {"catalog_id": catalog_id, "product_retailer_id": retailer_id},
    }


def interactive_of_each_type(catalog_id: str = "1234567890", sku: str = "sku-1") -> dict[str, Any]:
    """``type -> interactive object``: one valid message of each interactive type."""
    return copy.deepcopy(
        {
            "button": {
                "type": "button",
                "body": {"text": "Pick one"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                        {"type": "reply", "reply": {"id": "no", "title": "No"}},
                    ]
                },
            },
            "list": {
                "type": "list",
                "body": {"text": "Menu"},
                "action": {
                    "button": "Open",
                    "sections": [{"title": "S", "rows": [{"id": "r1", "title": "Row"}]}],
                },
            },
            "cta_url": {
                "type": "cta_url",
                "body": {"text": "See"},
                "action": {
                    "name": "cta_url",
                    "parameters": {"display_text": "Open", "url": "https://example.com"},
                },
            },
            "location_request_message": {
                "type": "location_request_message",
                "body": {"text": "Where are you?"},
                "action": {"name": "send_location"},
            },
            "address_message": {
                "type": "address_message",
                "body": {"text": "Where should we deliver?"},
                "action": {
                    "name": "address_message",
                    "parameters": {"country": "IN", "values": {"name": "Asha"}},
                },
            },
            "product": {
                "type": "product",
                "body": {"text": "Our best seller"},
                "action": {"catalog_id": catalog_id, "product_retailer_id": sku},
            },
            "product_list": {
                "type": "product_list",
                "header": {"type": "text", "text": "Picks"},
                "body": {"text": "For you"},
                "action": {
                    "catalog_id": catalog_id,
                    "sections": [{"title": "All", "product_items": [{"product_retailer_id": sku}]}],
                },
            },
            "catalog_message": {
                "type": "catalog_message",
                "body": {"text": "Browse"},
                "action": {
                    "name": "catalog_message",
                    "parameters": {"thumbnail_product_retailer_id": sku},
                },
            },
            "flow": {
                "type": "flow",
                "body": {"text": "Book"},
                "action": {
                    "name": "flow",
                    "parameters": {
                        "flow_message_version": "3",
                        "flow_token": "tok",
                        "flow_id": "1197715005513101",
                        "flow_cta": "Book now",
                        "flow_action": "navigate",
                        "flow_action_payload": {"screen": "BOOKING", "data": {"n": 1}},
                    },
                },
            },
            "carousel": {
                "type": "carousel",
                "body": {"text": "Deals"},
                "action": {"cards": [cta_card(0), cta_card(1)]},
            },
        }
    )


def interactive_send(to: str, interactive: dict[str, Any]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "interactive",
        "interactive": interactive,
    }
