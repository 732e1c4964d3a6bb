"""The emulator's clock control: a virtual clock that tests and partners move forward, kept
in step between the processes of one emulator through the database [ours].

The core reads any :class:`~partnerhub.domain.clock.Clock`; only the emulator moves one. Every
process keeps its own :class:`VirtualClock` and adopts the offset (and epoch) stored in the
``emulator_state`` row before it reads the time (:func:`catch_up`, called through the core's
worker hooks), so a jump made through one process is seen by all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from partnerhub.adapters.unit_of_work import UnitOfWork


class VirtualClock:
    """Real time shifted by an offset that only grows: time never runs backwards, except when
    an emulator reset (``POST /_emulator/reset {"scope": "clock"}``) starts a new *epoch* at
    offset 0. Every process adopts the newest epoch it reads from the database, and within an
    epoch the largest offset."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._epoch = 0

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += timedelta(seconds=seconds)
        return self.now()

    @property
    def offset_seconds(self) -> float:
        return self._offset.total_seconds()

    @property
    def epoch(self) -> int:
        return self._epoch

    def catch_up(self, offset_seconds: float, epoch: int = 0) -> None:
        """Adopt a larger offset set by another process (never a smaller one), or the offset
        of a newer epoch as it is (a reset turned the clock back to real time)."""
        if epoch > self._epoch:
            self._epoch, self._offset = epoch, timedelta(seconds=offset_seconds)
        elif epoch == self._epoch and offset_seconds > self._offset.total_seconds():
            self._offset = timedelta(seconds=offset_seconds)


async def catch_up(uow: UnitOfWork, clock: VirtualClock) -> None:
    """Adopt the offset and epoch other processes stored."""
    state = await uow.webhooks.emulator_state()
    clock.catch_up(state.clock_offset_seconds, state.clock_epoch)


async def advance(uow: UnitOfWork, clock: VirtualClock, seconds: float) -> None:
    """Move the clock on from the newest stored offset, and store where it got to."""
    state = await uow.webhooks.emulator_state()
    clock.catch_up(state.clock_offset_seconds, state.clock_epoch)
    clock.advance(seconds)
    state.clock_offset_seconds = clock.offset_seconds


async def reset(uow: UnitOfWork, clock: VirtualClock) -> None:
    """Back to real time in every process: a new epoch at offset 0."""
    state = await uow.webhooks.emulator_state()
    state.clock_epoch = max(state.clock_epoch, clock.epoch) + 1
    state.clock_offset_seconds = 0.0
    clock.catch_up(0.0, state.clock_epoch)
