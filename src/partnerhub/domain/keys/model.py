"""A partner API key as stored: never the secret, only its digest and display prefix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class ApiKey:
    id: str
    partner_id: str
    name: str
    prefix: str
    secret_digest: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class IssuedKey:
    """A key just created, with its secret: the only moment the secret exists outside the caller."""

    key: ApiKey
    secret: str
