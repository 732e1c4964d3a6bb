"""Small formatting helpers the dashboard's templates call (dates, money, event subjects)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from partnerhub.domain.billing.model import MICROS
from partnerhub.domain.webhooks.model import Event


def when(moment: datetime | None) -> str:
    """UTC to the minute, as the API's timestamps are UTC: no guessing of the reader's zone."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def iso(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def money(micros: int) -> str:
    return f"{micros / MICROS:,.4f}"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


def event_subject(event: Event) -> dict[str, Any]:
    """What an event is about, for the overview's list: a label and, for a number, its page."""
    try:
        data = msgspec.json.decode(event.body).get("data")
    except (msgspec.DecodeError, AttributeError):
        data = None
    if not isinstance(data, dict):
        return {"label": "", "href": None}
    ident = str(data.get("id") or "")
    if ident.endswith("CH") and data.get("phone_number"):
        label = f"{data['phone_number']} → {data.get('status', '')}"
        return {"label": label, "href": f"/hub/channels/{ident}"}
    if ident.endswith("CL"):
        return {"label": str(data.get("name") or ident), "href": f"/hub/clients/{ident}"}
    if "name" in data and "status" in data:  # a template
        return {"label": f"template {data['name']}: {data['status']}", "href": None}
    return {"label": str(data.get("message") or ""), "href": None}


HELPERS = {"when": when, "iso": iso, "money": money, "percent": percent}
