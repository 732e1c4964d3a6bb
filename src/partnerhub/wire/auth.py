"""Bodies of POST /api/v2/token (spec §2.2)."""

from __future__ import annotations

import msgspec


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Password grant (``username`` + ``password``) or refresh grant (``refresh_token``)."""

    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    grant_type: str | None = None
    # Sent by generic OAuth clients; accepted and ignored (there are no client registrations).
    client_id: str | None = None
    client_secret: str | None = None
    scope: str | None = None


class TokenResponse(msgspec.Struct):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
