"""Failed password checks and trusted addresses (the login lockout)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    String,
    Table,
)

from partnerhub.adapters.tables.base import UTCDateTime, metadata

# Every password check's failures (POST /api/v2/token, /hub/login, the onboarding page's client
# login), by account ("user:<email>" or "client:<partner id>:<email>") and client address, and
# the addresses that recently passed an account's password: the lockout of
# domain/auth/lockout.py, kept here so that it holds across processes and restarts.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(400), nullable=False),
    Column("address", String(64), nullable=False),
    Column("failed_at", UTCDateTime, nullable=False),
)
Index("ix_login_failures_account", login_failures.c.account, login_failures.c.failed_at)
Index("ix_login_failures_address", login_failures.c.address, login_failures.c.failed_at)

login_trusted_addresses = Table(
    "login_trusted_addresses",
    metadata,
    Column("account", String(400), primary_key=True),
    Column("address", String(64), primary_key=True),
    Column("last_success_at", UTCDateTime, nullable=False),
)
