"""The Redis that tests share budgets through, and a key prefix of each test's own.

Every test run on the machine (parallel workers, other checkouts, CI) uses this one database,
and a reset deletes every key under its prefix: a test that shared the default prefix could
have its budget refilled halfway by another run's reset (the sixth request of five let
through). A fresh prefix per test keeps each test's counting to itself.
"""

from __future__ import annotations

import secrets

REDIS_URL = "redis://127.0.0.1:6379/15"


def fresh_prefix() -> str:
    return f"partnerhub-test-{secrets.token_hex(8)}"
