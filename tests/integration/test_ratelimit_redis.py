"""Budgets in Redis: the processes of one hub share them, and a reset refills only its own.

``limits`` puts every key under one default prefix and resets by deleting that prefix, so two
hubs (or two test runs) on one Redis database refilled each other's budgets: a run's reset
landing between another run's fifth and sixth request let the sixth through.
"""

from __future__ import annotations

import pytest

from partnerhub.adapters.ratelimit import RateLimits
from partnerhub.domain.errors import RateLimited
from partnerhub.domain.ratelimit import Rule
from tests.helpers.redis import REDIS_URL, fresh_prefix

RULE = Rule("test_reset_scope", 1, 60)


async def test_a_reset_refills_the_budgets_of_its_own_prefix_only() -> None:
    prefix = fresh_prefix()
    ours, same_hub, other_hub = (
        RateLimits(REDIS_URL, prefix),
        RateLimits(REDIS_URL, prefix),
        RateLimits(REDIS_URL, fresh_prefix()),
    )
    try:
        await ours.hit(RULE, "caller")
        with pytest.raises(RateLimited):  # one budget for the processes of one hub
            await same_hub.hit(RULE, "caller")
        await other_hub.hit(RULE, "caller")  # another hub counts on its own
        await other_hub.reset()
        with pytest.raises(RateLimited):  # and its reset leaves ours spent
            await ours.hit(RULE, "caller")
        await same_hub.reset()
        await ours.hit(RULE, "caller")
    finally:
        for limits in (ours, other_hub):
            await limits.reset()
        for limits in (ours, same_hub, other_hub):
            await limits.aclose()
