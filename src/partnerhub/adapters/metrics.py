"""Prometheus metrics: what the process counts as it works, and what the database says at scrape.

Counters and histograms live in prometheus-client's default registry. Under
``partnerhub serve --workers N`` the CLI sets ``PROMETHEUS_MULTIPROC_DIR`` before the processes
start, prometheus-client then keeps each process's values in files there, and a scrape of any
process reports the sum over all of them (:func:`render`).

The queue figures (depth, oldest pending delivery) are read from the outbox at scrape time, so
every process reports the same, true values, whoever delivered what.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partnerhub.adapters import tables
from partnerhub.adapters.retention import TableFigure
from partnerhub.domain.auth import counters
from partnerhub.domain.webhooks.model import DeliveryStatus

# The classic text format that every Prometheus understands (the server adds the charset).
CONTENT_TYPE = "text/plain; version=0.0.4"
# The *_created series double the output and nobody alerts on them.
disable_created_metrics()  # type: ignore[no-untyped-call]

REQUESTS = Counter(
    "partnerhub_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "partnerhub_http_request_duration_seconds",
    "Time from a request's arrival to its answer, by method and route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DELIVERIES = Counter(
    "partnerhub_webhook_deliveries",
    "Webhook delivery attempts by outcome: delivered, retry (will be tried again), "
    "failed (gave up) and gone (410: the URL was disabled).",
    ["outcome"],
)
for _outcome in ("delivered", "retry", "failed", "gone"):
    DELIVERIES.labels(_outcome)
# Every argon2 verification (logins): the same number per attempt whatever the email, so a
# steady rate with no successes is someone guessing.
PASSWORD_CHECKS = Counter(
    "partnerhub_password_checks",
    "Password hashes verified (argon2), for every login: /api/v2/token, /hub/login and the "
    "onboarding page's client login.",
)
LOGIN_LOCKOUTS = Counter(
    "partnerhub_login_lockouts",
    "Password checks refused without looking at the password, by reason: account (too many "
    "failures for the email), address (too many failures from the client address) and "
    "address_budget (the address's per-minute budget of password checks is spent).",
    ["reason"],
)
for _reason in ("account", "address", "address_budget"):
    LOGIN_LOCKOUTS.labels(_reason)

# Media (issue 17): uploads by outcome (stored, or refused: type, size, form) and the bytes
# streamed each way.
MEDIA_UPLOADS = Counter(
    "partnerhub_media_uploads",
    "POST /media uploads by outcome: stored, or refused (type, size, a bad form, no key).",
    ["outcome"],
)
for _outcome in ("stored", "refused"):
    MEDIA_UPLOADS.labels(_outcome)
MEDIA_UPLOAD_BYTES = Counter(
    "partnerhub_media_upload_bytes", "Bytes of media stored by POST /media and the emulator."
)
MEDIA_DOWNLOADS = Counter("partnerhub_media_downloads", "Media downloads answered.")
MEDIA_DOWNLOAD_BYTES = Counter("partnerhub_media_download_bytes", "Bytes of media downloaded.")
MEDIA_COUNTERS = (MEDIA_UPLOADS, MEDIA_UPLOAD_BYTES, MEDIA_DOWNLOADS, MEDIA_DOWNLOAD_BYTES)


def media_uploaded(outcome: str, size: int = 0) -> None:
    MEDIA_UPLOADS.labels(outcome).inc()
    if size:
        MEDIA_UPLOAD_BYTES.inc(size)


def media_downloaded(size: int) -> None:
    MEDIA_DOWNLOADS.inc()
    MEDIA_DOWNLOAD_BYTES.inc(size)


class AuthCounters:
    """The domain's :class:`~partnerhub.domain.ports.AuthMetrics` port, on the counters above."""

    def password_checked(self) -> None:
        PASSWORD_CHECKS.inc()

    def locked_out(self, reason: str) -> None:
        LOGIN_LOCKOUTS.labels(reason).inc()


# Registered on import: every process that serves /metrics imports this module before it serves.
counters.register(AuthCounters())


class _Queue(Collector):
    def __init__(self, depth: int, oldest_age: float) -> None:
        self._depth = depth
        self._oldest_age = oldest_age

    def collect(self) -> list[GaugeMetricFamily]:
        return [
            GaugeMetricFamily(
                "partnerhub_webhook_queue_depth",
                "Webhook deliveries not yet delivered or given up (pending).",
                value=self._depth,
            ),
            GaugeMetricFamily(
                "partnerhub_webhook_oldest_pending_age_seconds",
                "Age of the oldest pending webhook delivery (0 when none is pending).",
                value=self._oldest_age,
            ),
        ]


async def queue_figures(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> tuple[int, float]:
    d = tables.webhook_deliveries
    async with sessionmaker() as session:
        row = (
            await session.execute(
                select(func.count(), func.min(d.c.created_at)).where(
                    d.c.status == DeliveryStatus.PENDING
                )
            )
        ).one()
    depth, oldest = int(row[0]), row[1]
    if oldest is None:
        return depth, 0.0
    return depth, max(0.0, (now - oldest).total_seconds())


class _Tables(Collector):
    def __init__(self, figures: Sequence[TableFigure]) -> None:
        self._figures = figures

    def collect(self) -> list[GaugeMetricFamily]:
        rows = GaugeMetricFamily(
            "partnerhub_table_rows",
            "Rows of a retained table (PostgreSQL: the planner's estimate, pg_class.reltuples).",
            labels=["table"],
        )
        oldest = GaugeMetricFamily(
            "partnerhub_table_oldest_row_age_seconds",
            "Age of a retained table's oldest row (0 when empty); see PARTNERHUB_RETENTION_DAYS.",
            labels=["table"],
        )
        for figure in self._figures:
            rows.add_metric([figure.table], figure.rows)
            oldest.add_metric([figure.table], figure.oldest_age_seconds)
        return [rows, oldest]


def render(depth: int, oldest_age: float, sizes: Sequence[TableFigure] = ()) -> bytes:
    """The exposition text: every process's counters (multiprocess mode) or this one's."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for collector in (
            REQUESTS,
            LATENCY,
            DELIVERIES,
            PASSWORD_CHECKS,
            LOGIN_LOCKOUTS,
            *MEDIA_COUNTERS,
        ):
            registry.register(collector)
    registry.register(_Queue(depth, oldest_age))
    if sizes:
        registry.register(_Tables(sizes))
    return generate_latest(registry)
