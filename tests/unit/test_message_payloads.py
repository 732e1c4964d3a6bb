"""Cloud API webhook bodies and Graph error bodies compared with literal Meta-shaped dicts; wamids;
the emulator's inbound request."""

from __future__ import annotations

import base64
import copy
import multiprocessing
import os
import random
import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.messaging import errors
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.messaging.payloads import (
    InboundMessage,
    inbound_message_webhook,
    new_wamid,
    parse_inbound,
    status_webhook,
    unix_seconds,
)
from partnerhub.server.errors.graph import status_of as graph_status

MOMENT = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)  # 1714564800
WABA = "102290129340398"
DISPLAY = "15550783881"
PHONE_ID = "106540352242922"

# --- Graph errors -------------------------------------------------------------------------


def test_a_validation_error_renders_metas_graph_body() -> None:
    error = errors.invalid_value("interactive.action.buttons[2].reply.title", "too long")
    assert graph_status(error) == 400
    assert error.to_body("AbCdEf") == {
        "error": {
            "message": "(#131009) Parameter value is not valid",
            "type": "OAuthException",
            "code": 131009,
            "error_data": {
                "messaging_product": "whatsapp",
                "details": "interactive.action.buttons[2].reply.title: too long",
            },
            "fbtrace_id": "AbCdEf",
        }
    }
    assert str(error) == (
        "(#131009) Parameter value is not valid: "
        "interactive.action.buttons[2].reply.title: too long"
    )


def test_error_subcode_is_only_present_when_set() -> None:
    error = GraphError(131009, "x: bad", field="x", error_subcode=2494010)
    assert error.to_body("t")["error"]["error_subcode"] == 2494010
    assert "error_subcode" not in errors.missing_parameter("x").to_body("t")["error"]


