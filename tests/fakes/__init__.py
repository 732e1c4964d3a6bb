"""In-memory fakes of the ports the domain services use (the Cosmic Python pattern).

Real implementations on dicts and lists, not mocks: a service test drives the service with a
:class:`FakeUnitOfWork` over a :class:`FakeDatabase` and asserts on what was committed (state,
events in the outbox), in microseconds and without a database.
"""

from tests.fakes.clock import FakeClock
from tests.fakes.services import FakeCache, FakeRateLimits
from tests.fakes.store import Tables, clone, decoded
from tests.fakes.unit_of_work import FakeDatabase, FakeUnitOfWork

__all__ = [
    "FakeCache",
    "FakeClock",
    "FakeDatabase",
    "FakeRateLimits",
    "FakeUnitOfWork",
    "Tables",
    "clone",
    "decoded",
]
