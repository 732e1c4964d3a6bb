"""Which address a request comes from, for the per-address login budgets and lockout.

The TCP peer, unless it is one of ``PARTNERHUB_TRUSTED_PROXIES``: then the rightmost
``X-Forwarded-For`` hop that is not itself a trusted proxy (the hops to its left were written by
the client and prove nothing). An IPv6 client is counted by its /64, the smallest block one
subscriber is usually given: counting single IPv6 addresses would let one attacker rotate
through billions of them.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from litestar import Request

UNKNOWN = "unknown"
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(setting: str) -> tuple[_Network, ...]:
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in setting.split(",")
        if part.strip()
    )


def _parse(text: str) -> _Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _key(address: _Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def client_address(request: Request[Any, Any, Any], trusted_proxies: str) -> str:
    peer = _parse(request.client.host) if request.client and request.client.host else None
    if peer is None:
        return UNKNOWN
    proxies = _networks(trusted_proxies)
    if not any(peer in network for network in proxies):
        return _key(peer)
    hops = request.headers.get("x-forwarded-for", "").split(",")
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # garbage from here leftwards: the last proxy's peer is what we know
        peer = address
        if not any(address in network for network in proxies):
            break
    return _key(peer)
