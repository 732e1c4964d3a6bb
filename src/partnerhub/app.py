"""The composition root: the core app, plus the emulator package when the mode asks for it.

The core (:mod:`partnerhub.server`, ``adapters``, ``domain``, ``wire``) never imports
:mod:`partnerhub.emulator`; this module decides, from the one
:class:`~partnerhub.server.policy.ModePolicy`, whether to add it: in emulator mode the
``/_emulator`` routes, the virtual clock and its hooks (clock kept in step across processes,
webhook faults); in hub mode nothing of the emulator is imported or mounted. ``partnerhub
serve`` (``partnerhub.app:create_app`` for its worker processes), ``partnerhub worker``, the
other CLI commands and the tests build their apps and states here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from partnerhub.server import state as core_state
from partnerhub.server.policy import ModePolicy
from partnerhub.server.settings import Settings

if TYPE_CHECKING:
    from litestar import Litestar

    from partnerhub.domain.clock import Clock
    from partnerhub.emulator.clock import VirtualClock
    from partnerhub.server.extensions import Extension


def compose(
    settings: Settings, clock: VirtualClock | None = None
) -> tuple[ModePolicy, Clock | None, Extension]:
    """The policy for ``settings``, the clock to run on and what to add to the core.

    ``clock``: a virtual clock a test moves by hand (in either mode); emulator mode makes one
    when none is given, the hub reads the system clock."""
    from partnerhub.server.extensions import CORE_ONLY

    policy = ModePolicy.from_settings(settings)
    if not policy.emulator:
        return policy, clock, CORE_ONLY
    from partnerhub.emulator import extension  # only here: hub mode never imports it

    runtime = extension.runtime(clock)
    return policy, runtime.clock, extension.extension(runtime)


def create_app(
    settings: Settings | None = None,
    *,
    migrate_on_start: bool = True,
    clock: VirtualClock | None = None,
) -> Litestar:
    from partnerhub.server import app as core_app  # the web framework: only to serve

    settings = settings or Settings()
    policy, run_on, added = compose(settings, clock)
    return core_app.create_app(
        settings, migrate_on_start=migrate_on_start, clock=run_on, policy=policy, extension=added
    )


def build_state(settings: Settings, clock: VirtualClock | None = None) -> core_state.AppState:
    """The state a CLI command or a worker process runs on (no HTTP app)."""
    policy, run_on, added = compose(settings, clock)
    return core_state.build_state(settings, run_on, policy=policy, hooks=added.hooks)
