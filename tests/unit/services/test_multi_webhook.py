"""The URL rules of ``/multi_webhook`` destinations: 360dialog's (no ``_`` in the host, no port)
and the SSRF rules in hub mode; in emulator mode the main webhook's (form only)."""

from __future__ import annotations

import pytest

from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.messaging.multi_webhook import check_url

FIELD = "destinations[0].url"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://your_webhook.example.com", "'_'"),
        ("https://subdomain.your_webhook.example.com/hook", "'_'"),
        ("https://subdomain.yourwebhook.example.com:3000", "port"),
        ("https://8.8.8.8:443/hook", "port"),
        ("http://8.8.8.8/hook", "https"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://10.0.0.1/hook", "private"),
        ("ftp://example.com/hook", "scheme"),
    ],
)
async def test_hub_mode_refuses(url: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        await check_url(FIELD, url, hub_mode=True)
    assert refused.value.field == FIELD
    assert reason in refused.value.message


async def test_hub_mode_accepts_a_public_https_url_without_port() -> None:
    assert await check_url(FIELD, "https://8.8.8.8/hook", hub_mode=True) == "https://8.8.8.8/hook"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8123/hook", "http://my_receiver:9000/x", "https://a.example"]
)
async def test_emulator_mode_follows_the_main_webhooks_policy(url: str) -> None:
    assert await check_url(FIELD, url, hub_mode=False) == url
