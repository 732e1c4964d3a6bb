"""The Cloud API shapes are defined once (partnerhub.wire.cloud_api): what the SDK builds, the
server accepts; what the emulator posts as webhooks, partners parse; enum names in capitals are
accepted and stored lower case, even as the tag of a tagged union."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from partnerhub import webhooks
from partnerhub.client.resources.messages import (
    location_body,
    media_body,
    reaction_body,
    template_body,
    text_body,
)
from partnerhub.domain.messaging import payloads
from partnerhub.domain.messaging.errors import GraphError, undeliverable
from partnerhub.domain.messaging.refusals import REFUSALS
from partnerhub.domain.messaging.validation import parse_outgoing

TO = "4915123456789"

SDK_BODIES: dict[str, dict[str, Any]] = {
    "text": text_body(TO, "Hello"),
    "template": template_body(
        TO,
        "order_update",
        "en_US",
        [{"type": "body", "parameters": [{"type": "text", "text": "x"}]}],
    ),
    "image": media_body(TO, "image", "https://example.com/a.png", None, "hi", None),
    "document": media_body(TO, "document", None, "123", None, "a.pdf"),
    "location": location_body(TO, 52.5, 13.4, "Berlin", None),
    "reaction": reaction_body(TO, "wamid.abc", "\U0001f44d"),
}


@pytest.mark.parametrize("kind", list(SDK_BODIES))
def test_what_the_sdk_builds_the_server_accepts_unchanged(kind: str) -> None:
    body = SDK_BODIES[kind]
    message = parse_outgoing(body)
    assert message.type == kind
    assert message.body == body


def test_an_interactive_type_in_capitals_is_accepted_and_stored_lower_case() -> None:
    body = {
        "messaging_product": "whatsapp",
        "to": TO,
        "type": "INTERACTIVE",
        "interactive": {
            "type": "BUTTON",
            "body": {"text": "Pick"},
            "action": {"buttons": [{"type": "REPLY", "reply": {"id": "a", "title": "A"}}]},
        },
    }
    message = parse_outgoing(body)
    assert message.body["interactive"]["type"] == "button"
    assert message.body["interactive"]["action"]["buttons"][0]["type"] == "reply"


def test_a_refusal_found_by_msgspec_reads_like_the_rest() -> None:
    with pytest.raises(GraphError) as caught:
        parse_outgoing({"messaging_product": "whatsapp", "to": TO, "text": {"body": "x" * 4097}})
    assert caught.value.code == REFUSALS["too_long"][0] == 131009
    assert caught.value.details == "text.body: must be at most 4096 characters, got 4097"
    assert caught.value.field == "text.body"


def test_the_webhooks_the_emulator_builds_parse_with_the_partners_structs() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    inbound = payloads.inbound_message_webhook(
        "waba", "+49 30 1234", "pnid", "Ann", TO, "wamid.in", moment, "text", {"body": "hi"}
    )
    failed = payloads.status_webhook(
        "waba",
        "+49 30 1234",
        "pnid",
        "wamid.out",
        "failed",
        moment,
        TO,
        errors=[undeliverable()],
        biz_opaque_callback_data="cb",
    )
    parsed_in = webhooks.parse_messaging_webhook(msgspec.json.encode(inbound))
    assert parsed_in.messages[0].text == webhooks.Text(body="hi")
    assert parsed_in.messages[0].from_ == TO
    parsed_status = webhooks.parse_messaging_webhook(msgspec.json.encode(failed)).statuses[0]
    assert parsed_status.errors[0].code == 131026
    assert parsed_status.biz_opaque_callback_data == "cb"
    entry = failed["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert list(entry) == [
        "id",
        "status",
        "timestamp",
        "recipient_id",
        "errors",
        "biz_opaque_callback_data",
    ]
    assert list(entry["errors"][0]) == ["code", "title", "message", "error_data", "href"]
