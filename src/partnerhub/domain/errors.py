"""Domain errors.

Services raise these; the HTTP layer maps each class to a status code and the spec's ``meta``
envelope in exactly one place (:mod:`partnerhub.server.errors`). The tree::

    DomainError
    ├── AuthenticationFailed     credentials missing, unknown, revoked or expired (401)
    ├── PermissionDenied         valid credentials, someone else's partner (403)
    ├── NotFound                 no such object *for this caller* (404)
    ├── Conflict                 the write clashes with existing state (409)
    ├── InvalidInput             the request names a field with a bad value (400)
    └── RateLimited              over a usage limit (429 with Retry-After; 400 in strict mode)
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class AuthenticationFailed(DomainError):
    """The caller could not be identified."""


class PermissionDenied(DomainError):
    """The caller is known but may not act on this resource."""


class NotFound(DomainError):
    """The object does not exist, or belongs to someone else (we do not tell which)."""


class Conflict(DomainError):
    """The write conflicts with the current state."""


class InvalidInput(DomainError):
    """A named field has a value the rules refuse."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", details=[f"{field}: {message}"])
        self.field = field


class InvalidInputs(InvalidInput):
    """Several fields at fault at once, all reported (the first names :attr:`field`): a caller
    fixes a template in one round trip, not one field per request."""

    def __init__(self, problems: list[InvalidInput]) -> None:
        first = problems[0]
        super().__init__(first.field, first.message.removeprefix(f"{first.field}: "))
        self.details = [detail for problem in problems for detail in problem.details]
        self.message = "; ".join(self.details)
        self.args = (self.message,)


class RateLimited(DomainError):
    """Too many requests within a limit's window; ``retry_after`` is in whole seconds (>= 1)."""

    def __init__(self, message: str, retry_after: int, limit: int = 0, window: int = 0) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)
        self.limit = limit  # requests allowed per ``window`` seconds (0: not known)
        self.window = window
