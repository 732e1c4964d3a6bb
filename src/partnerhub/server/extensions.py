"""What a composition root may add to the core app, without the core knowing what it adds.

The core (domain, adapters, server, wire) imports no extension: :mod:`partnerhub.app` builds
the :class:`Extension` for the mode the :class:`~partnerhub.server.policy.ModePolicy` names
(the emulator package in emulator mode, nothing in hub mode) and hands it to
:func:`~partnerhub.server.app.create_app` and :func:`~partnerhub.server.state.build_state`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from partnerhub.adapters.worker_hooks import NO_HOOKS, WorkerHooks

if TYPE_CHECKING:  # a worker process builds its state without the web framework
    from litestar.types import ControllerRouterHandler


@dataclass(frozen=True)
class Extension:
    # Mounted next to the core's routes (the emulator: its /_emulator router).
    route_handlers: Sequence[ControllerRouterHandler] = field(default_factory=tuple)
    # Called by start-up, the delivery rounds and the simulator (the emulator: clock, faults).
    hooks: WorkerHooks = NO_HOOKS


CORE_ONLY = Extension()
