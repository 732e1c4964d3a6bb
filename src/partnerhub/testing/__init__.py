"""Test your partnerhub / 360dialog integration against a real partnerhub server.

The pytest fixtures (``partnerhub_server``, ``partner``, ``webhook_receiver``, ``emulator``)
live in :mod:`partnerhub.pytest_plugin`, which pytest loads on its own once partnerhub is
installed; these are the objects they hand out, usable without pytest too. Nothing here imports
the server: it runs as a subprocess (install ``partnerhub[server]``). See docs/testing.md.
"""

from partnerhub.testing._emulator import Emulator, Onboarded, new_phone_number, seconds_of
from partnerhub.testing._partner import TestPartner
from partnerhub.testing._receiver import ReceivedWebhook, ReceiverServer, WebhookReceiver
from partnerhub.testing._server import PartnerhubServer, ServerError

__all__ = [
    "Emulator",
    "Onboarded",
    "PartnerhubServer",
    "ReceivedWebhook",
    "ReceiverServer",
    "ServerError",
    "TestPartner",
    "WebhookReceiver",
    "new_phone_number",
    "seconds_of",
]