@pytest.mark.parametrize(
    ("error", "code", "status", "message"),
    [
        (errors.auth_failed(), 0, 401, "We were unable to authenticate the app user."),
        (
            errors.token_expired(),
            190,
            401,
            "Error validating access token: Session has expired.",
        ),
        (errors.rate_limit(), 130429, 429, "(#130429) Rate limit hit"),
        (
            errors.pair_rate_limit(),
            131056,
            400,
            "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        ),
        (errors.re_engagement(), 131047, 400, "(#131047) Re-engagement message"),
        (errors.undeliverable(), 131026, 400, "(#131026) Message undeliverable"),
        (errors.unsupported_type("type", "x"), 131051, 400, "(#131051) Unsupported message type"),
        (errors.missing_parameter("to"), 131008, 400, "(#131008) Required parameter is missing"),
        (errors.invalid_parameter("to", "x"), 100, 400, "(#100) Invalid parameter"),
        (errors.template_paused("t"), 132015, 400, "(#132015) Template is Paused"),
        (errors.template_disabled("t"), 132016, 400, "(#132016) Template is Disabled"),
    ],
)
def test_codes_statuses_and_titles(error: GraphError, code: int, status: int, message: str) -> None:
    assert (error.code, graph_status(error), error.message) == (code, status, message)
    assert error.type == "OAuthException"


def test_auth_errors_carry_no_error_data() -> None:
    assert errors.auth_failed().to_body("t") == {
        "error": {
            "message": "We were unable to authenticate the app user.",
            "type": "OAuthException",
            "code": 0,
            "fbtrace_id": "t",
        }
    }


def test_a_webhook_error_entry_has_metas_fields() -> None:
    assert errors.re_engagement().to_webhook_error() == {
        "code": 131047,
        "title": "Re-engagement message",
        "message": "Re-engagement message",
        "error_data": {
            "details": "Message failed to send because more than 24 hours have passed since "
            "the customer last replied to this number."
        },
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }


# --- webhook bodies -----------------------------------------------------------------------


def test_status_webhook_sent_with_conversation_and_pricing() -> None:
    conversation = {
        "id": "CONVERSATION_ID",
        "expiration_timestamp": "1714651200",
        "origin": {"type": "marketing"},
    }
    pricing = {"billable": True, "pricing_model": "CBP", "category": "marketing"}
    body = status_webhook(
        WABA,
        DISPLAY,
        PHONE_ID,
        "wamid.HBgL",
        "sent",
        MOMENT,
        "16505551234",
        conversation=conversation,
        pricing=pricing,
        biz_opaque_callback_data="cb-1",
    )
    assert body == {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": DISPLAY,
                                "phone_number_id": PHONE_ID,
                            },
                            "statuses": [
                                {
                                    "id": "wamid.HBgL",
                                    "status": "sent",
                                    "timestamp": "1714564800",
                                    "recipient_id": "16505551234",
                                    "conversation": conversation,
                                    "pricing": pricing,
                                    "biz_opaque_callback_data": "cb-1",
                                }
                            ],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def test_status_webhook_failed_carries_errors_and_omits_what_is_absent() -> None:
    body = status_webhook(
        WABA,
        DISPLAY,
        PHONE_ID,
        "wamid.X",
        "failed",
        MOMENT,
        "16505551234",
        errors=[errors.re_engagement()],
    )
    status = body["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert set(status) == {"id", "status", "timestamp", "recipient_id", "errors"}
    assert status["errors"] == [errors.re_engagement().to_webhook_error()]
    raw = {"code": 131026, "title": "Message undeliverable"}
    again = status_webhook(WABA, DISPLAY, PHONE_ID, "w", "failed", MOMENT, "1", errors=[raw])
    assert again["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] == [raw]


def test_inbound_message_webhook() -> None:
    body = inbound_message_webhook(
        WABA,
        DISPLAY,
        PHONE_ID,
        "Ann",
        "16505551234",
        "wamid.IN",
        MOMENT,
        "text",
        {"body": "Hello"},
    )
    assert body == {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": DISPLAY,
                                "phone_number_id": PHONE_ID,
                            },
                            "contacts": [{"profile": {"name": "Ann"}, "wa_id": "16505551234"}],
                            "messages": [
                                {
                                    "from": "16505551234",
                                    "id": "wamid.IN",
                                    "timestamp": "1714564800",
                                    "type": "text",
                                    "text": {"body": "Hello"},
                                }
                            ],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def test_inbound_reply_carries_context() -> None:
    content = {"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes"}}
    body = inbound_message_webhook(
        WABA,
        DISPLAY,
        PHONE_ID,
        "Ann",
        "1",
        "wamid.IN",
        MOMENT,
        "interactive",
        content,
        context={"from": DISPLAY, "id": "wamid.OUT"},
    )
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message == {
        "from": "1",
        "id": "wamid.IN",
        "timestamp": "1714564800",
        "type": "interactive",
        "interactive": content,
        "context": {"from": DISPLAY, "id": "wamid.OUT"},
    }


def test_unix_seconds_treats_naive_times_as_utc_and_converts_offsets() -> None:
    assert unix_seconds(MOMENT) == "1714564800"
    assert unix_seconds(MOMENT.replace(tzinfo=None)) == "1714564800"
    berlin = MOMENT.astimezone(timezone(timedelta(hours=2)))
    assert unix_seconds(berlin) == "1714564800"
    assert unix_seconds(MOMENT + timedelta(microseconds=999_999)) == "1714564800"


def test_wamids_look_like_metas_and_are_unique() -> None:
    ids = {new_wamid("16505551234") for _ in range(500)}
    assert len(ids) == 500
    for wamid in ids:
        assert wamid.startswith("wamid.HBgL")  # Meta's prefix for an 11-digit number
        record = base64.b64decode(wamid.removeprefix("wamid."), validate=True)
        assert b"16505551234" in record
    assert new_wamid().startswith("wamid.")
    assert len(new_wamid("1" * 100)) < 128


def _hex_id(wamid: str) -> str:
    """The hex id at the end of a wamid's record (its length byte, the digits, a NUL)."""
    record = base64.b64decode(wamid.removeprefix("wamid."))
    assert record[-1] == 0 and record[-26] == 24  # NUL last, the length byte before the digits
    return record[-25:-1].decode()


def test_one_numbers_wamids_sort_in_the_order_they_were_made() -> None:
    """The hex id leads with the clock, then the process's tag and counter: one number's ids
    stay together in the id index. Any thread may make ids: they share the counter."""
    made: list[str] = []
    lock = threading.Lock()

    def make(count: int) -> None:
        for _ in range(count):
            wamid = new_wamid("16505551234")
            with lock:
                made.append(wamid)

    threads = [threading.Thread(target=make, args=(2000,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 8000
    hex_ids = [_hex_id(w) for w in made]
    assert all(len(h) == 24 and int(h, 16) >= 0 and h == h.upper() for h in hex_ids)
    assert len({h[11:17] for h in hex_ids}) == 1  # one process: one tag
    sequential = [_hex_id(new_wamid("16505551234")) for _ in range(1000)]
    assert sequential == sorted(sequential)


def _child_wamid(pipe: Any) -> None:
    pipe.send(new_wamid("16505551234"))
    pipe.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX's")
def test_a_forked_process_draws_its_own_tag_and_counter() -> None:
    """Two processes would repeat an id only with the same tag, millisecond and counter value:
    a forked child draws its own tag and counter instead of going on with the parent's."""
    parent = _hex_id(new_wamid("16505551234"))
    receiving, sending = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_child_wamid, args=(sending,))
    child.start()
    theirs = receiving.recv()
    child.join(10)
    ours = _hex_id(new_wamid("16505551234"))
    child_id = _hex_id(theirs)
    assert ours[11:17] == parent[11:17] and int(ours[17:], 16) == int(parent[17:], 16) + 1
    assert child_id[11:17] != parent[11:17]  # a tag of its own (a repeat: 1 in 16.7 million)
    assert int(child_id[17:], 16) not in (int(parent[17:], 16) + 1, int(parent[17:], 16) + 2)


# --- the emulator's inbound request -------------------------------------------------------


def inbound(kind: str, content: Any, **extra: Any) -> dict[str, Any]:
    return {"channel_id": "abcCH", "from": "+1 650-555-1234", "type": kind, kind: content, **extra}


VALID_INBOUND: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "text": (inbound("text", {"body": "Hi"}), {"body": "Hi"}),
    "image": (
        inbound("image", {"id": "42", "caption": "look", "mime_type": "image/png"}),
        {"id": "42", "mime_type": "image/png", "caption": "look"},
    ),
    "button": (
        inbound("button", {"text": "Stop", "payload": "STOP"}),
        {"text": "Stop", "payload": "STOP"},
    ),
    "button without payload": (
        inbound("button", {"text": "Stop"}),
        {"text": "Stop", "payload": "Stop"},
    ),
    "button_reply": (
        inbound(
            "interactive", {"type": "button_reply", "button_reply": {"id": "y", "title": "Yes"}}
        ),
        {"type": "button_reply", "button_reply": {"id": "y", "title": "Yes"}},
    ),
    "list_reply": (
        inbound(
            "interactive",
            {"type": "list_reply", "list_reply": {"id": "r", "title": "R", "description": "D"}},
        ),
        {"type": "list_reply", "list_reply": {"id": "r", "title": "R", "description": "D"}},
    ),
    "location": (
        inbound("location", {"latitude": 52.5, "longitude": "13.4", "name": "Here"}),
        {"latitude": 52.5, "longitude": 13.4, "name": "Here"},
    ),
    "reaction": (
        inbound("reaction", {"message_id": "wamid.OUT", "emoji": "❤️"}),
        {"message_id": "wamid.OUT", "emoji": "❤️"},
    ),
    "reaction removed": (
        inbound("reaction", {"message_id": "wamid.OUT", "emoji": ""}),
        {"message_id": "wamid.OUT"},
    ),
}


@pytest.mark.parametrize("name", list(VALID_INBOUND))
def test_inbound_requests_are_accepted(name: str) -> None:
    request, content = VALID_INBOUND[name]
    message = parse_inbound(copy.deepcopy(request))
    assert isinstance(message, InboundMessage)
    assert (message.channel_id, message.wa_id) == ("abcCH", "16505551234")
    assert message.type == request["type"]
    assert message.content == content
    assert message.body["from"] == "16505551234"


def test_inbound_profile_name_context_and_media_defaults() -> None:
    message = parse_inbound(
        inbound("video", {}, profile_name="Ann", context={"message_id": "wamid.OUT"})
    )
    assert message.profile_name == "Ann"
    assert message.context_message_id == "wamid.OUT"
    assert message.content["mime_type"] == "video/mp4"
    assert message.content["id"].isdigit()


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        (["not", "an", "object"], "body"),
        ({"channel_id": "abcCH", "from": "1650555"}, "type"),
        (inbound("fax", {}), "type"),
        (inbound("text", {"body": "x"}) | {"channel_id": None}, "channel_id"),
        (inbound("text", {"body": "x"}) | {"channel_id": 5}, "channel_id"),
        (inbound("text", {"body": "x"}) | {"from": "not a number"}, "from"),
        (inbound("text", {"body": "x"}) | {"from": "12"}, "from"),
        (inbound("text", {}), "text.body"),
        (inbound("text", {"body": "x" * 4097}), "text.body"),
        (inbound("text", {"body": "a\x00"}), "text.body"),
        (inbound("text", "hi"), "text"),
        (inbound("text", {"body": "x"}, image={"id": "1"}), "image"),
        (inbound("text", {"body": "x"}, profile_name=7), "profile_name"),
        (inbound("text", {"body": "x"}, context={}), "context.message_id"),
        (inbound("image", {"url": "x"}), "image.url"),
        (inbound("button", {"payload": "p"}), "button.text"),
        (inbound("interactive", {"type": "nfm_reply"}), "interactive.nfm_reply"),
        (inbound("interactive", {"type": "product_inquiry"}), "interactive.type"),
        (inbound("interactive", {"type": "button_reply"}), "interactive.button_reply"),
        (
            inbound("interactive", {"type": "button_reply", "button_reply": {"id": "a"}}),
            "interactive.button_reply.title",
        ),
        (
            inbound(
                "interactive",
                {
                    "type": "button_reply",
                    "button_reply": {"id": "a", "title": "b"},
                    "list_reply": {},
                },
            ),
            "interactive.list_reply",
        ),
        (inbound("location", {"latitude": 100, "longitude": 0}), "location.latitude"),
        (inbound("reaction", {"message_id": "w", "emoji": "ok"}), "reaction.emoji"),
    ],
)
def test_invalid_inbound_requests_name_the_field(request_body: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_inbound(request_body)
    assert caught.value.field == field
    assert caught.value.message.startswith(f"{field}: ")
    assert not caught.value.message.startswith(f"{field}: {field}")


def test_hostile_inbound_requests_raise_only_invalid_input() -> None:
    rng = random.Random(7)
    junk: list[Any] = [None, 0, 10**400, float("nan"), "", "\ud800", [], {}, {1: 2}, object()]
    seeds = [request for request, _ in VALID_INBOUND.values()]
    for _ in range(3000):
        body = copy.deepcopy(rng.choice(seeds))
        key = rng.choice(list(body))
        if rng.random() < 0.5:
            body[key] = rng.choice(junk)
        elif isinstance(body[body["type"]], dict) and body[body["type"]]:
            inner = body[body["type"]]
            inner[rng.choice(list(inner))] = rng.choice(junk)
        else:
            del body[key]
        try:
            parse_inbound(body)
        except InvalidInput as error:
            assert error.field
