"""The plugin's ``emulator.flow_status`` (issue 18): Meta's monitoring throttles, blocks and
releases a published WhatsApp Flow, which the partner reads back through the SDK."""

from __future__ import annotations

import pytest

from partnerhub.client import ValidationError
from partnerhub.testing import Emulator, TestPartner
from tests.helpers import flow_json as fj


def test_meta_throttles_blocks_and_releases_a_flow(
    partner: TestPartner, emulator: Emulator
) -> None:
    number = emulator.onboard(partner.id)
    hub = partner.client
    waba = number.waba_account_id
    flow = hub.flows.create(waba, "Survey", ["SURVEY"])
    with pytest.raises(AssertionError):  # a draft is not monitored
        emulator.flow_status(flow.id, "BLOCKED")
    hub.flows.upload_json(waba, flow.id, fj.SURVEY)
    hub.flows.publish(waba, flow.id)
    assert emulator.flow_status(flow.id, "THROTTLED") == {"id": flow.id, "status": "THROTTLED"}
    shown = hub.flows.get(waba, flow.id, fields="status,health_status")
    assert shown["status"] == "THROTTLED"
    assert shown["health_status"]["can_send_message"] == "LIMITED"
    emulator.flow_status(flow.id, "BLOCKED")
    assert (
        hub.flows.get(waba, flow.id, fields="health_status")["health_status"]["can_send_message"]
        == "BLOCKED"
    )
    emulator.flow_status(flow.id, "PUBLISHED")
    assert hub.flows.get(waba, flow.id, fields="status")["status"] == "PUBLISHED"
    emulator.flow_status(flow.id, "BLOCKED")
    assert hub.flows.deprecate(waba, flow.id).success  # a blocked Flow can be deprecated
    with pytest.raises(AssertionError):
        emulator.flow_status(flow.id, "PUBLISHED")
    with pytest.raises(ValidationError):
        hub.flows.deprecate(waba, flow.id)
