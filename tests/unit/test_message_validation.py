"""Cloud API send bodies: each message type accepted when valid, refused with Meta's code and the
field's JSON path when not; template sends checked against the stored template; hostile input
never raises anything but GraphError."""

from __future__ import annotations

import contextlib
import copy
import random
from typing import Any

import pytest

from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.messaging.validation import (
    OutgoingMessage,
    TemplateRef,
    check_template,
    parse_outgoing,
    template_variables,
)
from partnerhub.server.errors.graph import status_of as graph_status
from tests.helpers.mutation import JUNK, mutate

TO = "+49 151-2345 6789"
WA_ID = "4915123456789"


def send(message_type: str | None, content: Any, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"messaging_product": "whatsapp", "to": TO, **extra}
    if message_type is not None:
        body["type"] = message_type
        body[message_type] = content
    return body


def reply(id_: str, title: str) -> dict[str, Any]:
    return {"type": "reply", "reply": {"id": id_, "title": title}}


def buttons(*pairs: tuple[str, str], **parts: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "body": {"text": "Pick one"},
        "action": {"buttons": [reply(i, t) for i, t in pairs]},
        **parts,
    }


def rows(*ids: str) -> list[dict[str, Any]]:
    return [{"id": i, "title": f"Row {i}"} for i in ids]


def listing(*sections: dict[str, Any], **parts: Any) -> dict[str, Any]:
    return {
        "type": "list",
        "body": {"text": "Menu"},
        "action": {"button": "Open", "sections": list(sections)},
        **parts,
    }


def template(*components: dict[str, Any], **parts: Any) -> dict[str, Any]:
    value: dict[str, Any] = {"name": "order_update", "language": {"code": "en_US"}, **parts}
    if components:
        value["components"] = list(components)
    return value


def body_params(*texts: str) -> dict[str, Any]:
    return {"type": "body", "parameters": [{"type": "text", "text": t} for t in texts]}


VALID: dict[str, dict[str, Any]] = {
    "text": send("text", {"body": "Hello", "preview_url": True}),
    "text by default": {"messaging_product": "whatsapp", "to": TO, "text": {"body": "Hi"}},
    "reply to a message": send(
        "text",
        {"body": "Hi"},
        context={"message_id": "wamid.abc"},
        recipient_type="individual",
        biz_opaque_callback_data="x" * 512,
    ),
    "template": send(
        "template",
        template(
            {
                "type": "header",
                "parameters": [{"type": "image", "image": {"link": "https://x.io/a.png"}}],
            },
            body_params("Ann", "42"),
            {
                "type": "button",
                "sub_type": "url",
                "index": "0",
                "parameters": [{"type": "text", "text": "track/42"}],
            },
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": 1,
                "parameters": [{"type": "payload", "payload": "STOP"}],
            },
            language={"code": "en_US", "policy": "deterministic"},
        ),
    ),
    "template, every parameter type": send(
        "template",
        template(
            {
                "type": "BODY",
                "parameters": [
                    {"type": "text", "text": "x", "parameter_name": "first"},
                    {
                        "type": "currency",
                        "currency": {"fallback_value": "$1", "code": "usd", "amount_1000": 1000},
                    },
                    {"type": "date_time", "date_time": {"fallback_value": "May 1"}},
                ],
            },
            {
                "type": "header",
                "parameters": [
                    {"type": "location", "location": {"latitude": "52.5", "longitude": 13.4}}
                ],
            },
        ),
    ),
    "template without components": send("template", template()),
    "reply buttons": send(
        "interactive",
        buttons(
            ("a", "Yes"),
            ("b", "No"),
            ("c", "x" * 20),
            header={"type": "text", "text": "h" * 60},
            footer={"text": "f" * 60},
        ),
    ),
    "reply buttons, media header": send(
        "interactive", buttons(("a", "Yes"), header={"type": "image", "image": {"id": "123"}})
    ),
    "list": send(
        "interactive",
        listing(
            {
                "title": "Mains",
                "rows": [*rows("1", "2"), {"id": "3", "title": "t" * 24, "description": "d" * 72}],
            },
            {"title": "Sides", "rows": rows("4", "5", "6", "7", "8", "9", "10")},
        ),
    ),
    "list, one untitled section": send("interactive", listing({"rows": rows("1")})),
    "cta_url": send(
        "interactive",
        {
            "type": "cta_url",
            "body": {"text": "See"},
            "action": {
                "name": "cta_url",
                "parameters": {"display_text": "Open", "url": "https://example.com/x"},
            },
        },
    ),
    "location request": send(
        "interactive",
        {
            "type": "location_request_message",
            "body": {"text": "Where are you?"},
            "action": {"name": "send_location"},
        },
    ),
    "image by link": send("image", {"link": "https://example.com/a.jpg", "caption": "c" * 1024}),
    "image by id": send("image", {"id": "1234567890"}),
    "document": send("document", {"link": "http://example.com/a.pdf", "filename": "a.pdf"}),
    "audio": send("audio", {"id": "555"}),
    "video": send("video", {"link": "https://example.com/v.mp4", "caption": ""}),
    "sticker": send("sticker", {"id": "777"}),
    "location": send(
        "location", {"latitude": -90, "longitude": 180.0, "name": "Pole", "address": "South"}
    ),
    "contacts": send(
        "contacts",
        [
            {
                "name": {"formatted_name": "Ann Lee", "first_name": "Ann"},
                "phones": [{"phone": "+1 650 555 1234", "type": "WORK", "wa_id": "16505551234"}],
                "emails": [{"email": "ann@example.com"}],
                "org": {"company": "ACME"},
                "birthday": "1990-01-31",
            }
        ],
    ),
    "reaction": send("reaction", {"message_id": "wamid.abc", "emoji": "\U0001f44d"}),
    "reaction with skin tone": send("reaction", {"message_id": "wamid.a", "emoji": "👍🏽"}),
    "reaction family (ZWJ)": send("reaction", {"message_id": "wamid.a", "emoji": "👨‍👩‍👧"}),
    "reaction flag": send("reaction", {"message_id": "wamid.a", "emoji": "🇩🇪"}),
    "reaction keycap": send("reaction", {"message_id": "wamid.a", "emoji": "1️⃣"}),
    "reaction removed": send("reaction", {"message_id": "wamid.abc", "emoji": ""}),
}


