"""The typed partner webhook events: what the outbox stores is what partners always received,
and what the SDK parses back is the same typed event."""

from __future__ import annotations

import json
import typing
from datetime import UTC, datetime

import pytest

from partnerhub import webhooks
from partnerhub.domain.clients import events
from partnerhub.domain.clients.lifecycle import _STEP_EVENT
from partnerhub.domain.clients.model import LIFECYCLE, Channel, ChannelStatus, Client, WabaAccount
from partnerhub.domain.compliance import events as compliance
from partnerhub.testing import ReceivedWebhook
from partnerhub.wire import events as wire

NOW = datetime(2026, 11, 1, 12, 0, 5, tzinfo=UTC)
CLIENT = Client(
    id="c1CL",
    partner_id="p1PA",
    name="Acme",
    status="active",
    created_at=NOW,
    modified_at=NOW,
    contact_info={"email": "ann@example.com"},
    contact_user={"name": "Ann", "email": "ann@example.com", "phone": None},
)
WABA = WabaAccount(
    id="w1WA",
    partner_id="p1PA",
    client_id="c1CL",
    name="Acme",
    status="approved",
    external_id="123",
    fb_business_id="456",
    namespace="ns",
    timezone_id="1",
    created_at=NOW,
    modified_at=NOW,
)
CHANNEL = Channel(
    id="h1CH",
    partner_id="p1PA",
    client_id="c1CL",
    waba_account_id="w1WA",
    status=ChannelStatus.TERMINATED,
    phone_number="+4915112345678",
    phone_name="Acme",
    external_id="789",
    created_at=NOW,
    modified_at=NOW,
    terminated_at=NOW,
)


def test_every_lifecycle_step_announces_itself_with_the_event_named_in_the_model() -> None:
    for following, name in LIFECYCLE.values():
        assert _STEP_EVENT[following].__struct_config__.tag == name


def test_the_body_keeps_the_envelope_order_and_the_data_keys_partners_know() -> None:
    event = events.cancellation_processed(CHANNEL, CLIENT, WABA, reason="number_released")
    body = json.loads(wire.encode_event(event))
    assert list(body) == ["id", "event", "data"]
    assert body["event"] == "cancellation_processed"
    assert list(body["data"]) == [
        "id",
        "client_id",
        "client",
        "phone_number",
        "phone_name",
        "created_at",
        "billing_started_at",
        "fb_account_status",
        "status",
        "account_mode",
        "waba_account",
        "terminated_at",
        "reason",
    ]
    assert body["data"]["terminated_at"] == "2026-11-01T12:00:05Z"
    assert body["data"]["status"] == "terminated"
    # A cancellation that took effect by itself carries no reason at all.
    plain = json.loads(wire.encode_event(events.cancellation_processed(CHANNEL, CLIENT, WABA)))
    assert "reason" not in plain["data"]


def test_every_event_in_the_union_decodes_back_to_its_own_struct() -> None:
    members = typing.get_args(wire.PartnerEvent)
    assert len({m.__struct_config__.tag for m in members}) == len(members)
    sample = events.channel_event(wire.ChannelRunning, CHANNEL, CLIENT, WABA)
    decoded = webhooks.parse_event(wire.encode_event(sample))
    assert isinstance(decoded, wire.ChannelRunning)
    assert decoded == sample
    assert decoded.event == "channel_running"
    # data reads by key too, nested objects included, for receivers written against dicts.
    assert decoded.data["waba_account"]["id"] == "w1WA"
    assert decoded.data.get("nope", "default") == "default"
    with pytest.raises(KeyError):
        decoded.data["nope"]


def test_the_compliance_events_decode_typed() -> None:
    request = {"status": "REJECTED", "display_name": "Acme Tools", "rejected_reason": "No"}
    waba = WabaAccount(
        **{
            **WABA.__dict__,
            "restriction_info": [
                {
                    "restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING",
                    "expiration": 1_800_000_000,
                }
            ],
        }
    )
    for sample in (
        compliance.name_update(CHANNEL, CLIENT, WABA, request),
        compliance.restriction(CHANNEL, CLIENT, waba, "SPAM"),
        compliance.template_messaging(False, CHANNEL, CLIENT, waba),
        compliance.template_messaging(True, CHANNEL, CLIENT, WABA),
    ):
        decoded = webhooks.parse_event(wire.encode_event(sample))
        assert decoded == sample, sample.event
    restricted = json.loads(
        wire.encode_event(compliance.restriction(CHANNEL, CLIENT, waba, "SPAM"))
    )
    assert restricted["data"]["restriction_info"] == waba.restriction_info
    warned = json.loads(wire.encode_event(compliance.violation(CHANNEL, CLIENT, WABA, "SCAM")))
    assert warned["event"] == "account_violation" and "restriction_info" not in warned["data"]


def test_a_foreign_or_unknown_event_still_parses_untyped() -> None:
    body = b'{"id": "e1EV", "event": "a_future_event", "data": {"x": 1}}'
    event = webhooks.parse_event(body)
    assert isinstance(event, webhooks.WebhookEvent)
    assert (event.id, event.event, event.data) == ("e1EV", "a_future_event", {"x": 1})


def test_the_test_receiver_hands_partner_events_over_typed() -> None:
    raw = wire.encode_event(events.client_created(CLIENT))
    received = ReceivedWebhook("/", {}, raw, json.loads(raw), ["client_created"])
    assert isinstance(received.event, wire.ClientCreated)
    assert received.event.data.contact_user["name"] == "Ann"
    other = ReceivedWebhook("/", {}, b'{"entry": []}', {"entry": []}, [])
    assert other.event is None
