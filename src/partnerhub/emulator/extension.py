"""What the emulator adds to the core app: its routes and its runtime (clock, faults)."""

from __future__ import annotations

from partnerhub.emulator.clock import VirtualClock
from partnerhub.emulator.routes import emulator_router
from partnerhub.emulator.runtime import EmulatorRuntime
from partnerhub.server.extensions import Extension


def runtime(clock: VirtualClock | None = None) -> EmulatorRuntime:
    """The emulator runs on a virtual clock (real time plus an offset that only grows), so that
    tests and partners can jump ahead; a test may hand in the one it moves itself."""
    return EmulatorRuntime(clock or VirtualClock())


def extension(runtime: EmulatorRuntime) -> Extension:
    return Extension(route_handlers=(emulator_router(),), hooks=runtime)
