"""The one clock every time-based rule reads (token expiry, and later retries and lifecycle).

Real by default; a :class:`VirtualClock` lets the emulator and tests move time forward without
waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class VirtualClock:
    """Real time shifted by an offset that only grows: time never runs backwards."""

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += timedelta(seconds=seconds)
        return self.now()

    @property
    def offset_seconds(self) -> float:
        return self._offset.total_seconds()

    def catch_up(self, offset_seconds: float) -> None:
        """Adopt a larger offset set by another process (never a smaller one)."""
        if offset_seconds > self._offset.total_seconds():
            self._offset = timedelta(seconds=offset_seconds)


def isoformat(moment: datetime | None) -> str | None:
    """Spec §3.2: ISO 8601 UTC with a ``Z``, to the second, e.g. ``2023-01-02T12:00:00Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
