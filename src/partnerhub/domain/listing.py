"""List queries (spec §3.3): ``limit``, ``offset``, ``sort`` and a JSON ``filters`` object.

Parsing and validation live here so that every list endpoint refuses the same bad input with
the same message; adapters turn a :class:`ListQuery` into SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.text import clean_text

_TYPE_NAMES = {str: "string", bool: "boolean", int: "whole number"}

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1  # what every database takes as an OFFSET


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool


@dataclass(frozen=True)
class ListQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    sort: tuple[SortKey, ...] = ()
    filters: dict[str, Any] = field(default_factory=dict)

    def with_filters(self, filters: dict[str, Any]) -> ListQuery:
        return ListQuery(self.limit, self.offset, self.sort, filters)

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
        if name not in sortable:
            raise InvalidInput("sort", f"cannot sort by '{name}'; allowed: {', '.join(sortable)}")
        sort_keys.append(SortKey(name, descending))

    parsed_filters: dict[str, Any] = {}
    if filters:
        try:
            decoded = msgspec.json.decode(filters)
        except msgspec.DecodeError:
            raise InvalidInput("filters", "must be a URL-encoded JSON object") from None
        if not isinstance(decoded, dict):
            raise InvalidInput("filters", "must be a JSON object")
        for key, value in decoded.items():
            if key not in filterable:
                raise InvalidInput(
                    "filters", f"unknown filter '{key}'; allowed: {', '.join(filterable)}"
                )
            expected = filterable[key]
            # bool is an int in Python: check it first, so that true is never taken for 1.
            if isinstance(value, bool) is not (expected is bool) or not isinstance(value, expected):
                raise InvalidInput(f"filters.{key}", f"must be a {_TYPE_NAMES[expected]}")
            if isinstance(value, str):
                value = clean_text(f"filters.{key}", value)
            parsed_filters[key] = value

    return ListQuery(
        limit=_non_negative_int("limit", limit, DEFAULT_LIMIT, MAX_LIMIT),
        offset=_non_negative_int("offset", offset, 0, MAX_OFFSET),
        sort=tuple(sort_keys),
        filters=parsed_filters,
    )
