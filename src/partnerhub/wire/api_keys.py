"""Partner API keys as an API [ours]: the hub's "API Keys" section."""

from __future__ import annotations

from typing import Any

import msgspec


class ApiKeyCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: str


class ApiKey(msgspec.Struct):
    id: str
    name: str
    prefix: str
    created_at: str
    last_used_at: str | None


class ApiKeyCreated(msgspec.Struct):
    """The only response that ever carries the secret."""

    id: str
    name: str
    prefix: str
    created_at: str
    last_used_at: str | None
    api_key: str


class ApiKeyList(msgspec.Struct):
    limit: int
    offset: int
    sort: list[str]
    total: int
    count: int
    filters: dict[str, Any]
    api_keys: list[ApiKey]
