"""The one clock every time-based rule reads (token expiry, and later retries and lifecycle).

Real by default (:class:`SystemClock`); the emulator package brings a virtual clock
(:class:`partnerhub.emulator.clock.VirtualClock`) that it and tests move forward without
waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def isoformat(moment: datetime | None) -> str | None:
    """Spec §3.2: ISO 8601 UTC with a ``Z``, to the second, e.g. ``2023-01-02T12:00:00Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def isoformat_exact(moment: datetime | None) -> str | None:
    """Like :func:`isoformat`, with the microseconds when there are any: for documents that
    must round-trip (a world export), where the second is not enough to keep an order."""
    if moment is None or moment.microsecond == 0:
        return isoformat(moment)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(
    field: str,
    value: object,
    *,
    require_zone: bool = False,
    earliest_year: int = 2,
    whole_seconds: bool = True,
) -> datetime:
    """An ISO 8601 timestamp from a caller, as aware UTC (to the second unless
    ``whole_seconds`` is off: what :func:`isoformat` writes reads back unchanged). Without a
    zone it is UTC, or refused with ``require_zone``. Years up to 9998 only, so converting to UTC
    or adding a period to a bound stays inside what a datetime holds."""
    from partnerhub.domain.errors import InvalidInput
    from partnerhub.domain.text import clean_text

    message = "must be an ISO 8601 timestamp, e.g. 2026-01-02T12:00:00Z"
    if not isinstance(value, str):
        raise InvalidInput(field, message)
    try:
        moment = datetime.fromisoformat(clean_text(field, value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(field, message) from None
    if moment.tzinfo is None:
        if require_zone:
            raise InvalidInput(field, "must include a time zone, e.g. 2026-01-02T12:00:00Z")
        moment = moment.replace(tzinfo=UTC)
    if not earliest_year <= moment.year <= 9998:
        raise InvalidInput(field, f"must be between the years {earliest_year} and 9998")
    moment = moment.astimezone(UTC)
    if not earliest_year <= moment.year <= 9998:  # the zone moved it across the edge
        raise InvalidInput(field, f"must be between the years {earliest_year} and 9998")
    return moment.replace(microsecond=0) if whole_seconds else moment
