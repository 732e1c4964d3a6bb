"""When a requested cancellation takes effect: the end of the calendar month (docs/fidelity.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from partnerhub.domain.clients.lifecycle import cancellation_takes_effect


@pytest.mark.parametrize(
    ("requested", "effective"),
    [
        (datetime(2026, 12, 6, 9, 30, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        (datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
        (datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)),
        # A request at 00:30 on 1 May in UTC+2 is still April in UTC.
        (
            datetime(2026, 5, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))),
            datetime(2026, 5, 1, tzinfo=UTC),
        ),
    ],
)
def test_end_of_the_utc_month(requested: datetime, effective: datetime) -> None:
    assert cancellation_takes_effect(requested) == effective
