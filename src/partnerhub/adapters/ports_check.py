"""Proof, for mypy --strict, that the concrete adapters satisfy the domain's ports.

Nothing imports this at run time. Each function below returns a concrete adapter as its port,
so when a concrete signature drifts from its Protocol in :mod:`partnerhub.domain.ports`, mypy
fails here and names the member, even before any service is handed the adapter.
"""

from __future__ import annotations

from partnerhub.adapters import metrics
from partnerhub.adapters.cache import CoherentCache
from partnerhub.adapters.credential_reads import CoreCredentialReads
from partnerhub.adapters.ratelimit import RateLimits
from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.domain import ports


def unit_of_work(uow: UnitOfWork) -> ports.UnitOfWork:
    return uow


def read_cache(cache: CoherentCache) -> ports.ReadCache:
    return cache


def credential_reads(reads: CoreCredentialReads) -> ports.CredentialReads:
    return reads


def rate_limits(limits: RateLimits) -> ports.RateLimits:
    return limits


def auth_metrics() -> ports.AuthMetrics:
    return metrics.AuthCounters()
