"""Phone numbers as the hub stores them (E.164), and the conflict of a number already taken."""

from __future__ import annotations

import re
from collections.abc import Sequence

from partnerhub.domain.errors import Conflict, InvalidInput
from partnerhub.domain.text import clean_text

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class NumbersTaken(Conflict):
    """Some of the numbers are already registered on this hub (they are in ``numbers``)."""

    def __init__(self, numbers: Sequence[str]) -> None:
        super().__init__(f"Phone number already registered on this hub: {', '.join(numbers)}")
        self.numbers = list(numbers)


def normalize_phone(field: str, raw: str) -> str:
    """E.164 (``+`` then 7-15 digits); spaces, dashes, dots and brackets are dropped first."""
    compact = re.sub(r"[\s\-().]", "", clean_text(field, raw))
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not E164.match(compact):
        raise InvalidInput(field, "must be an E.164 phone number, e.g. +4915112345678")
    return compact
