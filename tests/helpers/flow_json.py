"""Flow JSON documents for the tests: our own equivalents of the example Flows Meta documents
(sign up, appointment booking through an endpoint, survey, customer support, lead generation),
each valid, and :func:`broken` to derive a document that breaks one rule."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

Doc = dict[str, Any]


def _footer(label: str, action: Doc) -> Doc:
    return {"type": "Footer", "label": label, "on-click-action": action}


def _navigate(screen: str, payload: Doc | None = None) -> Doc:
    action: Doc = {"name": "navigate", "next": {"type": "screen", "name": screen}}
    if payload is not None:
        action["payload"] = payload
    return action


SIGN_UP: Doc = {
    "version": "7.1",
    "screens": [
        {
            "id": "SIGN_UP",
            "title": "Create an account",
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {"type": "TextHeading", "text": "Join us"},
                    {
                        "type": "TextInput",
                        "name": "first_name",
                        "label": "First name",
                        "input-type": "text",
                        "required": True,
                    },
                    {
                        "type": "TextInput",
                        "name": "email",
                        "label": "Email",
                        "input-type": "email",
                        "required": True,
                    },
                    {
                        "type": "TextInput",
                        "name": "password",
                        "label": "Password",
                        "input-type": "password",
                        "required": True,
                    },
                    {
                        "type": "OptIn",
                        "name": "terms",
                        "label": "I agree to the terms",
                        "required": True,
                        "on-click-action": {
                            "name": "navigate",
                            "next": {"type": "screen", "name": "TERMS"},
                        },
                    },
                    _footer(
                        "Continue",
                        _navigate(
                            "DONE",
                            {
                                "first_name": "${form.first_name}",
                                "email": "${form.email}",
                            },
                        ),
                    ),
                ],
            },
        },
        {
            "id": "TERMS",
            "title": "Terms",
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {"type": "TextBody", "text": "Our terms, in plain words."},
                    _footer("Back to sign up", _navigate("DONE", {"first_name": "", "email": ""})),
                ],
            },
        },
        {
            "id": "DONE",
            "title": "All set",
            "terminal": True,
            "success": True,
            "data": {
                "first_name": {"type": "string", "__example__": "Ada"},
                "email": {"type": "string", "__example__": "ada@example.com"},
            },
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {"type": "TextSubheading", "text": "${data.first_name}, check your inbox"},
                    _footer(
                        "Finish",
                        {
                            "name": "complete",
                            "payload": {
                                "first_name": "${data.first_name}",
                                "email": "${data.email}",
                            },
                        },
                    ),
                ],
            },
        },
    ],
}

APPOINTMENT_BOOKING: Doc = {
    "version": "7.0",
    "data_api_version": "3.0",
    "routing_model": {"APPOINTMENT": ["DETAILS"], "DETAILS": ["SUMMARY"], "SUMMARY": []},
    "screens": [
        {
            "id": "APPOINTMENT",
            "title": "Appointment",
            "data": {
                "department": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"id": {"type": "string"}, "title": {"type": "string"}},
                    },
                    "__example__": [{"id": "eye", "title": "Eye care"}],
                },
                "date": {"type": "array", "items": {"type": "object"}, "__example__": []},
            },
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {
                        "type": "Dropdown",
                        "name": "department",
                        "label": "Department",
                        "data-source": "${data.department}",
                        "required": True,
                        "on-select-action": {
                            "name": "data_exchange",
                            "payload": {
                                "trigger": "department_selected",
                                "department": "${form.department}",
                            },
                        },
                    },
                    {"type": "CalendarPicker", "name": "date", "label": "Date", "required": True},
                    _footer(
                        "Continue",
                        {
                            "name": "data_exchange",
                            "payload": {"department": "${form.department}", "date": "${form.date}"},
                        },
                    ),
                ],
            },
        },
        {
            "id": "DETAILS",
            "title": "Your details",
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {"type": "TextInput", "name": "name", "label": "Name", "required": True},
                    {"type": "TextArea", "name": "notes", "label": "Notes"},
                    _footer(
                        "Continue",
                        {
                            "name": "data_exchange",
                            "payload": {
                                "name": "${form.name}",
                                "notes": "${form.notes}",
                                "department": "${screen.APPOINTMENT.form.department}",
                            },
                        },
                    ),
                ],
            },
        },
        {
            "id": "SUMMARY",
            "title": "Summary",
            "terminal": True,
            "data": {"summary": {"type": "string", "__example__": "Eye care, 3 May"}},
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {"type": "TextBody", "text": "${data.summary}"},
                    _footer("Book", {"name": "data_exchange", "payload": {"confirm": True}}),
                ],
            },
        },
    ],
}

SURVEY: Doc = {
    "version": "6.0",
    "screens": [
        {
            "id": "QUESTION_ONE",
            "title": "Your stay",
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {
                        "type": "RadioButtonsGroup",
                        "name": "rating",
                        "label": "How was it?",
                        "data-source": [
                            {"id": "good", "title": "Good"},
                            {"id": "bad", "title": "Bad"},
                        ],
                        "required": True,
                    },
                    _footer("Next", _navigate("QUESTION_TWO", {"rating": "${form.rating}"})),
                ],
            },
        },
        {
            "id": "QUESTION_TWO",
            "title": "One more",
            "data": {"rating": {"type": "string", "__example__": "good"}},
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {
                        "type": "CheckboxGroup",
                        "name": "liked",
                        "label": "What did you like?",
                        "data-source": [
                            {"id": "room", "title": "Room"},
                            {"id": "food", "title": "Food"},
                        ],
                    },
                    {"type": "DatePicker", "name": "visit", "label": "When did you visit?"},
                    _footer(
                        "Send",
                        {
                            "name": "complete",
                            "payload": {
                                "rating": "${data.rating}",
                                "liked": "${form.liked}",
                                "visit": "${form.visit}",
                            },
                        },
                    ),
                ],
            },
            "terminal": True,
        },
    ],
}

CUSTOMER_SUPPORT: Doc = {
    "version": "7.2",
    "screens": [
        {
            "id": "TOPIC",
            "title": "How can we help?",
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {
                        "type": "NavigationList",
                        "name": "topics",
                        "list-items": [
                            {
                                "id": "order",
                                "main-content": {"title": "An order"},
                                "on-click-action": _navigate("DESCRIBE", {"topic": "order"}),
                            },
                            {
                                "id": "account",
                                "main-content": {"title": "My account"},
                                "on-click-action": _navigate("DESCRIBE", {"topic": "account"}),
                            },
                        ],
                    },
                ],
            },
        },
        {
            "id": "DESCRIBE",
            "title": "Tell us more",
            "terminal": True,
            "data": {"topic": {"type": "string", "__example__": "order"}},
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {
                        "type": "If",
                        "condition": "${data.topic} == 'order'",
                        "then": [
                            {"type": "TextInput", "name": "order_id", "label": "Order number"},
                        ],
                        "else": [
                            {"type": "TextCaption", "text": "We will look your account up."},
                        ],
                    },
                    {"type": "TextArea", "name": "message", "label": "Message", "required": True},
                    {
                        "type": "PhotoPicker",
                        "name": "photos",
                        "label": "Photos",
                        "max-uploaded-photos": 3,
                    },
                    {
                        "type": "ChipsSelector",
                        "name": "urgency",
                        "label": "Urgency",
                        "data-source": [
                            {"id": "low", "title": "Low"},
                            {"id": "high", "title": "High"},
                        ],
                    },
                    _footer(
                        "Send",
                        {
                            "name": "complete",
                            "payload": {"topic": "${data.topic}", "message": "${form.message}"},
                        },
                    ),
                ],
            },
        },
    ],
}

LEAD_GENERATION: Doc = {
    "version": "6.3",
    "screens": [
        {
            "id": "CONTACT",
            "title": "Get a quote",
            "terminal": True,
            "success": True,
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {"type": "Image", "src": "iVBORw0KGgo=", "width": 100, "height": 100},
                    {"type": "RichText", "text": ["# Quotes", "Tell us **what** you need."]},
                    {"type": "TextInput", "name": "phone", "label": "Phone", "input-type": "phone"},
                    {"type": "DocumentPicker", "name": "brief", "label": "Your brief"},
                    {
                        "type": "OptIn",
                        "name": "marketing",
                        "label": "Send me offers",
                        "on-click-action": {
                            "name": "open_url",
                            "url": "https://example.com/privacy",
                        },
                    },
                    {
                        "type": "EmbeddedLink",
                        "text": "Privacy policy",
                        "on-click-action": {
                            "name": "open_url",
                            "url": "https://example.com/privacy",
                        },
                    },
                    _footer(
                        "Request",
                        {
                            "name": "complete",
                            "payload": {"phone": "${form.phone}", "marketing": "${form.marketing}"},
                        },
                    ),
                ],
            },
        },
    ],
}

EXAMPLES: dict[str, Doc] = {
    "sign_up": SIGN_UP,
    "appointment_booking": APPOINTMENT_BOOKING,
    "survey": SURVEY,
    "customer_support": CUSTOMER_SUPPORT,
    "lead_generation": LEAD_GENERATION,
}


def text(doc: Doc) -> str:
    """The document as a partner's editor would save it (indented)."""
    return json.dumps(doc, indent=2)


def broken(base: Doc, change: Callable[[Doc], object]) -> Doc:
    """A deep copy of ``base`` with ``change`` applied to it."""
    doc = copy.deepcopy(base)
    change(doc)
    return doc
