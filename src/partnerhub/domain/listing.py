"""List queries (spec §3.3): ``limit``, ``offset``, ``sort`` and a JSON ``filters`` object.

Parsing and validation live here so that every list endpoint refuses the same bad input with
the same message; adapters turn a :class:`ListQuery` into SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec

from partnerhub.domain.clock import parse_timestamp
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.text import clean_text

_TYPE_NAMES = {str: "string", bool: "boolean", int: "whole number"}
_BOUNDS = ("gt", "gte", "lt", "lte")

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1  # what every database takes as an OFFSET


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool


@dataclass(frozen=True)
class TimeRange:
    """A time filter [ours], as the half-open interval ``[gte, lt)``; either end may be open."""

    gte: datetime | None = None
    lt: datetime | None = None


@dataclass(frozen=True)
class ListQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    sort: tuple[SortKey, ...] = ()
    # Parsed values (a ``TimeRange`` for time fields); a key sent as ``null`` is left out.
    filters: dict[str, Any] = field(default_factory=dict)
    # The filters as the caller sent them, echoed in the list envelope.
    echo: dict[str, Any] = field(default_factory=dict)

    def with_filters(self, filters: dict[str, Any]) -> ListQuery:
        return ListQuery(self.limit, self.offset, self.sort, filters, self.echo)

    @property
    def sort_strings(self) -> list[str]:
        return [("-" if key.descending else "") + key.field for key in self.sort]


def _non_negative_int(name: str, raw: str | None, default: int, maximum: int | None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(name, "must be a whole number") from None
    if value < 0:
        raise InvalidInput(name, "must not be negative")
    if maximum is not None and value > maximum:
        raise InvalidInput(name, f"must be at most {maximum}")
    return value


def parse_list_query(
    *,
    limit: str | None,
    offset: str | None,
    sort: str | None,
    filters: str | None,
    sortable: Collection[str],
    filterable: Mapping[str, type],
) -> ListQuery:
    """Validate raw query strings against the fields this resource allows."""
    sort_keys: list[SortKey] = []
    for part in (sort or "").split(","):
        name = part.strip()
        if not name:
            continue
        descending = name.startswith("-")
        name = name.lstrip("-+")
        if not name:
            # A bare "-": the published .NET client's default ``sort`` (docs/fidelity.md),
            # which names no field: the default order.
            continue
        if name not in sortable:
            raise InvalidInput("sort", f"cannot sort by '{name}'; allowed: {', '.join(sortable)}")
        sort_keys.append(SortKey(name, descending))

    parsed_filters: dict[str, Any] = {}
    echo: dict[str, Any] = {}
    if filters:
        try:
            decoded = msgspec.json.decode(filters)
        except msgspec.DecodeError:
            raise InvalidInput("filters", "must be a URL-encoded JSON object") from None
        if not isinstance(decoded, dict):
            raise InvalidInput("filters", "must be a JSON object")
        echo = decoded
        for key, value in decoded.items():
            if key not in filterable:
                raise InvalidInput(
                    f"filters.{key}",
                    f"unknown filter '{key}'; allowed: {', '.join(filterable)}",
                )
            if value is None:
                # Typed clients send every member of their filter class, ``null`` for those
                # the caller did not set (docs/fidelity.md): no condition on this key.
                continue
            parsed_filters[key] = _filter_value(f"filters.{key}", value, filterable[key])

    return ListQuery(
        limit=_non_negative_int("limit", limit, DEFAULT_LIMIT, MAX_LIMIT),
        offset=_non_negative_int("offset", offset, 0, MAX_OFFSET),
        sort=tuple(sort_keys),
        filters=parsed_filters,
        echo=echo,
    )


def _filter_value(name: str, value: Any, expected: type) -> Any:
    if expected is datetime:
        return _time_range(name, value)
    # bool is an int in Python: check it first, so that true is never taken for 1.
    if isinstance(value, bool) is not (expected is bool) or not isinstance(value, expected):
        raise InvalidInput(name, f"must be a {_TYPE_NAMES[expected]}")
    if isinstance(value, str):
        value = clean_text(name, value)
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**31) <= value < 2**31:
        raise InvalidInput(name, "is out of range")  # what every database's INTEGER holds
    return value


def _time_range(name: str, value: Any) -> TimeRange:
    """Timestamps are shown to the second, so each bound names a whole second: ``gt`` T means
    from T+1s on, ``lte`` T up to the end of T, and a bare T the second itself."""
    second = timedelta(seconds=1)
    if not isinstance(value, dict):
        moment = parse_timestamp(name, value)
        return TimeRange(gte=moment, lt=moment + second)
    unknown = sorted(set(value) - set(_BOUNDS))
    if unknown or not value:
        raise InvalidInput(name, f"a range takes the bounds {', '.join(_BOUNDS)}")
    at = {bound: parse_timestamp(f"{name}.{bound}", v) for bound, v in value.items()}
    lower = [m for m in (at.get("gte"), at.get("gt") and at["gt"] + second) if m is not None]
    upper = [m for m in (at.get("lt"), at.get("lte") and at["lte"] + second) if m is not None]
    return TimeRange(gte=max(lower, default=None), lt=min(upper, default=None))
