"""The query parameters of the balance and usage endpoints, validated into domain values.

Routes hand over the raw strings, so that every refusal is a 400 naming the parameter at fault
(spec §3.4), never the framework's generic validation error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from partnerhub.domain.billing.periods import Granularity
from partnerhub.domain.clock import parse_timestamp
from partnerhub.domain.errors import InvalidInput

# 9998-12-31T23:59:59Z: the last second of year 9998, so that the period after any usage and
# the exclusive end of any window still fit in a datetime (which ends with year 9999).
MAX_UNIX = 253_370_764_799
_UNSIGNED = re.compile(r"^[0-9]{1,12}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

# [360] the client balance endpoint takes ``day`` or ``month``.
CLIENT_GRANULARITIES: Mapping[str, Granularity] = {
    "day": Granularity.DAY,
    "month": Granularity.MONTH,
}
# [ours] the channel usage endpoint takes Meta's names, and the client balance's as aliases.
CHANNEL_GRANULARITIES: Mapping[str, Granularity] = {
    "half_hour": Granularity.HALF_HOUR,
    "daily": Granularity.DAY,
    "monthly": Granularity.MONTH,
    **CLIENT_GRANULARITIES,
}


@dataclass(frozen=True)
class UsageWindow:
    """From ``start`` to ``end``, both whole seconds and both included."""

    start: datetime
    end: datetime
    granularity: Granularity

    @property
    def end_exclusive(self) -> datetime:
        return self.end + timedelta(seconds=1)

    @property
    def start_unix(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_unix(self) -> int:
        return int(self.end.timestamp())


def parse_unix(field: str, raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    if not _UNSIGNED.match(raw):
        raise InvalidInput(field, "must be a non-negative integer (UNIX seconds)")
    value = int(raw)
    if value > MAX_UNIX:
        raise InvalidInput(field, f"must be at most {MAX_UNIX}")
    return value


def parse_granularity(
    raw: str | None, allowed: Mapping[str, Granularity], default: Granularity
) -> Granularity:
    if raw is None or raw == "":
        return default
    found = allowed.get(raw.strip().lower())
    if found is None:
        names = ", ".join(allowed)
        raise InvalidInput("granularity", f"must be one of: {names} (any case)")
    return found


def parse_window(
    start_raw: str | None, end_raw: str | None, granularity: Granularity, now: datetime
) -> UsageWindow:
    """``start_date`` defaults to 0 (the epoch), ``end_date`` to the current second."""
    start = parse_unix("start_date", start_raw, 0)
    end = parse_unix("end_date", end_raw, min(int(now.timestamp()), MAX_UNIX))
    if start > end:
        raise InvalidInput("start_date", "must not be after end_date")
    return UsageWindow(
        datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC), granularity
    )


def parse_country(field: str, raw: str) -> str:
    code = raw.strip().upper()
    if not _COUNTRY.match(code):
        raise InvalidInput(field, "must be a two-letter ISO 3166-1 country code, e.g. DE")
    return code


def parse_countries(raw: str | None) -> frozenset[str] | None:
    """A JSON list (``["DE","FR"]``) or comma-separated codes (``DE,FR``); None: every country."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            raise InvalidInput("countries", "is not a valid JSON list") from None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InvalidInput("countries", "must be a JSON list of country codes")
    else:
        items = text.split(",")
    if not items:
        return None
    return frozenset(parse_country("countries", item) for item in items)


def parse_instant(field: str, raw: str) -> datetime:
    """An ISO 8601 timestamp with a time zone (``2026-11-01T12:00:00Z``), as UTC."""
    return parse_timestamp(field, raw, require_zone=True, earliest_year=1970, whole_seconds=False)
