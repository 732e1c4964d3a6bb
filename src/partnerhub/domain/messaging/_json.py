"""Small readers for untrusted JSON that fail only with :class:`GraphError` naming the path.

Every reader takes the JSON path of the value it reads, so an error deep inside a message says
exactly which field was at fault (``interactive.action.buttons[2].reply.title``). ``None`` counts
as absent: JSON ``null`` for an optional field means "not given", for a required one "missing".
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from typing import Any

from partnerhub.domain.messaging.errors import (
    invalid_parameter,
    invalid_value,
    missing_parameter,
)

_MAX_KEY_SHOWN = 40
_NUMERIC_STRING = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,20})?")


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def item(path: str, index: int) -> str:
    return f"{path}[{index}]"


def shown(key: object) -> str:
    """A key as it may appear in an error: hostile keys can be huge or not strings at all."""
    text = key if isinstance(key, str) else repr(key)
    return text if len(text) <= _MAX_KEY_SHOWN else text[:_MAX_KEY_SHOWN] + "..."


def json_type(value: object) -> str:
    """The JSON name of a value's type, for "must be a string, got an array" messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "not a JSON value"


def obj(value: object, path: str, allowed: Collection[str]) -> dict[str, Any]:
    """A JSON object whose keys are all in ``allowed``; Graph refuses keys it does not know."""
    if not isinstance(value, dict):
        raise invalid_parameter(path, f"must be an object, got {json_type(value)}")
    for key in value:
        if not isinstance(key, str) or key not in allowed:
            raise invalid_parameter(join(path, shown(key)), "is not a valid parameter")
    return value


def required(parent: dict[str, Any], key: str, path: str) -> object:
    value = parent.get(key)
    if value is None:
        raise missing_parameter(join(path, key))
    return value


def storable(value: str, path: str) -> str:
    """Refuse what the database cannot hold: NUL (PostgreSQL text and jsonb refuse it) and lone
    surrogates (a JSON ``\\ud800`` escape decodes to one; UTF-8 cannot encode it)."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise invalid_value(path, "is not valid Unicode text") from None
    if "\x00" in value:
        raise invalid_value(path, "must not contain NUL characters")
    return value


def string(
    value: object, path: str, *, max_len: int | None = None, allow_empty: bool = False
) -> str:
    if not isinstance(value, str):
        raise invalid_parameter(path, f"must be a string, got {json_type(value)}")
    storable(value, path)
    if not allow_empty and not value.strip():
        raise invalid_value(path, "must not be empty")
    if max_len is not None and len(value) > max_len:
        raise invalid_value(path, f"must be at most {max_len} characters, got {len(value)}")
    return value


def req_str(parent: dict[str, Any], key: str, path: str, *, max_len: int | None = None) -> str:
    return string(required(parent, key, path), join(path, key), max_len=max_len)


def opt_str(
    parent: dict[str, Any],
    key: str,
    path: str,
    *,
    max_len: int | None = None,
    allow_empty: bool = False,
) -> str | None:
    value = parent.get(key)
    if value is None:
        return None
    return string(value, join(path, key), max_len=max_len, allow_empty=allow_empty)


def opt_bool(parent: dict[str, Any], key: str, path: str) -> bool | None:
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise invalid_parameter(join(path, key), f"must be a boolean, got {json_type(value)}")
    return value


def array(value: object, path: str, *, min_items: int = 0, max_items: int) -> list[Any]:
    if not isinstance(value, list):
        raise invalid_parameter(path, f"must be an array, got {json_type(value)}")
    if len(value) < min_items:
        raise invalid_value(path, f"must have at least {min_items} item(s)")
    if len(value) > max_items:
        raise invalid_value(path, f"must have at most {max_items} items, got {len(value)}")
    return value


def choice(value: object, path: str, options: Collection[str]) -> str:
    """One of a fixed set of names, compared case-insensitively and returned in lower case:
    Graph lists its enums in capitals and accepts either."""
    if not isinstance(value, str):
        raise invalid_parameter(path, f"must be a string, got {json_type(value)}")
    lowered = value.lower()
    if lowered not in options:
        listed = ", ".join(sorted(options))
        raise invalid_parameter(path, f"must be one of {{{listed}}}, got {shown(value)!r}")
    return lowered


def coordinate(parent: dict[str, Any], key: str, path: str, limit: float) -> float:
    """A latitude or longitude. Meta's examples send numbers and numeric strings; both pass."""
    at = join(path, key)
    value = required(parent, key, path)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise invalid_parameter(at, f"must be a number, got {json_type(value)}")
    if isinstance(value, str):
        if not _NUMERIC_STRING.fullmatch(value.strip()):
            raise invalid_parameter(at, "must be a number")
        value = float(value)
    # Compared before any float(): float() of a huge JSON integer raises OverflowError.
    if (isinstance(value, float) and not math.isfinite(value)) or not -limit <= value <= limit:
        raise invalid_value(at, f"must be between -{limit:g} and {limit:g}")
    return float(value)
