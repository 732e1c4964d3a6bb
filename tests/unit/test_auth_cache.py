"""The auth cache's invalidation rules (adapters/cache.py), without a database."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from partnerhub.adapters.cache import CoherentCache, SqliteChangeDetector


async def test_a_load_that_raced_a_change_to_what_it_read_is_not_kept() -> None:
    cache = CoherentCache(None)
    epoch = cache.epoch()
    cache.invalidate(["apikey:a"])  # committed while the load was reading
    cache.put("apikey:a", "stale", epoch, ["apikey:a"])
    assert cache.get("apikey:a") is None


async def test_a_load_that_raced_an_unrelated_change_is_kept() -> None:
    cache = CoherentCache(None)
    epoch = cache.epoch()
    cache.invalidate(["apikey:other", "partner:P2"])
    cache.put("apikey:a", "fresh", epoch, ["apikey:a"])
    assert cache.get("apikey:a") == "fresh"


async def test_invalidation_drops_only_the_entries_carrying_the_tag() -> None:
    cache = CoherentCache(None)
    cache.put("family:F1", True, cache.epoch(), ["family:F1", "user:U1", "partner:P1"])
    cache.put("partner:P1", "partner", cache.epoch(), ["partner:P1"])
    cache.put("apikey:a", "key", cache.epoch(), ["apikey:a"])
    cache.invalidate(["user:U1"])
    assert cache.get("family:F1") is None
    assert cache.get("partner:P1") == "partner" and cache.get("apikey:a") == "key"
    cache.invalidate(["*"])  # a write nobody could attribute
    assert cache.get("partner:P1") is None and cache.get("apikey:a") is None


async def test_entries_expire_and_a_disabled_cache_is_bypassed() -> None:
    cache = CoherentCache(None, ttl_seconds=0.0)
    cache.put("partner:P1", "partner", cache.epoch(), ["partner:P1"])
    await asyncio.sleep(0.001)
    assert cache.get("partner:P1") is None
    cache = CoherentCache(None, enabled=False)
    cache.put("partner:P1", "partner", cache.epoch(), ["partner:P1"])
    assert cache.get("partner:P1") is None


async def test_concurrent_misses_of_one_key_share_one_load() -> None:
    cache = CoherentCache(None)
    loads = 0

    async def load() -> tuple[str, list[str]]:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.01)
        return "value", ["partner:P1"]

    values = await asyncio.gather(*(cache.fetch("partner:P1", load) for _ in range(10)))
    assert values == ["value"] * 10 and loads == 1
    assert await cache.fetch("partner:P1", load) == "value" and loads == 1


async def test_the_sqlite_detector_reads_the_tags_bumped_by_other_connections(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("CREATE TABLE cache_versions (tag TEXT PRIMARY KEY, seq INTEGER NOT NULL)")
    detector = SqliteChangeDetector(path, look_interval_seconds=0)
    assert detector.changed() == ()
    writer.execute("INSERT INTO cache_versions VALUES ('apikey:a', 1), ('partner:P1', 1)")
    assert sorted(detector.changed() or ()) == ["apikey:a", "partner:P1"]
    assert detector.changed() == ()
    writer.execute("CREATE TABLE unrelated (x INTEGER)")
    writer.execute("INSERT INTO unrelated VALUES (1)")
    assert detector.changed() == ()  # a commit, but nothing cached changed
    writer.execute("DELETE FROM cache_versions")  # emptied: what changed is unknown
    assert detector.changed() is None
    detector.close()
    writer.close()


async def test_the_sqlite_detector_looks_at_most_once_per_interval(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("CREATE TABLE cache_versions (tag TEXT PRIMARY KEY, seq INTEGER NOT NULL)")
    detector = SqliteChangeDetector(path, look_interval_seconds=0.2)
    writer.execute("INSERT INTO cache_versions VALUES ('apikey:a', 1)")
    assert detector.changed() == ()  # within the interval of the first look (at creation)
    await asyncio.sleep(0.25)
    assert detector.changed() == ["apikey:a"]  # the next look, once the interval passed
    writer.execute("INSERT INTO cache_versions VALUES ('apikey:b', 2)")
    assert detector.changed() == ()
    await asyncio.sleep(0.25)
    assert detector.changed() == ["apikey:b"]
    detector.close()
    writer.close()
