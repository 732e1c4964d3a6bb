"""Balances and usage on the wire: the partner balance [360], the client balance report [ours
shape, see docs/fidelity.md] and Meta's pricing analytics shape for channel usage."""

from __future__ import annotations

import msgspec


class Balance(msgspec.Struct):
    total: float
    currency: str


class PeriodUsage(msgspec.Struct):
    period_date: str  # the period's first day, e.g. "2026-11-01" for November
    quantity: int
    free_quantity: int
    paid_quantity: int
    business_initiated_quantity: int
    user_initiated_quantity: int
    total_price: float


class LastRenewal(msgspec.Struct):
    """The balance's last top-up [obs: a published .NET client reads ``date`` and ``amount``]."""

    date: str
    amount: float


class ClientBalance(msgspec.Struct):
    balance: float
    currency: str
    # null until the balance was first topped up.
    last_renewal: LastRenewal | None
    # The price of one marketing template message at this hub (docs/fidelity.md).
    estimated_template_cost: float
    granularity: str
    start_date: int
    end_date: int
    usage: list[PeriodUsage]


class DataPoint(msgspec.Struct):
    start: int
    end: int
    country: str
    pricing_category: str
    pricing_type: str
    volume: int
    cost: float


class PricingAnalyticsData(msgspec.Struct):
    data_points: list[DataPoint]


class PricingAnalytics(msgspec.Struct):
    data: list[PricingAnalyticsData]


class ChannelUsage(msgspec.Struct):
    pricing_analytics: PricingAnalytics
    id: str  # the WABA's Meta id, as in Meta's own answer