@pytest.mark.parametrize("name", list(VALID))
def test_valid_bodies_are_accepted(name: str) -> None:
    message = parse_outgoing(copy.deepcopy(VALID[name]))
    assert isinstance(message, OutgoingMessage)
    assert message.wa_id == WA_ID
    assert message.to == TO
    assert message.body["to"] == WA_ID
    assert message.body["messaging_product"] == "whatsapp"
    assert message.body[message.type] is not None
    assert message.is_free_form == (message.type != "template")
    assert (message.template is not None) == (message.type == "template")


def test_the_normalized_body_fills_defaults_and_keeps_only_known_fields() -> None:
    message = parse_outgoing(
        {"messaging_product": "whatsapp", "to": "+1 650-555-1234", "text": {"body": "Hi"}}
    )
    assert message.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16505551234",
        "type": "text",
        "text": {"body": "Hi"},
    }
    assert message.context_message_id is None and message.biz_opaque_callback_data is None


def test_context_and_callback_data_are_kept() -> None:
    message = parse_outgoing(VALID["reply to a message"])
    assert message.context_message_id == "wamid.abc"
    assert message.biz_opaque_callback_data == "x" * 512
    assert message.body["context"] == {"message_id": "wamid.abc"}


def test_template_ref_counts_parameters_per_component() -> None:
    ref = parse_outgoing(VALID["template"]).template
    assert ref is not None
    assert (ref.name, ref.language) == ("order_update", "en_US")
    assert (ref.header_params, ref.body_params, ref.button_params) == (1, 2, {0: 1, 1: 1})
    header = ref.component("header")
    assert header is not None and header.param_types == ("image",)
    url_button = ref.component("button", 0)
    assert url_button is not None
    assert (url_button.sub_type, url_button.path) == ("url", "template.components[2]")


def test_enum_names_are_case_insensitive_and_stored_lower_case() -> None:
    body = send("text", {"body": "x"}, messaging_product="WhatsApp") | {"type": "TEXT"}
    body["TEXT"] = body.pop("text")
    with pytest.raises(GraphError):  # the object key must match the type as Meta spells it
        parse_outgoing(body)
    message = parse_outgoing(send("text", {"body": "x"}, messaging_product="WHATSAPP"))
    assert message.body["messaging_product"] == "whatsapp"
    ref = parse_outgoing(VALID["template, every parameter type"]).template
    assert ref is not None and ref.body_params == 3 and ref.header_params == 1
    assert ref.component("body") is not None


