"""Which webhook addresses count as inside: IPv4 wrapped in IPv6, and the check at connect time."""

from __future__ import annotations

import ipaddress

import pytest

from partnerhub.adapters.delivery.engine import SafeResolver
from partnerhub.domain.webhooks.ssrf import forbidden_reason


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("2002:a9fe:a9fe::", "link-local"),  # 6to4 around 169.254.169.254
        ("::ffff:10.0.0.1", "private"),
        ("93.184.216.34", None),
    ],
)
def test_ipv4_inside_ipv6_is_judged_by_the_ipv4(address: str, reason: str | None) -> None:
    verdict = forbidden_reason(ipaddress.ip_address(address))
    assert (verdict is None) if reason is None else (reason in (verdict or ""))


async def test_hub_resolver_refuses_inside_addresses_at_connect_time() -> None:
    resolver = SafeResolver()
    try:
        with pytest.raises(OSError, match="refused"):
            await resolver.resolve("localhost", 443)
    finally:
        await resolver.close()
