"""Pure billing rules: periods, money, and the usage endpoints' query parameters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from partnerhub.domain.billing.model import from_micros, to_micros
from partnerhub.domain.billing.periods import Granularity, next_period, period_start
from partnerhub.domain.billing.queries import (
    CHANNEL_GRANULARITIES,
    parse_countries,
    parse_granularity,
    parse_window,
)
from partnerhub.domain.errors import InvalidInput


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "granularity", "start", "following"),
    [
        ("2026-12-31T23:59:59", Granularity.MONTH, "2026-12-01", "2027-01-01"),
        ("2028-02-29T12:00:00", Granularity.DAY, "2028-02-29", "2028-03-01"),
        ("2026-11-05T10:29:59", Granularity.HALF_HOUR, "2026-11-05T10:00", "2026-11-05T10:30"),
        ("2026-11-05T23:30:00", Granularity.HALF_HOUR, "2026-11-05T23:30", "2026-11-06T00:00"),
    ],
)
def test_periods(moment: str, granularity: Granularity, start: str, following: str) -> None:
    begins = period_start(at(moment), granularity)
    assert begins == at(start)
    assert next_period(begins, granularity) == at(following)


def test_money_is_exact() -> None:
    assert to_micros("total", 0.1, allow_negative=False) == 100_000
    assert to_micros("total", 97.3869, allow_negative=False) == 97_386_900
    total = sum(to_micros("cost", 0.1, allow_negative=False) for _ in range(10))
    assert from_micros(total) == 1.0
    assert from_micros(-500_000) == -0.5
    for bad in (float("nan"), float("inf"), 1e10, True):
        with pytest.raises(InvalidInput):
            to_micros("total", bad, allow_negative=True)
    with pytest.raises(InvalidInput):
        to_micros("cost", -0.01, allow_negative=False)


def test_countries_two_ways() -> None:
    assert parse_countries("de, FR") == {"DE", "FR"}
    assert parse_countries('["de", "fr"]') == {"DE", "FR"}
    assert parse_countries("") is None
    assert parse_countries("[]") is None
    for bad in ("DEU", "D-", '["DE", null]', "[", "DE,"):
        with pytest.raises(InvalidInput):
            parse_countries(bad)


def test_granularity_and_window() -> None:
    assert parse_granularity("Half_Hour", CHANNEL_GRANULARITIES, Granularity.DAY) == (
        Granularity.HALF_HOUR
    )
    assert parse_granularity(None, CHANNEL_GRANULARITIES, Granularity.DAY) == Granularity.DAY
    now = at("2026-11-24T18:00:00.75")
    window = parse_window(None, None, Granularity.MONTH, now)
    assert (window.start_unix, window.end_unix) == (0, int(now.timestamp()))
    assert window.end_exclusive == at("2026-11-24T18:00:01")