# --- refusals: (body, code, the path ``details`` must start with) -------------------------

INVALID: list[tuple[str, Any, int, str]] = [
    # the envelope
    ("not an object", ["to"], 100, ""),
    ("messaging_product missing", {"to": TO, "text": {"body": "x"}}, 131008, "messaging_product"),
    (
        "messaging_product wrong",
        send("text", {"body": "x"}, messaging_product="sms"),
        100,
        "messaging_product",
    ),
    (
        "recipient_type wrong",
        send("text", {"body": "x"}, recipient_type="group"),
        100,
        "recipient_type",
    ),
    ("to missing", {"messaging_product": "whatsapp", "text": {"body": "x"}}, 131008, "to"),
    ("to a number", send("text", {"body": "x"}, to=4915123456789), 100, "to"),
    ("to with letters", send("text", {"body": "x"}, to="+49 abc"), 131009, "to"),
    ("to too short", send("text", {"body": "x"}, to="123456"), 131009, "to"),
    ("to too long", send("text", {"body": "x"}, to="1234567890123456"), 131009, "to"),
    ("to in other digits", send("text", {"body": "x"}, to="٤٩١٥١٢٣٤٥٦٧"), 131009, "to"),
    ("unknown type", send("fax", {"body": "x"}), 100, "type"),
    ("type not a string", send("text", {"body": "x"}) | {"type": 3}, 100, "type"),
    ("unknown top-level key", send("text", {"body": "x"}, priority="high"), 100, "priority"),
    ("another type's object", send("text", {"body": "x"}, image={"id": "1"}), 100, "image"),
    (
        "type object missing",
        {"messaging_product": "whatsapp", "to": TO, "type": "image"},
        131008,
        "image",
    ),
    ("context without id", send("text", {"body": "x"}, context={}), 131008, "context.message_id"),
    ("context junk key", send("text", {"body": "x"}, context={"id": "w"}), 100, "context.id"),
    (
        "callback data too long",
        send("text", {"body": "x"}, biz_opaque_callback_data="x" * 513),
        131009,
        "biz_opaque_callback_data",
    ),
    # text
    ("text body missing", send("text", {}), 131008, "text.body"),
    ("text body null", send("text", {"body": None}), 131008, "text.body"),
    ("text body empty", send("text", {"body": "  "}), 131009, "text.body"),
    ("text body too long", send("text", {"body": "x" * 4097}), 131009, "text.body"),
    ("text body a number", send("text", {"body": 5}), 100, "text.body"),
    ("text body with NUL", send("text", {"body": "a\x00b"}), 131009, "text.body"),
    ("text body lone surrogate", send("text", {"body": "a\ud800"}), 131009, "text.body"),
    (
        "preview_url not bool",
        send("text", {"body": "x", "preview_url": "yes"}),
        100,
        "text.preview_url",
    ),
    ("text unknown key", send("text", {"body": "x", "bodyy": "y"}), 100, "text.bodyy"),
    ("text not an object", send("text", "hello"), 100, "text"),
    # reply buttons
    ("buttons: none", send("interactive", buttons()), 131009, "interactive.action.buttons"),
    (
        "buttons: four",
        send("interactive", buttons(("a", "A"), ("b", "B"), ("c", "C"), ("d", "D"))),
        131009,
        "interactive.action.buttons",
    ),
    (
        "buttons: title too long",
        send("interactive", buttons(("a", "A"), ("b", "B"), ("c", "x" * 21))),
        131009,
        "interactive.action.buttons[2].reply.title",
    ),
    (
        "buttons: id too long",
        send("interactive", buttons(("a" * 257, "A"))),
        131009,
        "interactive.action.buttons[0].reply.id",
    ),
    (
        "buttons: duplicate id",
        send("interactive", buttons(("a", "A"), ("a", "B"))),
        131009,
        "interactive.action.buttons[1].reply.id",
    ),
    (
        "buttons: duplicate title",
        send("interactive", buttons(("a", "A"), ("b", "A"))),
        131009,
        "interactive.action.buttons[1].reply.title",
    ),
    (
        "buttons: title missing",
        send(
            "interactive",
            {
                "type": "button",
                "body": {"text": "x"},
                "action": {"buttons": [{"type": "reply", "reply": {"id": "a"}}]},
            },
        ),
        131008,
        "interactive.action.buttons[0].reply.title",
    ),
    (
        "buttons: type wrong",
        send(
            "interactive",
            {
                "type": "button",
                "body": {"text": "x"},
                "action": {"buttons": [{"type": "url", "reply": {"id": "a", "title": "A"}}]},
            },
        ),
        100,
        "interactive.action.buttons[0].type",
    ),
    (
        "buttons: body missing",
        send("interactive", {"type": "button", "action": {"buttons": [reply("a", "A")]}}),
        131008,
        "interactive.body",
    ),
    (
        "buttons: body too long",
        send("interactive", buttons(("a", "A")) | {"body": {"text": "x" * 1025}}),
        131009,
        "interactive.body.text",
    ),
    (
        "buttons: action missing",
        send("interactive", {"type": "button", "body": {"text": "x"}}),
        131008,
        "interactive.action",
    ),
    (
        "buttons: header too long",
        send("interactive", buttons(("a", "A"), header={"type": "text", "text": "h" * 61})),
        131009,
        "interactive.header.text",
    ),
    (
        "buttons: header type wrong",
        send("interactive", buttons(("a", "A"), header={"type": "sticker"})),
        100,
        "interactive.header.type",
    ),
    (
        "buttons: header media missing",
        send("interactive", buttons(("a", "A"), header={"type": "video"})),
        131008,
        "interactive.header.video",
    ),
    (
        "buttons: footer too long",
        send("interactive", buttons(("a", "A"), footer={"text": "f" * 61})),
        131009,
        "interactive.footer.text",
    ),
    (
        "interactive type missing",
        send("interactive", {"body": {"text": "x"}}),
        131008,
        "interactive.type",
    ),
    ("interactive type unknown", send("interactive", {"type": "poll"}), 100, "interactive.type"),
    (
        "interactive type not emulated",
        send("interactive", {"type": "voice_call"}),
        131051,
        "interactive.type",
    ),
    # list
    (
        "list: eleven rows",
        send(
            "interactive",
            listing(
                {"title": "A", "rows": rows(*"123456")}, {"title": "B", "rows": rows(*"abcde")}
            ),
        ),
        131009,
        "interactive.action.sections",
    ),
    ("list: no sections", send("interactive", listing()), 131009, "interactive.action.sections"),
    (
        "list: eleven sections",
        send("interactive", listing(*({"title": str(i), "rows": rows(str(i))} for i in range(11)))),
        131009,
        "interactive.action.sections",
    ),
    (
        "list: section title missing",
        send("interactive", listing({"title": "A", "rows": rows("1")}, {"rows": rows("2")})),
        131008,
        "interactive.action.sections[1].title",
    ),
    (
        "list: section title too long",
        send("interactive", listing({"title": "t" * 25, "rows": rows("1")})),
        131009,
        "interactive.action.sections[0].title",
    ),
    (
        "list: empty section",
        send("interactive", listing({"title": "A", "rows": []})),
        131009,
        "interactive.action.sections[0].rows",
    ),
    (
        "list: duplicate row id",
        send(
            "interactive",
            listing({"title": "A", "rows": rows("1")}, {"title": "B", "rows": rows("1")}),
        ),
        131009,
        "interactive.action.sections[1].rows[0].id",
    ),
    (
        "list: row id too long",
        send("interactive", listing({"rows": rows("i" * 201)})),
        131009,
        "interactive.action.sections[0].rows[0].id",
    ),
    (
        "list: row title too long",
        send("interactive", listing({"rows": [{"id": "1", "title": "t" * 25}]})),
        131009,
        "interactive.action.sections[0].rows[0].title",
    ),
    (
        "list: row description too long",
        send(
            "interactive", listing({"rows": [{"id": "1", "title": "t", "description": "d" * 73}]})
        ),
        131009,
        "interactive.action.sections[0].rows[0].description",
    ),
    (
        "list: button label too long",
        send(
            "interactive",
            listing({"rows": rows("1")})
            | {"action": {"button": "b" * 21, "sections": [{"rows": rows("1")}]}},
        ),
        131009,
        "interactive.action.button",
    ),
    (
        "list: button label missing",
        send("interactive", listing() | {"action": {"sections": [{"rows": rows("1")}]}}),
        131008,
        "interactive.action.button",
    ),
    (
        "list: media header",
        send(
            "interactive",
            listing({"rows": rows("1")}, header={"type": "image", "image": {"id": "1"}}),
        ),
        100,
        "interactive.header.type",
    ),
    (
        "list: body too long",
        send("interactive", listing({"rows": rows("1")}) | {"body": {"text": "x" * 4097}}),
        131009,
        "interactive.body.text",
    ),
    # cta_url, location request
    (
        "cta_url: bad url",
        send(
            "interactive",
            {
                "type": "cta_url",
                "action": {
                    "name": "cta_url",
                    "parameters": {"display_text": "Go", "url": "ftp://x"},
                },
            },
        ),
        131009,
        "interactive.action.parameters.url",
    ),
    (
        "cta_url: display text too long",
        send(
            "interactive",
            {
                "type": "cta_url",
                "action": {
                    "name": "cta_url",
                    "parameters": {"display_text": "g" * 21, "url": "https://x.io"},
                },
            },
        ),
        131009,
        "interactive.action.parameters.display_text",
    ),
    (
        "cta_url: wrong action name",
        send("interactive", {"type": "cta_url", "action": {"name": "open", "parameters": {}}}),
        100,
        "interactive.action.name",
    ),
    (
        "location request: footer",
        send(
            "interactive",
            {
                "type": "location_request_message",
                "body": {"text": "x"},
                "footer": {"text": "f"},
                "action": {"name": "send_location"},
            },
        ),
        131009,
        "interactive.footer",
    ),
    (
        "location request: body missing",
        send(
            "interactive", {"type": "location_request_message", "action": {"name": "send_location"}}
        ),
        131008,
        "interactive.body",
    ),
    # media
    ("image: neither link nor id", send("image", {"caption": "c"}), 131008, "image"),
    (
        "image: both link and id",
        send("image", {"link": "https://x.io/a.png", "id": "1"}),
        131009,
        "image",
    ),
    ("image: not http", send("image", {"link": "file:///etc/passwd"}), 131009, "image.link"),
    ("image: relative link", send("image", {"link": "/a.png"}), 131009, "image.link"),
    ("image: bad port", send("image", {"link": "https://x.io:99999/a.png"}), 131009, "image.link"),
    (
        "image: caption too long",
        send("image", {"id": "1", "caption": "c" * 1025}),
        131009,
        "image.caption",
    ),
    ("image: filename", send("image", {"id": "1", "filename": "a.png"}), 100, "image.filename"),
    ("audio: caption", send("audio", {"id": "1", "caption": "c"}), 100, "audio.caption"),
    ("sticker: caption", send("sticker", {"id": "1", "caption": "c"}), 100, "sticker.caption"),
    (
        "document: caption too long",
        send("document", {"id": "1", "caption": "c" * 1025}),
        131009,
        "document.caption",
    ),
    ("video: id a number", send("video", {"id": 12}), 100, "video.id"),
    # location
    ("location: latitude missing", send("location", {"longitude": 1}), 131008, "location.latitude"),
    (
        "location: latitude out of range",
        send("location", {"latitude": 90.5, "longitude": 1}),
        131009,
        "location.latitude",
    ),
    (
        "location: longitude out of range",
        send("location", {"latitude": 1, "longitude": -181}),
        131009,
        "location.longitude",
    ),
    (
        "location: longitude a bool",
        send("location", {"latitude": 1, "longitude": True}),
        100,
        "location.longitude",
    ),
    (
        "location: latitude NaN",
        send("location", {"latitude": float("nan"), "longitude": 1}),
        131009,
        "location.latitude",
    ),
    (
        "location: latitude words",
        send("location", {"latitude": "north", "longitude": 1}),
        100,
        "location.latitude",
    ),
    (
        "location: huge integer",
        send("location", {"latitude": 10**400, "longitude": 1}),
        131009,
        "location.latitude",
    ),
    # contacts
    ("contacts: empty", send("contacts", []), 131009, "contacts"),
    ("contacts: not a list", send("contacts", {"name": {"formatted_name": "A"}}), 100, "contacts"),
    ("contacts: name missing", send("contacts", [{"phones": []}]), 131008, "contacts[0].name"),
    (
        "contacts: formatted_name missing",
        send("contacts", [{"name": {"first_name": "A"}}]),
        131008,
        "contacts[0].name.formatted_name",
    ),
    (
        "contacts: phones not a list",
        send("contacts", [{"name": {"formatted_name": "A"}, "phones": "123"}]),
        100,
        "contacts[0].phones",
    ),
    (
        "contacts: phone junk key",
        send(
            "contacts",
            [
                {"name": {"formatted_name": "A"}},
                {"name": {"formatted_name": "B"}, "phones": [{"tel": "1"}]},
            ],
        ),
        100,
        "contacts[1].phones[0].tel",
    ),
    # reaction
    (
        "reaction: message_id missing",
        send("reaction", {"emoji": "👍"}),
        131008,
        "reaction.message_id",
    ),
    (
        "reaction: emoji missing",
        send("reaction", {"message_id": "wamid.a"}),
        131008,
        "reaction.emoji",
    ),
    (
        "reaction: two emoji",
        send("reaction", {"message_id": "wamid.a", "emoji": "👍👍"}),
        131009,
        "reaction.emoji",
    ),
    (
        "reaction: a letter",
        send("reaction", {"message_id": "wamid.a", "emoji": "a"}),
        131009,
        "reaction.emoji",
    ),
    (
        "reaction: emoji and text",
        send("reaction", {"message_id": "wamid.a", "emoji": "👍ok"}),
        131009,
        "reaction.emoji",
    ),
    (
        "reaction: dangling joiner",
        send("reaction", {"message_id": "wamid.a", "emoji": "👍\u200d"}),
        131009,
        "reaction.emoji",
    ),
    (
        "reaction: half a flag",
        send("reaction", {"message_id": "wamid.a", "emoji": "🇩"}),
        131009,
        "reaction.emoji",
    ),
    # template
    (
        "template: name missing",
        send("template", {"language": {"code": "en"}}),
        131008,
        "template.name",
    ),
    ("template: language missing", send("template", {"name": "a"}), 131008, "template.language"),
    (
        "template: language code missing",
        send("template", {"name": "a", "language": {}}),
        131008,
        "template.language.code",
    ),
    (
        "template: language a string",
        send("template", {"name": "a", "language": "en"}),
        100,
        "template.language",
    ),
    (
        "template: policy wrong",
        send("template", template(language={"code": "en", "policy": "fallback"})),
        100,
        "template.language.policy",
    ),
    (
        "template: component type wrong",
        send("template", template({"type": "footer"})),
        100,
        "template.components[0].type",
    ),
    (
        "template: components not a list",
        send("template", template() | {"components": {"type": "body"}}),
        100,
        "template.components",
    ),
    (
        "template: param type wrong for body",
        send(
            "template",
            template({"type": "body", "parameters": [{"type": "image", "image": {"id": "1"}}]}),
        ),
        100,
        "template.components[0].parameters[0].type",
    ),
    (
        "template: text param missing",
        send("template", template({"type": "body", "parameters": [{"type": "text"}]})),
        100,
        "template.components[0].parameters[0].text",
    ),
    (
        "template: text param empty",
        send("template", template(body_params("a", ""))),
        131009,
        "template.components[0].parameters[1].text",
    ),
    (
        "template: text param a number",
        send("template", template({"type": "body", "parameters": [{"type": "text", "text": 5}]})),
        100,
        "template.components[0].parameters[0].text",
    ),
    (
        "template: mixed param value",
        send(
            "template",
            template(
                {"type": "body", "parameters": [{"type": "text", "text": "a", "payload": "b"}]}
            ),
        ),
        100,
        "template.components[0].parameters[0].payload",
    ),
    (
        "template: currency code",
        send(
            "template",
            template(
                {
                    "type": "body",
                    "parameters": [
                        {
                            "type": "currency",
                            "currency": {"fallback_value": "1", "code": "US", "amount_1000": 1},
                        }
                    ],
                }
            ),
        ),
        131009,
        "template.components[0].parameters[0].currency.code",
    ),
    (
        "template: currency amount float",
        send(
            "template",
            template(
                {
                    "type": "body",
                    "parameters": [
                        {
                            "type": "currency",
                            "currency": {"fallback_value": "1", "code": "USD", "amount_1000": 1.5},
                        }
                    ],
                }
            ),
        ),
        100,
        "template.components[0].parameters[0].currency.amount_1000",
    ),
    (
        "template: header media both",
        send(
            "template",
            template(
                {
                    "type": "header",
                    "parameters": [{"type": "image", "image": {"id": "1", "link": "https://x.io"}}],
                }
            ),
        ),
        131009,
        "template.components[0].parameters[0].image",
    ),
    (
        "template: button sub_type missing",
        send("template", template({"type": "button", "index": "0"})),
        131008,
        "template.components[0].sub_type",
    ),
    (
        "template: button index missing",
        send("template", template({"type": "button", "sub_type": "url"})),
        131008,
        "template.components[0].index",
    ),
    (
        "template: button index 10",
        send("template", template({"type": "button", "sub_type": "url", "index": "10"})),
        131009,
        "template.components[0].index",
    ),
    (
        "template: button index a bool",
        send("template", template({"type": "button", "sub_type": "url", "index": True})),
        100,
        "template.components[0].index",
    ),
    (
        "template: sub_type on body",
        send("template", template({"type": "body", "sub_type": "url"})),
        100,
        "template.components[0].sub_type",
    ),
    (
        "template: body twice",
        send("template", template(body_params("a"), body_params("b"))),
        131009,
        "template.components[1]",
    ),
    (
        "template: same button index twice",
        send(
            "template",
            template(
                {"type": "button", "sub_type": "quick_reply", "index": 0},
                {"type": "button", "sub_type": "quick_reply", "index": "0"},
            ),
        ),
        131009,
        "template.components[1]",
    ),
]


