"""A clock that stands still until the test moves it.

Every timestamp a service writes in a test is then known in advance, and time-based rules
(expiry, review steps, lockout windows, the 24-hour window) are driven by :meth:`advance`,
not by waiting. It depends on nothing but the domain's ``Clock`` protocol, so the service
tests need neither the emulator's virtual clock nor real time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

START = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._now += timedelta(seconds=seconds)
        return self._now
