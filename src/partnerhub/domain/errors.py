"""Domain errors: what went wrong, in the domain's words, never how HTTP says it.

Services raise these with the data a caller needs to act on them (the field at fault, a Graph
error code and subcode, the seconds to wait, an OAuth error code) and no HTTP status: each
surface's renderer maps a kind to its status, headers and body in one table. The tree::

    DomainError                            message, details
    ├── AuthenticationFailed               credentials missing, unknown, revoked or expired
    ├── PermissionDenied                   valid credentials, someone else's partner
    │   └── clients.signup.Refused         the onboarding link cannot be used
    ├── NotFound                           no such object *for this caller*
    ├── Conflict                           the write clashes with existing state
    │   └── clients.services.NumbersTaken  numbers already on this hub (numbers)
    ├── InvalidInput                       a named field has a bad value (field)
    │   └── InvalidInputs                  several fields at once, all reported
    ├── RateLimited                        over a usage limit (retry_after, limit, window)
    ├── messaging.errors.GraphError        a Messaging API refusal in Meta's terms (code,
    │                                      error_subcode, field, details, type)
    └── auth.services.TokenGrantError      a refused /token grant (OAuth error code;
                                           retry_after when locked out)

The surfaces and their renderers (modules under :mod:`partnerhub.server.errors`, handed to each
router by its ``registry``; which path is which surface is :mod:`partnerhub.server.surfaces`)::

    surface                              renderer   body
    Partner API, emulator, ops  /api/…   meta       {"meta": {"http_code", ...}}  (spec §3.4)
    token endpoint  /api/v2/token        oauth      {"error", "error_description"}  (RFC 6749)
    Messaging API  /messages, /v1/…      graph      {"error": {"code", "error_data", ...}}
      and the raw send path (send_path)  graph      the same functions, below the framework
    dashboard /hub, onboarding page      html       an error page
    a path no route matches              meta, or graph when surface_of(path) is the
                                         Messaging API
"""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    # A list for every kind but GraphError, whose ``details`` is Graph's one string.
    details: Sequence[str]

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
