"""The app under test, wired to the plugin's fixtures: this is all a partner needs to write.

``partner`` (a fresh partner on a real partnerhub server), ``webhook_receiver`` (a real HTTP
endpoint the partner's webhooks go to, signature-checked) and ``emulator`` (Meta, WhatsApp users
and the clock) come from partnerhub's pytest plugin; nothing here fakes the hub.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from partner_app.app import PartnerApp
from partnerhub.testing import ReceivedWebhook, TestPartner, WebhookReceiver


@pytest.fixture
def app(partner: TestPartner, webhook_receiver: WebhookReceiver) -> Iterator[PartnerApp]:
    """The back end, receiving every webhook the receiver gets (its real handler code)."""
    backend = PartnerApp(
        partner.client,
        platform_secret=partner.platform_secret or "",
        public_url=webhook_receiver.url,
    )
    backend.install()

    def deliver(delivery: ReceivedWebhook) -> int:
        return backend.handle(delivery.path, delivery.headers, delivery.raw)

    webhook_receiver.handle(deliver)
    yield backend
    backend.close()
