"""Request rate limits (spec §3.5), on the ``limits`` library's moving window.

The app state holds one :class:`RateLimits`. Its storage is in-process memory by default; a
``redis://`` URL (``PARTNERHUB_REDIS_URL``; the server extra installs ``limits[async-redis]``)
shares the budgets between processes. If that storage cannot be reached, requests are let
through (with a warning every 10 s) rather than refused: a limit protects the service, it is not
the service.

In Redis every key starts with a prefix (``PARTNERHUB_REDIS_KEY_PREFIX``, ``partnerhub``), and
:meth:`RateLimits.reset` deletes the keys under it only. Under the library's own default prefix,
shared by every program that uses ``limits``, one hub's reset (``POST /_emulator/reset``, or a
test's) would refill the budgets of every other hub, test run or application counting in that
Redis database. The processes of one hub share one prefix, hence one budget.

Time is real time, not the app's clock: ``limits`` reads ``time.time()`` inside its storages
(and Redis its own clock) and offers no way to inject another. So advancing the emulator's
virtual clock does not refill a budget; ``POST /_emulator/reset`` clears every budget instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from urllib.parse import urlparse

import structlog
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, RateLimiter
from limits.storage import storage_from_string

from partnerhub.domain.errors import RateLimited
from partnerhub.domain.ratelimit import Rule

log = structlog.get_logger("partnerhub.ratelimit")
# While the storage is down, one warning this often (every request fails the same way).
_WARN_EVERY_SECONDS = 10.0


# The ``limits`` library's item for each rule, built on first use: the rule itself is a pure
# domain value (:mod:`partnerhub.domain.ratelimit`) that knows nothing of the library.
_ITEMS: dict[Rule, RateLimitItem] = {}


def _item(rule: Rule) -> RateLimitItem:
    item = _ITEMS.get(rule)
    if item is None:
        item = _ITEMS[rule] = RateLimitItemPerSecond(rule.amount, rule.seconds, namespace=rule.name)
    return item


def async_storage_url(url: str) -> str:
    """``memory://`` and ``redis://…`` as people write them, mapped to the asyncio storages."""
    return url if url.startswith("async+") else f"async+{url}"


def _takes_key_prefix(url: str) -> bool:
    """The Redis storages (plain, cluster, sentinel; Valkey too) take a key prefix; the others
    would hand an unknown ``key_prefix`` argument on to their client and fail."""
    scheme = urlparse(url).scheme
    return "redis" in scheme or "valkey" in scheme


DEFAULT_KEY_PREFIX = "partnerhub"


class RateLimits:
    def __init__(
        self, storage_url: str = "memory://", key_prefix: str = DEFAULT_KEY_PREFIX
    ) -> None:
        options = {"key_prefix": key_prefix} if _takes_key_prefix(storage_url) else {}
        storage = storage_from_string(async_storage_url(storage_url), **options)
        if not isinstance(storage, Storage):  # pragma: no cover - async_storage_url ensures it
            raise TypeError(f"not an asyncio rate limit storage: {storage_url}")
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        # The general per-credential budget counts every request: a fixed window is one counter
        # increment, where a moving window keeps (and scans) a timestamp per request.
        self._coarse = FixedWindowRateLimiter(storage)
        self._last_warning = -_WARN_EVERY_SECONDS

    async def hit(self, rule: Rule, identifier: str) -> None:
        """Count one request against ``rule`` for ``identifier``, or raise :class:`RateLimited`."""
        await self._spend(self._limiter, rule, identifier)

    async def hit_budget(self, rule: Rule, identifier: str) -> None:
        """:meth:`hit` on a fixed window: for budgets that every request spends."""
        await self._spend(self._coarse, rule, identifier)

    async def _spend(self, limiter: RateLimiter, rule: Rule, identifier: str) -> None:
        try:
            item = _item(rule)
            if await limiter.hit(item, identifier):
                return
            stats = await limiter.get_window_stats(item, identifier)
        except Exception as exc:
            # The shared storage (Redis) is unreachable: let the request through rather than
            # fail every request of every process; a limit is protection, not the service.
            self._storage_failed(exc)
            return
        retry_after = math.ceil(stats.reset_time - time.time())
        raise RateLimited(rule.message, retry_after, rule.amount, rule.seconds)

    def _storage_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning >= _WARN_EVERY_SECONDS:
            self._last_warning = now
            log.warning("rate_limit_storage_unavailable", error=f"{type(exc).__name__}: {exc}")

    async def reset(self) -> None:
        """Refill every budget of this hub: in Redis, the keys under its prefix (all processes)."""
        # The memory storage's expiry task reads its dictionaries across awaits without holding
        # off a reset (limits 5.8): stop it first, or it dies with a KeyError. The next hit
        # starts it again.
        await self._stop_expiry()
        await self._storage.reset()

    async def aclose(self) -> None:
        # The memory storage expires entries in a task of its own; do not leave it running
        # into a closed event loop.
        await self._stop_expiry()
        # ``limits`` never closes its Redis client (limits 5.8, coredis 5): its sockets would be
        # left to the garbage collector, after the loop that could close them is gone.
        client = getattr(getattr(self._storage, "bridge", None), "storage", None)
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            pool.disconnect()

    async def _stop_expiry(self) -> None:
        timer = getattr(self._storage, "timer", None)
        if isinstance(timer, asyncio.Task) and not timer.done():
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
