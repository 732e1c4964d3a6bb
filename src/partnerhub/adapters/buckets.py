"""SQL expressions that cut a timestamp column into UTC half hours, days or months.

Reports group usage in the database, not in Python, so that a year of records is summed where
it lies. SQLite and PostgreSQL spell date formatting differently; both produce the same text
key, which :func:`parse_key` turns back into the period's start. Timestamps are stored as naive
UTC (``tables.UTCDateTime``), so no time-zone conversion happens in SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, case, extract, func

from partnerhub.domain.billing.periods import Granularity

# Keys: day "2026-11-05", month "2026-11-01", half hour "2026-11-05T13:30".
_SQLITE = {
    Granularity.DAY: "%Y-%m-%d",
    Granularity.MONTH: "%Y-%m-01",
    Granularity.HALF_HOUR: "%Y-%m-%dT%H:",
}
_POSTGRES = {
    Granularity.DAY: "YYYY-MM-DD",
    Granularity.MONTH: 'YYYY-MM-"01"',
    Granularity.HALF_HOUR: 'YYYY-MM-DD"T"HH24:',
}


def period_key(
    column: ColumnElement[Any], granularity: Granularity, dialect: str
) -> ColumnElement[str]:
    if dialect == "postgresql":
        key: ColumnElement[str] = func.to_char(column, _POSTGRES[granularity], type_=String)
        first_half = extract("minute", column) < 30
    else:
        key = func.strftime(_SQLITE[granularity], column, type_=String)
        first_half = func.strftime("%M", column, type_=String) < "30"
    if granularity != Granularity.HALF_HOUR:
        return key
    return key + case((first_half, "00"), else_="30")


def parse_key(key: str, granularity: Granularity) -> datetime:
    pattern = "%Y-%m-%dT%H:%M" if granularity == Granularity.HALF_HOUR else "%Y-%m-%d"
    return datetime.strptime(key, pattern).replace(tzinfo=UTC)
