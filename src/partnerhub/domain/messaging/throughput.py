"""The throughput of numbers that stay on the WhatsApp Business app (WhatsApp Coexistence).

Meta fixes a coexistence number's Cloud API throughput at 20 messages per second
(developers.facebook.com "Onboard WhatsApp Business app users", limitations), where other
numbers start at 80 and can be raised. A send over it is refused with 130429 ("Rate limit hit"),
as Meta refuses a send over a number's throughput. Other numbers are not limited here.

The window is one second of real time, counted in this process (rate limits run on real time,
not the virtual clock: adapters/ratelimit.py); docs/fidelity.md "Coexistence" records both.
"""

from __future__ import annotations

from collections import deque

from partnerhub.domain.messaging import errors

COEXISTENCE_MPS = 20
_WINDOW_SECONDS = 1.0
_MAX_CHANNELS = 10_000


class CoexistenceThroughput:
    """Sliding one-second windows, one per coexistence number."""

    def __init__(self, per_second: int = COEXISTENCE_MPS) -> None:
        self.per_second = per_second
        self._sent: dict[str, deque[float]] = {}

    def check(self, channel_id: str, now: float) -> None:
        """Count one send of ``channel_id`` at ``now`` (seconds, monotonic), or refuse it."""
        window = self._sent.get(channel_id)
        if window is None:
            if len(self._sent) >= _MAX_CHANNELS:
                self._sent.clear()
            window = self._sent[channel_id] = deque()
        while window and now - window[0] >= _WINDOW_SECONDS:
            window.popleft()
        if len(window) >= self.per_second:
            raise errors.rate_limit()
        window.append(now)
