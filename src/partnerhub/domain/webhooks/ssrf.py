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


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _forbidden(address.ipv4_mapped)
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
    parts = urlsplit(url)
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
        reason = _forbidden(literal)
        if reason:
            raise UnsafeUrl(f"{host} is {reason}")
        return
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError:
        raise UnsafeUrl(f"host '{host}' does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        reason = _forbidden(address)
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
