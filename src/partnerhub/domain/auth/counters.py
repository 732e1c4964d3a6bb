"""What the login path counts: password checks and lockouts, behind the
:class:`~partnerhub.domain.ports.AuthMetrics` port.

The counting happens deep in plain functions (an argon2 check runs in a worker thread), so the
port is registered once per process rather than passed down every call: the metrics adapter
(:mod:`partnerhub.adapters.metrics`, Prometheus) registers itself when it is imported, which the
server does before it serves. Until then the counts go nowhere.
"""

from __future__ import annotations

from partnerhub.domain.ports import AuthMetrics


class _Uncounted:
    def password_checked(self) -> None:
        pass

    def locked_out(self, reason: str) -> None:
        pass


_metrics: AuthMetrics = _Uncounted()


def register(metrics: AuthMetrics) -> None:
    """Send this process's login counts to ``metrics`` from now on."""
    global _metrics
    _metrics = metrics


def password_checked() -> None:
    _metrics.password_checked()


def locked_out(reason: str) -> None:
    _metrics.locked_out(reason)
