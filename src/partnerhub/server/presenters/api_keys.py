"""Partner API keys on the wire (listed masked; the secret only once, when issued)."""

from __future__ import annotations

from partnerhub.domain.clock import isoformat
from partnerhub.domain.keys.model import ApiKey, IssuedKey
from partnerhub.wire import api_keys as wire_keys


def api_key(key: ApiKey) -> wire_keys.ApiKey:
    return wire_keys.ApiKey(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        created_at=isoformat(key.created_at) or "",
        last_used_at=isoformat(key.last_used_at),
    )


def issued_key(issued: IssuedKey) -> wire_keys.ApiKeyCreated:
    key = issued.key
    return wire_keys.ApiKeyCreated(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        created_at=isoformat(key.created_at) or "",
        last_used_at=isoformat(key.last_used_at),
        api_key=issued.secret,
    )
