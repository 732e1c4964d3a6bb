"""What differs between hub and emulator mode, decided once from the settings.

The core never asks which mode it runs in: it reads the rule it needs from the one
:class:`ModePolicy` the app state holds (``state.policy``), named after what it does (check
webhook destinations, mark cookies ``Secure``), not after the mode. Emulator-only features
(the ``/_emulator`` controls, the virtual clock, webhook faults) are not rules of the core at
all: the composition root (:mod:`partnerhub.app`) adds the :mod:`partnerhub.emulator` package
when :attr:`ModePolicy.emulator` says so, and hub mode runs without it.

This module and :mod:`partnerhub.server.settings` are the only places that read
``settings.mode``.
"""

from __future__ import annotations

from dataclasses import dataclass

from partnerhub.server.settings import Settings


@dataclass(frozen=True)
class ModePolicy:
    # Add the emulator package (its routes, clock control and faults) to the app.
    emulator: bool
    # Webhook URLs must reach public addresses: the SSRF rules, on save and on every delivery.
    ssrf_rules: bool
    # Dashboard cookies carry ``Secure`` (served over HTTPS in production).
    secure_cookies: bool
    # Partner API keys start with this: live keys on a hub, test keys in the emulator.
    key_prefix: str
    # /livez and /readyz name the data directory (a developer's machine, not a public host).
    names_data_dir: bool
    # GET /metrics needs PARTNERHUB_METRICS_TOKEN (and does not exist without one).
    metrics_need_token: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> ModePolicy:
        hub = settings.mode == "hub"
        return cls(
            emulator=settings.mode == "emulator",
            ssrf_rules=hub,
            secure_cookies=hub,
            key_prefix="ph_live_" if hub else "ph_test_",
            names_data_dir=not hub,
            metrics_need_token=hub,
        )
