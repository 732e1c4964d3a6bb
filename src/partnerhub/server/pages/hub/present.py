"""Small formatting helpers the dashboard's templates call (dates, money, event subjects)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from partnerhub.domain.billing.model import MICROS
from partnerhub.domain.webhooks.model import Event


def when(moment: datetime | str | int | None) -> str:
    """UTC to the minute, as the API's timestamps are UTC: no guessing of the reader's zone.
    Also an ISO 8601 string or Unix seconds, as JSON columns keep times (display-name requests,
    restrictions' ``expiration``)."""
    if isinstance(moment, str):
        try:
            at = datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return moment or "—"
    elif isinstance(moment, bool) or moment is None:
        return "—"
    elif isinstance(moment, int):
        at = datetime.fromtimestamp(moment, UTC)
    else:
        at = moment
    return at.strftime("%Y-%m-%d %H:%M UTC")


def iso(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def money(micros: int) -> str:
    return f"{micros / MICROS:,.4f}"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


def event_subject(event: Event) -> dict[str, Any]:
    """What an event is about, for the overview's list: a label and, for a number, its page."""
    try:
        body = msgspec.json.decode(event.body)
        data = body.get("data")
    except (msgspec.DecodeError, AttributeError):
        body, data = None, None
    if not isinstance(data, dict):
        return _flow_subject(body)
    ident = str(data.get("id") or "")
    if ident.endswith("CH") and data.get("phone_number"):
        label = f"{data['phone_number']} → {data.get('status', '')}"
        return {"label": label, "href": f"/hub/channels/{ident}"}
    if ident.endswith("CL"):
        return {"label": str(data.get("name") or ident), "href": f"/hub/clients/{ident}"}
    if "name" in data and "status" in data:  # a template
        return {"label": f"template {data['name']}: {data['status']}", "href": None}
    return {"label": str(data.get("message") or ""), "href": None}


def _flow_subject(body: Any) -> dict[str, Any]:
    """A WABA-level ``flows`` webhook (Meta's shape, issue 18): the Flow and what happened."""
    try:
        value = body["entry"][0]["changes"][0]["value"]
        flow_id = value["flow_id"]
    except (KeyError, IndexError, TypeError):
        return {"label": "", "href": None}
    what = value.get("new_status") or " ".join(
        str(value[k]) for k in ("event", "alert_state") if value.get(k)
    )
    return {"label": f"Flow {flow_id}: {what}".strip(": "), "href": None}


HELPERS = {"when": when, "iso": iso, "money": money, "percent": percent}
