"""Object ids in 360dialog's style: short random alphanumerics with a type suffix (spec §3.1)."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits

PARTNER = "PA"
CLIENT = "CL"
CHANNEL = "CH"
WABA_ACCOUNT = "WA"
API_KEY = "AK"  # [ours]: 360dialog does not document key ids
USER = "US"  # [ours]


def new_id(suffix: str, length: int = 8) -> str:
    """A fresh id such as ``f167CmK2PA``; 62**8 random choices make collisions negligible."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length)) + suffix