@pytest.mark.parametrize(("name", "body", "code", "path"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_bodies_are_refused_naming_the_field(
    name: str, body: Any, code: int, path: str
) -> None:
    with pytest.raises(GraphError) as caught:
        parse_outgoing(body)
    error = caught.value
    assert error.code == code, error.details
    assert error.details.startswith(f"{path}: " if path else ""), error.details
    assert path in str(error)
    assert error.field == path or (not path and not error.field)
    assert graph_status(error) == 400
    assert error.message == f"(#{code}) {error.title}"


# --- templates against the stored template ------------------------------------------------

STORED = [
    {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
    {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships {{3}}. Thanks {{1}}!"},
    {"type": "FOOTER", "text": "Reply STOP to opt out"},
    {
        "type": "BUTTONS",
        "buttons": [
            {"type": "URL", "text": "Track", "url": "https://x.io/track/{{1}}"},
            {"type": "QUICK_REPLY", "text": "Stop"},
            {"type": "URL", "text": "Home", "url": "https://x.io"},
        ],
    },
]


def ref_for(*components: dict[str, Any]) -> TemplateRef:
    message = parse_outgoing(send("template", template(*components)))
    assert message.template is not None
    return message.template


def full_ref(body_count: int = 3, header_count: int = 1, url_count: int = 1) -> TemplateRef:
    return ref_for(
        {"type": "header", "parameters": [{"type": "text", "text": "7"}] * header_count},
        body_params(*["x"] * body_count),
        {
            "type": "button",
            "sub_type": "url",
            "index": "0",
            "parameters": [{"type": "text", "text": "7"}] * url_count,
        },
    )


def test_a_matching_template_send_passes() -> None:
    check_template(full_ref(), "approved", STORED)
    check_template(full_ref(), "APPROVED", STORED)
    check_template(ref_for(), "approved", [{"type": "BODY", "text": "No variables"}])


def test_variables_are_counted_once_each_numbered_or_named() -> None:
    assert template_variables("Hi {{1}} and {{ 2 }} and {{1}}") == 2
    assert template_variables("Hi {{first_name}}, {{order}}") == 2
    assert template_variables("No {variables} here {{}}") == 0
    assert template_variables(None) == 0


@pytest.mark.parametrize(
    ("ref", "path", "wording"),
    [
        (
            full_ref(body_count=2),
            "template.components[1].parameters",
            "body: number of localizable_params (2) does not match the expected number of "
            "params (3)",
        ),
        (full_ref(body_count=4), "template.components[1].parameters", "(4)"),
        (
            full_ref(header_count=0),
            "template.components[0].parameters",
            "header: number of localizable_params (0)",
        ),
        (
            full_ref(url_count=2),
            "template.components[2].parameters",
            "button at index 0: number of localizable_params (2)",
        ),
        (
            ref_for(body_params("a", "b", "c")),
            "template.components",
            "header: number of localizable_params (0)",
        ),
    ],
)
def test_parameter_counts_must_match_the_template(
    ref: TemplateRef, path: str, wording: str
) -> None:
    with pytest.raises(GraphError) as caught:
        check_template(ref, "approved", STORED)
    assert caught.value.code == 132000
    assert caught.value.details.startswith(f"{path}: ")
    assert wording in caught.value.details


def test_a_body_without_parameters_is_refused_when_the_body_has_variables() -> None:
    with pytest.raises(GraphError) as caught:
        check_template(ref_for(), "approved", [{"type": "BODY", "text": "Hi {{1}}"}])
    assert caught.value.code == 132000
    assert caught.value.message == (
        "(#132000) Number of parameters does not match the expected number of params"
    )


def test_media_headers_need_one_parameter_of_their_format() -> None:
    stored = [{"type": "HEADER", "format": "VIDEO"}, {"type": "BODY", "text": "Hi"}]
    video = {"type": "header", "parameters": [{"type": "video", "video": {"id": "1"}}]}
    image = {"type": "header", "parameters": [{"type": "image", "image": {"id": "1"}}]}
    check_template(ref_for(video), "approved", stored)
    with pytest.raises(GraphError) as caught:
        check_template(ref_for(image), "approved", stored)
    assert caught.value.code == 132012
    assert caught.value.details.startswith("template.components[0].parameters[0].type: ")
    with pytest.raises(GraphError) as caught:
        check_template(ref_for(), "approved", stored)
    assert caught.value.code == 132000


def test_a_button_the_template_does_not_have_is_refused() -> None:
    ref = ref_for(
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": "5",
            "parameters": [{"type": "payload", "payload": "p"}],
        }
    )
    with pytest.raises(GraphError) as caught:
        check_template(ref, "approved", [{"type": "BODY", "text": "Hi"}])
    assert caught.value.code == 131009
    assert caught.value.details.startswith("template.components[0]: ")


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (None, 132001),
        ("pending", 132001),
        ("submitted", 132001),
        ("rejected", 132001),
        ("paused", 132015),
        ("PAUSED", 132015),
        ("disabled", 132016),
    ],
)
def test_only_approved_templates_may_be_sent(status: str | None, code: int) -> None:
    with pytest.raises(GraphError) as caught:
        check_template(full_ref(), status, STORED)
    assert caught.value.code == code
    assert caught.value.details.startswith("template.name: ")
    assert "order_update" in caught.value.details


def test_a_missing_template_uses_metas_wording() -> None:
    with pytest.raises(GraphError) as caught:
        check_template(full_ref(), None, [])
    assert caught.value.message == "(#132001) Template name does not exist in the translation"
    assert caught.value.details == (
        "template.name: template name (order_update) does not exist in en_US"
    )


def test_stored_components_in_odd_shapes_do_not_crash() -> None:
    odd: list[Any] = [
        None,
        5,
        {"type": None},
        {"type": "BUTTONS", "buttons": "nope"},
        {"type": "BODY", "text": 7},
    ]
    check_template(ref_for(), "approved", odd)


# --- hostile input ------------------------------------------------------------------------


def test_hostile_inputs_raise_only_graph_errors() -> None:
    rng = random.Random(20240613)  # fixed: a failure must be reproducible
    seeds = list(VALID.values())
    for _ in range(6000):
        body = rng.choice(seeds)
        for _ in range(rng.randint(1, 3)):
            body = mutate(body, rng)
        try:
            message = parse_outgoing(body)
        except GraphError as error:
            assert error.code in {100, 131008, 131009, 131051}
            assert error.details
            continue
        assert isinstance(message, OutgoingMessage)


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_junk_in_any_top_level_place_is_a_graph_error(junk: Any) -> None:
    for key in ("messaging_product", "to", "type", "text", "context", "recipient_type"):
        body = send("text", {"body": "x"}) | {key: junk}
        with contextlib.suppress(GraphError):
            parse_outgoing(body)
    with pytest.raises(GraphError):
        parse_outgoing(junk)


def test_deeply_nested_junk_is_refused_without_recursing() -> None:
    nested: Any = "x"
    for _ in range(100_000):
        nested = [nested]
    with pytest.raises(GraphError):
        parse_outgoing(send("text", nested))
    with pytest.raises(GraphError):
        parse_outgoing(send("contacts", nested))
