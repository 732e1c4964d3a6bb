"""Bearer access tokens (JWT, HS256) and opaque refresh tokens.

Expiry is checked against the injectable clock rather than PyJWT's wall clock, so a virtual clock
that moves forward expires tokens as a real day would.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import AuthenticationFailed

ISSUER = "partnerhub"
_ALGORITHM = "HS256"
_REQUIRED = ["exp", "iat", "sub", "partner_id", "jti", "fam"]


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    partner_id: str
    family_id: str
    token_id: str


class TokenCodec:
    def __init__(self, secret: str, clock: Clock, ttl_seconds: int) -> None:
        self._secret = secret
        self._clock = clock
        self.ttl_seconds = ttl_seconds

    def issue(
        self, *, user_id: str, partner_id: str, family_id: str, not_after: datetime | None = None
    ) -> str:
        """An access token for ``ttl_seconds``, cut short at ``not_after`` (its login's end)."""
        now = self._clock.now()
        expires = now + timedelta(seconds=self.ttl_seconds)
        if not_after is not None:
            expires = min(expires, not_after)
        claims = {
            "iss": ISSUER,
            "sub": user_id,
            "partner_id": partner_id,
            "fam": family_id,
            "jti": secrets.token_hex(12),
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def verify(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                issuer=ISSUER,
                options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            raise AuthenticationFailed("Invalid bearer token") from None
        if int(claims["exp"]) <= self._clock.now().timestamp():
            raise AuthenticationFailed("Bearer token has expired")
        return AccessClaims(
            user_id=str(claims["sub"]),
            partner_id=str(claims["partner_id"]),
            family_id=str(claims["fam"]),
            token_id=str(claims["jti"]),
        )


def new_refresh_secret() -> str:
    return "phr_" + secrets.token_urlsafe(32)


def refresh_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
