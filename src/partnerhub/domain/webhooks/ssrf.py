"""Webhook URLs are untrusted input: in hub mode, refuse ones that point inside the network.

Checked when a URL is set and again before every delivery, because DNS answers can change.
In emulator mode local receivers are the point, so only the URL's form is checked.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from partnerhub.domain.errors import InvalidInput

_METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}
# Carrier-grade NAT space: not "private" to the ipaddress module, still not the internet.
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class UnsafeUrl(Exception):
    """The URL resolves somewhere a webhook must not go."""


def forbidden_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why a webhook may not go to ``address``, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        # IPv4 carried inside IPv6 (mapped, 6to4, Teredo) is judged by the IPv4 address.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return forbidden_reason(embedded)
        if address.teredo is not None:
            return forbidden_reason(address.teredo[1]) or forbidden_reason(address.teredo[0])
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "a reserved address (unspecified)"
    if address.is_link_local:
        return "a link-local address (this includes cloud metadata at 169.254.169.254)"
    if address.is_private or (isinstance(address, ipaddress.IPv4Address) and address in _SHARED):
        return "a private network address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address"
    return None


async def check_destination(url: str) -> None:
    """Raise :class:`UnsafeUrl` when ``url`` is not https or resolves to a forbidden address."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        raise UnsafeUrl("is not a valid URL") from None
    if parts.scheme != "https":
        raise UnsafeUrl("must use https")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host or host in _METADATA_HOSTS:
        raise UnsafeUrl(f"host '{host}' is not allowed")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        reason = forbidden_reason(literal)
        if reason:
            raise UnsafeUrl(f"{host} is {reason}")
        return
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise UnsafeUrl(f"host '{host}' does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        reason = forbidden_reason(address)
        if reason:
            raise UnsafeUrl(f"{host} resolves to {address}, {reason}")


async def validate_webhook_destination(field: str, url: str, *, hub_mode: bool) -> None:
    """For services: the same check, as a 400 naming the field."""
    if not hub_mode:
        return
    try:
        await check_destination(url)
    except UnsafeUrl as exc:
        raise InvalidInput(field, f"refused: {exc}") from None
