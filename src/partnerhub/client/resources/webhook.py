"""``…/webhook_url`` and the webhook settings: URL, auto-approval, signatures, test events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from partnerhub.client._base import (
    AsyncCore,
    Call,
    SyncCore,
    call,
    expect,
    twin_docs,
)
from partnerhub.client.resources._common import (
    _Resource,
)
from partnerhub.wire import partners as wire_partners
from partnerhub.wire import webhooks as wire_webhooks

# --------------------------------------------------------------------------- webhook


class _WebhookCalls(_Resource):
    def _get(self) -> Call[wire_partners.WebhookUrlOut]:
        return call("GET", f"{self._base}/webhook_url", expect(wire_partners.WebhookUrlOut))

    def _set(
        self, url: str | None, headers: Mapping[str, str] | UnsetType | None
    ) -> Call[wire_partners.Partner]:
        body = wire_partners.WebhookUrlIn(
            webhook_url=url,
            headers=headers if headers is None or headers is UNSET else dict(headers),
        )
        return call("POST", f"{self._base}/webhook_url", expect(wire_partners.Partner), json=body)

    def _auto_approve(self, enabled: bool) -> Call[wire_partners.PartnerChangeRequestOut]:
        return call(
            "PATCH",
            f"{self._base}/settings/partner_change_request",
            expect(wire_partners.PartnerChangeRequestOut),
            json=wire_partners.PartnerChangeRequestIn(auto_approve=enabled),
        )

    def _io_signature(self, enabled: bool) -> Call[wire_partners.IoSignatureSetting]:
        return call(
            "PATCH",
            f"{self._base}/settings/io_signature",
            expect(wire_partners.IoSignatureSetting),
            json=wire_partners.IoSignatureSetting(enabled=enabled),
        )

    def _platform_secret(
        self, grace_period_seconds: int | None
    ) -> Call[wire_webhooks.PlatformSecret]:
        body: Any = (
            msgspec.UNSET  # no body: the server's default grace period
            if grace_period_seconds is None
            else wire_webhooks.PlatformSecretRequest(grace_period_seconds=grace_period_seconds)
        )
        return call(
            "POST",
            f"{self._base}/platform_secret",
            expect(wire_webhooks.PlatformSecret),
            json=body,
        )

    def _test(self, count: int) -> Call[wire_webhooks.TestEventSent]:
        return call(
            "POST",
            f"{self._base}/webhook_url/test",
            expect(wire_webhooks.TestEventSent),
            json=wire_webhooks.TestEventRequest(count=count),
        )


class Webhook(_WebhookCalls):
    """The partner webhook: URL and headers, signing secret, and related settings."""

    def __init__(self, core: SyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    def get(self) -> str | None:
        """The webhook URL (``None`` when unset)."""
        return self._core.send(self._get()).webhook_url

    def status(self) -> wire_partners.WebhookUrlOut:
        """The URL with its state: ``webhook_disabled_at`` / ``webhook_disabled_reason`` are set
        while a 410 Gone has disabled it (partnerhub; ``None`` on hubs that do not say)."""
        return self._core.send(self._get())

    def set(
        self, url: str | None, *, headers: Mapping[str, str] | UnsetType | None = UNSET
    ) -> wire_partners.Partner:
        """Set the URL; ``headers`` go with every delivery (omit to keep, ``None`` to drop)."""
        return self._core.send(self._set(url, headers))

    def set_auto_approve(self, enabled: bool) -> wire_partners.PartnerChangeRequestOut:
        """``settings/partner_change_request``: approve partner change requests unasked."""
        return self._core.send(self._auto_approve(enabled))

    def set_io_signature(self, enabled: bool) -> wire_partners.IoSignatureSetting:
        """``settings/io_signature``: require signed onboarding links (needs a platform secret)."""
        return self._core.send(self._io_signature(enabled))

    def regenerate_platform_secret(self, grace_period_seconds: int | None = None) -> str:
        """A new platform secret (``whsec_…``), shown once. The old one keeps verifying for
        ``grace_period_seconds`` (the server's default, 24 h, when ``None``; 0 stops it at
        once, for a leaked secret)."""
        return self._core.send(self._platform_secret(grace_period_seconds)).platform_secret

    def send_test(self, count: int = 1) -> wire_webhooks.TestEventSent:
        """Queue ``count`` ``webhook_test`` events through the real delivery engine."""
        return self._core.send(self._test(count))


@twin_docs(Webhook)
class AsyncWebhook(_WebhookCalls):
    def __init__(self, core: AsyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    async def get(self) -> str | None:
        return (await self._core.send(self._get())).webhook_url

    async def status(self) -> wire_partners.WebhookUrlOut:
        return await self._core.send(self._get())

    async def set(
        self, url: str | None, *, headers: Mapping[str, str] | UnsetType | None = UNSET
    ) -> wire_partners.Partner:
        return await self._core.send(self._set(url, headers))

    async def set_auto_approve(self, enabled: bool) -> wire_partners.PartnerChangeRequestOut:
        return await self._core.send(self._auto_approve(enabled))

    async def set_io_signature(self, enabled: bool) -> wire_partners.IoSignatureSetting:
        return await self._core.send(self._io_signature(enabled))

    async def regenerate_platform_secret(self, grace_period_seconds: int | None = None) -> str:
        return (await self._core.send(self._platform_secret(grace_period_seconds))).platform_secret

    async def send_test(self, count: int = 1) -> wire_webhooks.TestEventSent:
        return await self._core.send(self._test(count))
