"""Validation rules for partner settings that the wire types alone cannot express."""

from __future__ import annotations

from urllib.parse import urlsplit

from partnerhub.domain.errors import InvalidInput

MAX_URL_LENGTH = 2048


def validate_url(field: str, value: str) -> str:
    """An absolute http(s) URL with a host. Empty strings are refused; use null to clear."""
    url = value.strip()
    if not url:
        raise InvalidInput(field, "must be an absolute http(s) URL; use null to clear it")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(field, f"must be at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput(field, "is not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(field, "must use the http or https scheme")
    if not parts.hostname:
        raise InvalidInput(field, "must be an absolute URL with a host")
    try:
        parts.hostname.encode("idna")
    except UnicodeError:
        raise InvalidInput(field, "has an invalid host name") from None
    if port == 0:
        raise InvalidInput(field, "has an invalid port")
    if any(ch.isspace() for ch in url):
        raise InvalidInput(field, "must not contain whitespace")
    return url


def validate_country(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise InvalidInput("country", "must be a two-letter ISO 3166-1 country code")
    return code


def validate_brand_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise InvalidInput("brand_name", "must not be empty")
    if len(name) > 255:
        raise InvalidInput("brand_name", "must be at most 255 characters")
    return name
