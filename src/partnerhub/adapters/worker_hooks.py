"""Where a composition root may add to the background work (start-up, delivery rounds, the
simulated Meta side) without the core knowing who adds it.

The emulator package (:mod:`partnerhub.emulator`) plugs in here: it keeps its virtual clock in
step with the other processes before anything reads the time, and it injects the webhook
faults a test asked for. A hub adds nothing (:data:`NO_HOOKS`): the core then reads no emulator
state at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from partnerhub.adapters.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Fault:
    """What to do to one delivery instead of (or before) sending it."""

    # Record this status as the receiver's answer without sending anything (None: send).
    status: int | None
    # Wait this long before sending (or before recording the status).
    delay_ms: int


class WorkerHooks(Protocol):
    async def start(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        """Once per process, after migrations and before any background work."""
        ...

    async def sync_clock(self, uow: UnitOfWork) -> None:
        """Before a round reads the clock: adopt what other processes did to it."""
        ...

    async def take_faults(self, uow: UnitOfWork, count: int) -> Sequence[Fault | None]:
        """One entry per delivery about to be sent, in the order given; runs in the claiming
        transaction, so a fault is taken exactly once."""
        ...


class NoHooks:
    """The core on its own: real time, nothing injected."""

    async def start(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        return None

    async def sync_clock(self, uow: UnitOfWork) -> None:
        return None

    async def take_faults(self, uow: UnitOfWork, count: int) -> Sequence[Fault | None]:
        return [None] * count


NO_HOOKS: WorkerHooks = NoHooks()
