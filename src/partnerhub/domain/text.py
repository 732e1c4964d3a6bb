"""Rules for free text that reaches the database."""

from __future__ import annotations

from partnerhub.domain.errors import InvalidInput


def clean_text(field: str, value: str) -> str:
    """Refuse NUL characters: PostgreSQL cannot store them in text, and no name needs one."""
    if "\x00" in value:
        raise InvalidInput(field, "must not contain NUL characters")
    return value
