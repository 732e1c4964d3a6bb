"""A rate limit rule as a value: what the domain and the HTTP layer declare, and the
:class:`~partnerhub.domain.ports.RateLimits` port counts requests against (spec §3.5)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """``amount`` requests per ``seconds``, counted separately for each identifier."""

    name: str
    amount: int
    seconds: int

    @property
    def message(self) -> str:
        # 360dialog's wording (its error page: "Usage Limit: You have exceeded the limit of ...").
        return (
            f"Usage Limit: You have exceeded the limit of {self.amount} requests "
            f"every {self.seconds} seconds"
        )
