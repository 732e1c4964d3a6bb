"""Balances and usage reports on the wire."""

from __future__ import annotations

from partnerhub.domain.billing.model import Funds, from_micros
from partnerhub.domain.billing.services import ChannelUsageReport, ClientBalanceReport
from partnerhub.domain.clock import isoformat
from partnerhub.wire import billing as wire_billing


def balance(funds: Funds) -> wire_billing.Balance:
    return wire_billing.Balance(total=from_micros(funds.total_micros), currency=funds.currency)


def client_balance(report: ClientBalanceReport) -> wire_billing.ClientBalance:
    return wire_billing.ClientBalance(
        balance=from_micros(report.funds.total_micros),
        currency=report.funds.currency,
        last_renewal=None
        if report.funds.last_renewal_at is None
        else wire_billing.LastRenewal(
            date=isoformat(report.funds.last_renewal_at) or "",
            amount=from_micros(report.funds.last_renewal_micros or 0),
        ),
        estimated_template_cost=from_micros(report.estimated_template_cost_micros),
        granularity=report.window.granularity,
        start_date=report.window.start_unix,
        end_date=report.window.end_unix,
        usage=[
            wire_billing.PeriodUsage(
                period_date=row.period_start.date().isoformat(),
                quantity=row.quantity,
                free_quantity=row.free_quantity,
                paid_quantity=row.paid_quantity,
                business_initiated_quantity=row.business_initiated_quantity,
                user_initiated_quantity=row.user_initiated_quantity,
                total_price=from_micros(row.cost_micros),
            )
            for row in report.usage
        ],
    )


def channel_usage(report: ChannelUsageReport) -> wire_billing.ChannelUsage:
    points = [
        wire_billing.DataPoint(
            start=int(p.start.timestamp()),
            end=int(p.end.timestamp()),
            country=p.country,
            pricing_category=p.pricing_category,
            pricing_type=p.pricing_type,
            volume=p.volume,
            cost=from_micros(p.cost_micros),
        )
        for p in report.points
    ]
    return wire_billing.ChannelUsage(
        pricing_analytics=wire_billing.PricingAnalytics(
            data=[wire_billing.PricingAnalyticsData(data_points=points)]
        ),
        id=report.waba_external_id,
    )
