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
USAGE_RECORD = "UR"  # [ours]
CHANNEL_KEY = "CK"  # [ours]
TEMPLATE = "TP"  # [ours]


def new_id(suffix: str, length: int = 8) -> str:
    """A fresh id such as ``f167CmK2PA``; 62**8 random choices make collisions negligible.

    One call to the OS's randomness per id (not one per character): ids are minted on hot paths
    (a burst of events mints two per event). The 16 spare bits keep the modulo bias negligible.
    """
    number = secrets.randbits(6 * length + 16)
    chars = []
    for _ in range(length):
        number, index = divmod(number, 62)
        chars.append(_ALPHABET[index])
    return "".join(chars) + suffix
