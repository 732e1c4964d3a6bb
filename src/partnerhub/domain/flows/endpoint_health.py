"""A Flow's endpoint as WhatsApp watches it (Meta's "Flow Health and Monitoring" and "Flows
Webhooks"; docs/fidelity.md "WhatsApp Flows").

Every request WhatsApp makes to the endpoint (here: the emulator's data-exchange control) is
recorded with its outcome and latency (:func:`record`): the Flow's metrics count them, and two of
Meta's alerts follow them, each sent when its state changes, in the transaction that records
the request, to the messaging webhook of each number of the WABA (as ``FLOW_STATUS_CHANGE``):

- ``ENDPOINT_ERROR_RATE``: the error rate of the data requests (not the health checks) of the
  last 30 minutes reaching 5%, 10% or 50% (``ACTIVATED`` with the highest reached), or falling
  below the threshold in force (``DEACTIVATED``);
- ``ENDPOINT_AVAILABILITY``: the health checks (``ping``) of the last 10 minutes succeeding less
  than 90% of the time (``ACTIVATED``), then again 90% or more (``DEACTIVATED``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from partnerhub.domain import ids
from partnerhub.domain.clients.model import WabaAccount
from partnerhub.domain.clock import Clock
from partnerhub.domain.flows.model import EndpointRequest, Flow
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks import outbox

ERROR_RATE = "ENDPOINT_ERROR_RATE"
AVAILABILITY = "ENDPOINT_AVAILABILITY"
ERROR_RATE_THRESHOLDS = (5, 10, 50)  # percent [Meta]
ERROR_RATE_WINDOW = timedelta(minutes=30)  # [Meta]
AVAILABILITY_THRESHOLD = 90  # percent [Meta]
AVAILABILITY_WINDOW = timedelta(minutes=10)  # [Meta]

# Meta's metric keys for a failed request (ENDPOINT_REQUEST_ERROR), from the emulator's error
# codes (emulator/flow_endpoint.py). [ours] the mapping.
ERROR_TYPES = {
    "timeout": "timeout_error",
    "http_error": "unexpected_http_status_code",
    "public_key_refresh_failed": "unexpected_http_status_code",
    "flow_token_invalid": "unexpected_http_status_code",
    "signature_invalid": "unexpected_http_status_code",
    "endpoint_unreachable": "no_http_response_error",
    "response_too_large": "no_http_response_error",
    "response_decryption_failed": "no_http_response_error",
    "invalid_response": "no_http_response_error",
    "endpoint_refused": "cannot_be_served",
}


def error_type_of(code: str | None) -> str | None:
    """Meta's metric key for one of the emulator's exchange error codes (None: success)."""
    if code is None:
        return None
    return ERROR_TYPES.get(code, "no_http_response_error")


def _percent(part: int, whole: int) -> float:
    return round(part * 100 / whole, 2) if whole else 0.0


def _error_rate_alert(
    requests: Sequence[EndpointRequest], level: int
) -> tuple[int, dict[str, Any]] | None:
    """The error-rate alert to send, and the new level, when the level changed."""
    data = [r for r in requests if not r.is_ping]
    failed = [r for r in data if r.error_type is not None]
    rate = _percent(len(failed), len(data))
    reached = max((t for t in ERROR_RATE_THRESHOLDS if rate >= t), default=0)
    if reached == level:
        return None
    if reached > level:
        state, threshold = "ACTIVATED", reached
        message = (
            f"The flow endpoint request error rate has reached the {threshold}% threshold in "
            "the last 30 minutes. A higher error rate will make it harder for users to "
            "complete the flow, resulting in drop-offs."
        )
    else:
        state, threshold = "DEACTIVATED", level
        message = (
            f"The flow endpoint request error rate has gone below the {threshold}% threshold "
            "in the last 30 minutes."
        )
    counts = Counter(r.error_type.upper() for r in failed if r.error_type is not None)
    value: dict[str, Any] = {
        "event": ERROR_RATE,
        "message": message,
        "error_rate": rate,
        "threshold": threshold,
        "alert_state": state,
        "errors": [
            {
                "error_type": kind,
                "error_rate": _percent(count, len(failed)),
                "error_count": count,
            }
            for kind, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }
    return reached, value


def _availability_alert(
    requests: Sequence[EndpointRequest], level: int
) -> tuple[int, dict[str, Any]] | None:
    checks = [r for r in requests if r.is_ping]
    if not checks:
        return None
    availability = _percent(sum(r.error_type is None for r in checks), len(checks))
    breached = AVAILABILITY_THRESHOLD if availability < AVAILABILITY_THRESHOLD else 0
    if breached == level:
        return None
    if breached:
        state = "ACTIVATED"
        message = (
            f"The flow endpoint availability has breached the {AVAILABILITY_THRESHOLD}% "
            "threshold in the last 10 minutes. Users will be unable to open or use the flow."
        )
    else:
        state = "DEACTIVATED"
        message = (
            f"The flow endpoint availability is back above the {AVAILABILITY_THRESHOLD}% "
            "threshold in the last 10 minutes."
        )
    value = {
        "event": AVAILABILITY,
        "message": message,
        "alert_state": state,
        "availability": availability,
        "threshold": AVAILABILITY_THRESHOLD,
    }
    return breached, value


def alert_webhook(
    flow: Flow, waba: WabaAccount, value: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """Meta's WABA-level ``flows`` webhook carrying one alert."""
    change = {"event": value["event"], "message": value["message"], "flow_id": flow.id}
    change.update({k: v for k, v in value.items() if k not in change})
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba.external_id,
                "time": int(at.timestamp()),
                "changes": [{"value": change, "field": "flows"}],
            }
        ],
    }


async def record(
    uow: UnitOfWork,
    clock: Clock,
    flow: Flow,
    waba: WabaAccount,
    action: str,
    error_code: str | None,
    latency_ms: int,
) -> list[dict[str, Any]]:
    """Keep one request to the Flow's endpoint and send the alerts whose state it changed (the
    ``flows`` changes sent, in order), in one transaction."""
    await uow.lock_for_write()
    now = clock.now()
    request = EndpointRequest(
        id=ids.new_id("FR", 16),
        flow_id=flow.id,
        at=now,
        action=action,
        error_type=error_type_of(error_code),
        latency_ms=max(0, latency_ms),
    )
    await uow.flows.add_endpoint_request(request)
    levels = await uow.flows.endpoint_alerts(flow.id)
    sent: list[dict[str, Any]] = []
    if request.is_ping:
        recent = await uow.flows.endpoint_requests(flow.id, now - AVAILABILITY_WINDOW, now)
        moved = _availability_alert(recent, levels.get(AVAILABILITY, 0))
        event = AVAILABILITY
    else:
        recent = await uow.flows.endpoint_requests(flow.id, now - ERROR_RATE_WINDOW, now)
        moved = _error_rate_alert(recent, levels.get(ERROR_RATE, 0))
        event = ERROR_RATE
    if moved is not None:
        level, value = moved
        await uow.flows.set_endpoint_alert(flow.id, event, level)
        payload = alert_webhook(flow, waba, value, now)
        channels = [
            c
            for c in await uow.clients.channels_of_client(waba.client_id)
            if c.waba_account_id == waba.id
        ]
        await outbox.emit_to_channels(
            uow, clock, [(c, "flow_endpoint_alert", payload) for c in channels]
        )
        sent.append(payload["entry"][0]["changes"][0]["value"])
    await uow.commit()
    return sent
