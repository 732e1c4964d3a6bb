"""Fakes of the services the domain is handed besides the unit of work: the read cache and the
rate limiter, with the methods the domain calls on them."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Collection, Hashable, Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import RateLimited


class FakeCache:
    """``CoherentCache``'s contract: a value put with an epoch older than the last
    invalidation is dropped (a load that raced a commit must not be cached)."""

    def __init__(self) -> None:
        self.data: dict[Hashable, Any] = {}
        self._epoch = 0

    def refresh(self) -> None:
        return None

    def epoch(self) -> int:
        return self._epoch

    def get(self, key: Hashable) -> Any:
        return self.data.get(key)

    def put(self, key: Hashable, value: Any, epoch: int, tags: Iterable[str] = ()) -> None:
        if epoch == self._epoch:
            self.data[key] = value

    async def fetch(
        self, key: Hashable, load: Callable[[], Awaitable[tuple[Any, Collection[str]]]]
    ) -> Any:
        hit = self.data.get(key)
        if hit is not None:
            return hit
        epoch = self._epoch
        value, tags = await load()
        self.put(key, value, epoch, tags)
        return value

    def invalidate(self) -> None:
        self.data.clear()
        self._epoch += 1


class Rule(Protocol):
    """What the fake reads of a rate limit rule (wherever the rule class lives)."""

    @property
    def name(self) -> str: ...
    @property
    def amount(self) -> int: ...
    @property
    def seconds(self) -> int: ...
    @property
    def message(self) -> str: ...


class FakeRateLimits:
    """A moving window per (rule, identifier) on the injected clock, so a test moves time on
    to refill a budget instead of waiting (the real limiter reads wall-clock time)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.hits: dict[tuple[str, str], list[datetime]] = {}

    async def hit(self, rule: Rule, identifier: str) -> None:
        now = self._clock.now()
        window = timedelta(seconds=rule.seconds)
        recent = [at for at in self.hits.get((rule.name, identifier), []) if now - at < window]
        if len(recent) >= rule.amount:
            self.hits[(rule.name, identifier)] = recent
            retry_after = math.ceil((recent[0] + window - now).total_seconds())
            raise RateLimited(rule.message, retry_after, rule.amount, rule.seconds)
        self.hits[(rule.name, identifier)] = [*recent, now]

    async def hit_budget(self, rule: Rule, identifier: str) -> None:
        await self.hit(rule, identifier)

    async def reset(self) -> None:
        self.hits.clear()

    def count(self, rule: Rule, identifier: str) -> int:
        return len(self.hits.get((rule.name, identifier), []))
