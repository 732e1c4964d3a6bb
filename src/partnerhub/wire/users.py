"""Partner users as an API [ours]: list, password change, ending logins, disabling.

360dialog documents no such endpoints (docs/fidelity.md, "Partner users"); the shapes follow
the rest of our [ours] API: snake case, ISO 8601 timestamps, never a password or hash.
"""

from __future__ import annotations

import msgspec


class User(msgspec.Struct):
    id: str
    email: str
    created_at: str
    disabled: bool
    disabled_at: str | None


class UserList(msgspec.Struct):
    total: int
    users: list[User]


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    """The current password is required whoever asks, API key or bearer token."""

    current_password: str
    new_password: str


class UserPatch(msgspec.Struct, forbid_unknown_fields=True):
    disabled: bool


class LoginsRevoked(msgspec.Struct):
    """What a password change, a revoke or a disable ended."""

    revoked_token_families: int
    revoked_dashboard_sessions: int
