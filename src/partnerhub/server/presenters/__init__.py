"""Domain objects to wire Structs. Routes call these; nothing else builds response bodies.

One module per resource; this ``__init__`` is the package's API (``presenters.partner(p)``).
"""

from partnerhub.server.presenters.api_keys import api_key, issued_key
from partnerhub.server.presenters.billing import balance, channel_usage, client_balance
from partnerhub.server.presenters.business_profile import business_profile, profile_change
from partnerhub.server.presenters.clients import channel, client, waba_account
from partnerhub.server.presenters.messaging import (
    channel_key,
    issued_channel_key,
    messaging_webhook,
    multi_webhook,
    multi_webhook_changed,
    revoked_channel_keys,
)
from partnerhub.server.presenters.partners import partner, webhook_disabled_reason, webhook_url
from partnerhub.server.presenters.templates import template
from partnerhub.server.presenters.webhooks import delivery

__all__ = [
    "api_key",
    "balance",
    "business_profile",
    "channel",
    "channel_key",
    "channel_usage",
    "client",
    "client_balance",
    "delivery",
    "issued_channel_key",
    "issued_key",
    "messaging_webhook",
    "multi_webhook",
    "multi_webhook_changed",
    "partner",
    "profile_change",
    "revoked_channel_keys",
    "template",
    "waba_account",
    "webhook_disabled_reason",
    "webhook_url",
]
