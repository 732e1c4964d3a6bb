"""The in-memory rate-limit storage survives a reset while its expiry task runs."""

from __future__ import annotations

import asyncio

from partnerhub.adapters.ratelimit import RateLimits
from partnerhub.domain.ratelimit import Rule


async def test_reset_during_expiry_leaves_no_failed_task() -> None:
    limits = RateLimits()
    rule = Rule("test_rule", 1000, 60)
    try:
        for n in range(300):
            await limits.hit(rule, f"id-{n}")
        timer = getattr(limits._storage, "timer", None)  # the library's expiry task
        assert isinstance(timer, asyncio.Task)
        await asyncio.sleep(0)  # the expiry task is inside its loop over the keys
        await limits.reset()
        await asyncio.sleep(0.2)
        assert timer.done()
        assert timer.cancelled() or timer.exception() is None
        # and counting starts again from zero afterwards
        await limits.hit(rule, "id-0")
    finally:
        await limits.aclose()
