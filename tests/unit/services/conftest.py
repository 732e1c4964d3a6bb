"""Fixtures of the service tests: a clock that stands still until moved, an in-memory database,
units of work over it, and argon2 made cheap (the services hash and verify passwords through
one module-level hasher; its parameters are the only thing changed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from argon2 import PasswordHasher

from partnerhub.domain.auth import passwords
from tests.fakes import FakeClock, FakeDatabase, FakeRateLimits, FakeUnitOfWork

_CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_CHEAP_DUMMY = _CHEAP.hash("partnerhub-dummy-password")


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(passwords, "_hasher", _CHEAP)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", _CHEAP_DUMMY)
    yield


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def new_uow(db: FakeDatabase) -> Callable[[], FakeUnitOfWork]:
    """A fresh unit of work on the test's database, to use as ``async with new_uow() as uow``."""
    return lambda: FakeUnitOfWork(db)


@pytest.fixture
def limits(clock: FakeClock) -> FakeRateLimits:
    return FakeRateLimits(clock)
