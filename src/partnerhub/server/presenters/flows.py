"""Flows as the Partner API answers them: only the ``fields`` asked for (Meta's field
expansion, e.g. ``id,name,preview.invalidate(false),metric.name(ENDPOINT_REQUEST_COUNT)``)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from partnerhub.domain.clients.model import WabaAccount
from partnerhub.domain.clock import isoformat
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.flows.model import EndpointRequest, Flow, FlowStatus

DEFAULT_FIELDS = ("id", "name", "categories", "validation_errors", "status")
AVAILABLE = (
    "id",
    "name",
    "categories",
    "validation_errors",
    "status",
    "json_version",
    "data_api_version",
    "data_channel_uri",
    "endpoint_uri",
    "preview",
    "whatsapp_business_account",
    "metric",
    "health_status",
    "updated_at",
)
METRICS = (
    "ENDPOINT_REQUEST_COUNT",
    "ENDPOINT_REQUEST_ERROR",
    "ENDPOINT_REQUEST_ERROR_RATE",
    "ENDPOINT_REQUEST_LATENCY_SECONDS_CEIL",
    "ENDPOINT_AVAILABILITY",
)
GRANULARITIES = {"DAY": timedelta(days=1), "HOUR": timedelta(hours=1), "LIFETIME": None}
MAX_DATA_POINTS = 90 * 24
_MODIFIER = re.compile(r"\.([a-z_]+)\(([^()]*)\)")


@dataclass(frozen=True)
class Field:
    name: str
    args: dict[str, str]


def _split(raw: str) -> list[str]:
    """Top-level comma-separated parts (commas inside parentheses belong to a modifier)."""
    parts, depth, current = [], 0, ""
    for ch in raw:
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def parse_fields(values: list[str]) -> list[Field]:
    """The ``fields`` query (repeated, comma-separated, or both); the default when absent."""
    raw = [part for value in values for part in _split(value)]
    if not raw:
        return [Field(name, {}) for name in DEFAULT_FIELDS]
    fields: list[Field] = []
    for part in raw:
        name, _, rest = part.partition(".")
        modifiers = "." + rest if rest else ""
        args = {m.group(1): m.group(2) for m in _MODIFIER.finditer(modifiers)}
        if name not in AVAILABLE or _MODIFIER.sub("", modifiers):
            raise InvalidInput(
                "fields", f"unknown field {part!r}; available: {', '.join(AVAILABLE)}"
            )
        fields.append(Field(name, args))
    return fields


def wants_preview_invalidated(fields: list[Field]) -> bool | None:
    """None: no preview asked; else whether ``preview.invalidate(true)`` was."""
    for f in fields:
        if f.name == "preview":
            return f.args.get("invalidate", "false").lower() == "true"
    return None


def preview_url(flow: Flow) -> str:
    # Meta's preview link (web preview of the Flow); the token is what makes it shareable.
    return (
        f"https://business.facebook.com/wa/manage/flows/{flow.id}/preview/"
        f"?token={flow.preview_token}"
    )


def _health(flow: Flow, waba: WabaAccount) -> dict[str, Any]:
    state = {
        FlowStatus.DRAFT: "AVAILABLE",
        FlowStatus.PUBLISHED: "AVAILABLE",
        FlowStatus.THROTTLED: "LIMITED",
    }.get(FlowStatus(flow.status), "BLOCKED")
    return {
        "can_send_message": state,
        "entities": [
            {"entity_type": "FLOW", "id": flow.id, "can_send_message": state},
            {"entity_type": "WABA", "id": waba.id, "can_send_message": "AVAILABLE"},
        ],
    }


def _date(value: str | None, default: datetime) -> datetime:
    if value is None:
        return default
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("fields", f"metric: {value!r} is not a date (YYYY-MM-DD)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _latency_key(latency_ms: int) -> str:
    seconds = max(1, math.ceil(latency_ms / 1000))
    return "10+" if seconds > 10 else str(seconds)


def metric_data(name: str, requests: Sequence[EndpointRequest]) -> list[dict[str, Any]]:
    """One data point's ``data`` from the endpoint requests in its interval (Meta's keys): data
    requests for the counts, errors and latencies; health checks (``ping``) for availability."""
    data = [r for r in requests if not r.is_ping]
    failed = [r.error_type for r in data if r.error_type is not None]
    if name == "ENDPOINT_REQUEST_COUNT":
        return [{"key": "value", "value": len(data)}]
    if name == "ENDPOINT_REQUEST_ERROR":
        return [{"key": k, "value": n} for k, n in sorted(Counter(failed).items())]
    if name == "ENDPOINT_REQUEST_ERROR_RATE":
        rate = round(len(failed) / len(data), 2) if data else 0
        return [{"key": "value", "value": rate}]
    if name == "ENDPOINT_REQUEST_LATENCY_SECONDS_CEIL":
        counts = Counter(_latency_key(r.latency_ms) for r in data)
        order = sorted(counts, key=lambda k: 11 if k == "10+" else int(k))
        return [{"key": k, "value": counts[k]} for k in order]
    checks = [r for r in requests if r.is_ping]
    succeeded = sum(r.error_type is None for r in checks)
    return [
        {"key": "succeeded", "value": succeeded},
        {"key": "failed", "value": len(checks) - succeeded},
    ]


def metric(
    args: dict[str, str], now: datetime, requests: Sequence[EndpointRequest] = ()
) -> dict[str, Any]:
    """Meta's Flow metric shape, counted from the endpoint requests WhatsApp made (the
    emulator's data-exchange control records them)."""
    name = args.get("name", "ENDPOINT_REQUEST_COUNT")
    granularity = args.get("granularity", "DAY")
    if name not in METRICS:
        raise InvalidInput("fields", f"metric name must be one of {', '.join(METRICS)}")
    if granularity not in GRANULARITIES:
        raise InvalidInput("fields", f"granularity must be one of {', '.join(GRANULARITIES)}")
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    until = _date(args.get("until"), today + timedelta(days=1))
    since = _date(args.get("since"), until - timedelta(days=7))
    if since >= until:
        raise InvalidInput("fields", "metric: since must be before until")
    step = GRANULARITIES[granularity]
    intervals = [(since, until)]
    if step is not None:
        intervals = []
        moment = since
        while moment < until and len(intervals) < MAX_DATA_POINTS:
            intervals.append((moment, min(moment + step, until)))
            moment += step
    return {
        "granularity": granularity,
        "name": name,
        "data_points": [
            {
                "timestamp": start.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "data": metric_data(name, [r for r in requests if start <= r.at < end]),
            }
            for start, end in intervals
        ],
    }


def flow(
    flow: Flow,
    waba: WabaAccount,
    fields: list[Field],
    now: datetime,
    requests: Sequence[EndpointRequest] = (),
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        if f.name == "preview":
            out["preview"] = {
                "preview_url": preview_url(flow),
                "expires_at": isoformat(flow.preview_expires_at),
            }
        elif f.name == "metric":
            out["metric"] = metric(f.args, now, requests)
        elif f.name == "health_status":
            out["health_status"] = _health(flow, waba)
        elif f.name == "whatsapp_business_account":
            out["whatsapp_business_account"] = {
                "id": waba.id,
                "name": waba.name,
                "message_template_namespace": waba.namespace,
                "timezone_id": waba.timezone_id,
            }
        elif f.name == "data_channel_uri":
            out["data_channel_uri"] = None  # Flow JSON 3.0+: the endpoint_uri replaces it
        elif f.name == "updated_at":
            out["updated_at"] = isoformat(flow.modified_at)
        else:
            out[f.name] = getattr(flow, f.name)
    # Meta always answers the id.
    return {"id": flow.id, **out}
