"""The metadata every table belongs to (with the constraint naming convention) and the
column type for instants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Dialect,
    MetaData,
    TypeDecorator,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def stored_instant(value: datetime | None) -> datetime | None:
    """An aware instant as the column stores it: naive UTC. Naive input is refused."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not allowed; use timezone-aware UTC")
    return value.astimezone(UTC).replace(tzinfo=None)


def sqlite_instant(value: datetime) -> str:
    """An aware instant as SQLite's DATETIME column holds it: naive-UTC text with microseconds
    (what SQLAlchemy's SQLite dialect writes for :class:`UTCDateTime`), for statements run on
    the driver itself. It compares as text in time order, as the column's own values do."""
    stored = stored_instant(value)
    assert stored is not None
    return stored.isoformat(" ", "microseconds")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC, whatever the backend does with time zones."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return stored_instant(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)
