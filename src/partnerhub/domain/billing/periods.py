"""The time buckets usage is reported in, all in UTC: half hours, days and calendar months."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class Granularity(StrEnum):
    HALF_HOUR = "half_hour"
    DAY = "day"
    MONTH = "month"


def period_start(moment: datetime, granularity: Granularity) -> datetime:
    if granularity == Granularity.MONTH:
        return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if granularity == Granularity.DAY:
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(minute=moment.minute - moment.minute % 30, second=0, microsecond=0)


def next_period(start: datetime, granularity: Granularity) -> datetime:
    """The start of the period after the one that begins at ``start``."""
    if granularity == Granularity.MONTH:
        if start.month == 12:
            return start.replace(year=start.year + 1, month=1)
        return start.replace(month=start.month + 1)
    if granularity == Granularity.DAY:
        return start + timedelta(days=1)
    return start + timedelta(minutes=30)
