"""Bearer-token sessions: refresh tokens grouped in families for reuse detection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CredentialKind(StrEnum):
    API_KEY = "api_key"
    BEARER = "bearer"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller of the Partner API."""

    partner_id: str
    kind: CredentialKind
    credential_id: str  # API key id, or the token family id


@dataclass
class TokenFamily:
    """One login: every refresh token descending from one password grant."""

    id: str
    user_id: str
    partner_id: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass
class RefreshToken:
    id: str
    family_id: str
    token_digest: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
