"""``partnerhub webhooks tail`` names the destination of a ``/multi_webhook`` copy."""

from __future__ import annotations

from partnerhub.cli.remote import _delivery_line
from partnerhub.wire.webhooks import Delivery


def delivery(destination: str | None) -> Delivery:
    return Delivery(
        id="dWD",
        event_id="eEV",
        event="messages",
        status="delivered",
        attempt_count=1,
        created_at="2026-12-06T15:00:00Z",
        next_attempt_at=None,
        last_attempt_at=None,
        delivered_at=None,
        attempts=[],
        destination=destination,
    )


def test_a_copy_names_its_destination_and_the_main_one_does_not() -> None:
    assert "messages -> crm " in _delivery_line(delivery("crm"))
    assert "->" not in _delivery_line(delivery(None))
