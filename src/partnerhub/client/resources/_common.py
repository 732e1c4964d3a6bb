"""What every Partner API resource shares: its base path, path escaping, list arguments."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

DEFAULT_PAGE_SIZE = 100

Sort = str | Sequence[str] | None
Filters = Mapping[str, Any] | None
Moment = int | datetime | None


def _seg(value: str) -> str:
    """One path segment, escaped: ids and template names never change the URL's shape."""
    return quote(value, safe="")


def _sort(sort: Sort) -> str | builtins.list[str] | None:
    return sort if sort is None or isinstance(sort, str) else builtins.list(sort)


def _unix(value: Moment) -> int | None:
    """Balance/usage windows are UNIX seconds on the wire; accept aware datetimes too."""
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value


class _Resource:
    def __init__(self, partner_id: str) -> None:
        self._base = f"/api/v2/partners/{_seg(partner_id)}"
