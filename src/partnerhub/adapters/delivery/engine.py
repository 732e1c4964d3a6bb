"""Claim, send, record: one round of webhook delivery.

The outbox tables are the queue. A round leases a batch of due deliveries (``SKIP LOCKED`` on
PostgreSQL, so any number of worker processes share the work), POSTs them concurrently, then
records every attempt and each delivery's next state in one transaction. A process that dies
mid-round simply lets its leases lapse; another round claims those deliveries again. Delivery is
therefore at-least-once, and the event id (the ``webhook-id`` header) lets receivers dedupe.

Why not a task queue such as Procrastinate: the due time of a retry is read from the injectable
clock (the emulator's virtual clock moves it), the same engine must run on SQLite, and a delivery's
state and attempt log live in these tables anyway; see docs/operations.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import aiohttp
import aiohttp.abc
import structlog
from aiohttp.abc import ResolveResult
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partnerhub import __version__
from partnerhub.adapters import metrics, tables
from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.adapters.worker_hooks import NO_HOOKS, Fault, WorkerHooks
from partnerhub.domain import cache_keys, ids
from partnerhub.domain.clients.model import Channel
from partnerhub.domain.clock import Clock
from partnerhub.domain.messaging import multi_webhook
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.webhooks import outbox, signing
from partnerhub.domain.webhooks.model import Delivery, DeliveryStatus, Event
from partnerhub.domain.webhooks.ssrf import UnsafeUrl, check_destination, forbidden_reason

log = structlog.get_logger("partnerhub.delivery")

RESPONSE_EXCERPT_BYTES = 2048
MAX_RETRY_AFTER_SECONDS = 86400.0
USER_AGENT = f"partnerhub-webhooks/{__version__}"
MASK = "****"


@dataclass(frozen=True)
class EngineConfig:
    timeout_seconds: float
    retry_delays: Sequence[float]
    hub_mode: bool
    master_key: str
    concurrency: int = 64
    batch_size: int = 200

    @property
    def lease(self) -> timedelta:
        """How long a claimed delivery stays reserved: past any request's timeout, so a live
        worker never loses its lease, yet short, so a dead worker's work is soon picked up."""
        return timedelta(seconds=2 * self.timeout_seconds + 5)


@dataclass
class _Outcome:
    delivery_id: str
    url: str | None
    status_code: int | None = None
    latency_ms: float = 0.0
    response_body: str | None = None
    error: str | None = None
    request_headers: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None
    final: bool = False  # no retry whatever the status (no URL left to send to)
    disable_on_gone: bool = True  # a 410 turns the partner's webhook off (not a channel's)

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


@dataclass(frozen=True)
class _Target:
    """Where one delivery goes: the partner's webhook, or for a Messaging API event the
    channel's messaging webhook (spec §9). Both are signed with the partner's platform secret."""

    partner: Partner
    url: str | None
    headers: dict[str, str]
    unusable: str | None  # why there is nothing to send to, if so
    partner_event: bool

    @staticmethod
    def of(event: Event, partner: Partner, channel: Channel | None) -> _Target:
        if event.channel_id is None:
            url = partner.webhook_url
            unusable = None
            if not url:
                unusable = "no webhook URL is set"
            elif partner.webhook_disabled_at is not None:
                unusable = "webhook URL disabled by a 410 Gone"
            return _Target(partner, url, partner.webhook_headers, unusable, True)
        if channel is None:
            return _Target(partner, None, {}, "the channel no longer exists", False)
        url = channel.messaging_webhook_url
        unusable = None if url else "the channel has no messaging webhook URL"
        return _Target(partner, url, channel.messaging_webhook_headers, unusable, False)

    @staticmethod
    def copy_to(partner: Partner, channel: Channel | None, name: str) -> _Target:
        """A copy of a messaging webhook to one of the channel's ``/multi_webhook``
        destinations, as it is configured now (like the main webhook's URL)."""
        if channel is None:
            return _Target(partner, None, {}, "the channel no longer exists", False)
        found = multi_webhook.destination(channel, name) if channel.multi_webhook_enabled else None
        if found is None:
            unusable = f"multi-webhook destination '{name}' was removed or disabled"
            return _Target(partner, None, {}, unusable, False)
        return _Target(partner, found["url"], dict(found.get("headers") or {}), None, False)


class SafeResolver(aiohttp.abc.AbstractResolver):
    """Hub mode: the addresses the connection is actually made to are checked, not just the ones
    seen by the pre-flight check, so a DNS answer that changes in between (rebinding) cannot
    lead a delivery inside the network."""

    def __init__(self) -> None:
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [r for r in results if forbidden_reason(ipaddress.ip_address(r["host"])) is None]
        if not allowed:
            raise OSError(f"refused: {host} resolves only to addresses webhooks may not reach")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), capped at a day."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - now).total_seconds()
    return max(0.0, min(seconds, MAX_RETRY_AFTER_SECONDS))


class DeliveryEngine:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        config: EngineConfig,
        hooks: WorkerHooks = NO_HOOKS,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._config = config
        # What the composition root adds to each round (the emulator: its clock and faults).
        self._hooks = hooks
        self._http: aiohttp.ClientSession | None = None
        self._semaphore = asyncio.Semaphore(config.concurrency)
        # /multi_webhook copies in flight, sent apart from the rounds (see _round_unlocked).
        self._copy_semaphore = asyncio.Semaphore(config.concurrency)
        self._detached: set[asyncio.Task[None]] = set()
        # One round at a time per process: a clock jump's drain() then waits for the round in
        # flight and sees everything due. Rounds are batches, so this costs no throughput.
        self._round = asyncio.Lock()

    def _client(self) -> aiohttp.ClientSession:
        """One pooled HTTP client per process, made on first use (it needs the running loop).

        aiohttp rather than httpx here: measured on this machine, one core posting to a local
        receiver, aiohttp did ~10,000 requests/s at 8 or 64 connections, httpx 1,250 at 8 and
        520 at 64 (its pool checks every idle socket on each request). See docs/operations.md.
        """
        if self._http is None or self._http.closed:
            resolver = SafeResolver() if self._config.hub_mode else None
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._config.concurrency, limit_per_host=0, resolver=resolver
                ),
                timeout=aiohttp.ClientTimeout(total=self._config.timeout_seconds),
                # No proxies from the environment, no cookies kept between partners.
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
            )
        return self._http

    async def aclose(self) -> None:
        # A copy cut short keeps its attempt open: whoever claims it next logs it as abandoned
        # and sends it again (at-least-once, as for a worker that dies).
        for task in list(self._detached):
            task.cancel()
        await asyncio.gather(*list(self._detached), return_exceptions=True)
        if self._http is not None:
            await self._http.close()

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessionmaker)

    async def run_due(self, also: Callable[[], Awaitable[int]] | None = None) -> int:
        """One round: claim what is due, send it, record it. Returns how many were attempted
        (plus what ``also``, the simulator, moved first under the same lock: a clock jump's
        :meth:`drain` and the worker loop never run the simulator side by side, where one would
        skip the rows the other has locked and report them as not due)."""
        async with self._round:
            worked = await also() if also is not None else 0
            return worked + await self._round_unlocked()

    async def _round_unlocked(self) -> int:
        async with self._uow() as uow:
            await self._hooks.sync_clock(uow)
            now = self._clock.now()
            await uow.write_gate()
            # Never more than can be in flight at once: every claimed request then starts at
            # once and ends within the timeout, well inside its lease.
            claimed = await uow.webhooks.claim_due(
                now,
                now + self._config.lease,
                min(self._config.batch_size, self._config.concurrency),
                main_only=len(self._detached) >= self._config.concurrency,
            )
            faults = await self._hooks.take_faults(uow, len(claimed)) if claimed else []
            await uow.commit()
        if not claimed:
            return 0
        attempt_of = dict(claimed)
        async with self._uow() as uow:
            loaded = await uow.webhooks.load_claimed(list(attempt_of))
        # Copies to /multi_webhook destinations go on their own, each recorded when it ends: a
        # destination that hangs until the timeout holds neither this round nor what follows.
        rows, fault_of = [], []
        for i, (delivery, event, partner, channel) in enumerate(loaded):
            if delivery.destination is None:
                rows.append((delivery, event, partner, channel))
                fault_of.append(faults[i])
                continue
            target = _Target.copy_to(partner, channel, delivery.destination)
            self._detach(
                self._send_copy(delivery, attempt_of[delivery.id], event, target, faults[i])
            )
        outcomes = await asyncio.gather(
            *(
                self._send(delivery, event, _Target.of(event, partner, channel), fault_of[i])
                for i, (delivery, event, partner, channel) in enumerate(rows)
            )
        )
        # [360] A main messaging webhook answered 2xx: now (and only now) its copies to the
        # channel's /multi_webhook destinations are due, each a delivery of its own.
        copies = [
            (delivery, names)
            for (delivery, event, _, channel), outcome in zip(rows, outcomes, strict=True)
            if outcome.delivered
            and event.channel_id is not None
            and channel is not None
            and (names := multi_webhook.targets(channel))
        ]
        await self._record(
            [
                (delivery, attempt_of[delivery.id], outcome)
                for (delivery, _, _, _), outcome in zip(rows, outcomes, strict=True)
            ],
            copies,
        )
        return len(claimed)

    async def drain(
        self,
        before: Callable[[], Awaitable[None]] | None = None,
        also: Callable[[], Awaitable[int]] | None = None,
        max_rounds: int = 10_000,
    ) -> int:
        """Run rounds until nothing is due; used when the virtual clock jumps.

        ``before`` (moving the clock) runs under the same lock as the rounds, so no round of
        this process slips in between: everything that became due is counted here. ``also``
        (the lifecycle simulator) runs before each delivery round, until both are idle.
        """
        total = 0
        async with self._round:
            if before is not None:
                await before()
            for _ in range(max_rounds):
                worked = await also() if also is not None else 0
                attempted = await self._round_unlocked()
                await self._settle_copies()  # a clock jump sends everything that fell due
                total += attempted
                if attempted == 0 and worked == 0:
                    break
        return total

    def _detach(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._detached.add(task)
        task.add_done_callback(self._detached.discard)

    async def _settle_copies(self) -> None:
        while self._detached:
            await asyncio.gather(*list(self._detached), return_exceptions=True)

    async def _send_copy(
        self,
        delivery: Delivery,
        attempt_id: str,
        event: Event,
        target: _Target,
        fault: Fault | None,
    ) -> None:
        """One /multi_webhook copy, sent and recorded on its own (its own concurrency budget,
        so hanging destinations never hold the slots of main webhooks)."""
        outcome = await self._send(delivery, event, target, fault, self._copy_semaphore)
        try:
            await self._record([(delivery, attempt_id, outcome)])
        except Exception:  # its lease lapses and another round takes it up again
            log.exception("copy_record_failed", delivery_id=delivery.id)

    async def _send(
        self,
        delivery: Delivery,
        event: Event,
        target: _Target,
        fault: Fault | None,
        semaphore: asyncio.Semaphore | None = None,
    ) -> _Outcome:
        """Never raises: whatever goes wrong with one delivery is that delivery's outcome."""
        try:
            return await self._send_unguarded(
                delivery, event, target, fault, semaphore or self._semaphore
            )
        except Exception as exc:
            log.exception("delivery_failed_unexpectedly", delivery_id=delivery.id)
            return _Outcome(delivery.id, target.url, error=f"{type(exc).__name__}: {exc}")

    async def _send_unguarded(
        self,
        delivery: Delivery,
        event: Event,
        target: _Target,
        fault: Fault | None,
        semaphore: asyncio.Semaphore,
    ) -> _Outcome:
        url, partner = target.url, target.partner
        if not url or target.unusable is not None:
            return _Outcome(delivery.id, url, error=target.unusable or "no URL", final=True)
        body = event.body.encode()
        headers = {
            **target.headers,
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": event.id,
            "webhook-timestamp": str(int(time.time())),
        }
        # The grace period of a rotated secret runs on the server's clock (virtual in tests);
        # the signed timestamp is wall-clock time, as receivers check it.
        keys = signing.partner_secrets(self._config.master_key, partner, self._clock.now())
        if keys is not None:
            headers.update(signing.sign_headers(keys, event.id, datetime.now(UTC), body))
        logged = {k: (MASK if k in target.headers else v) for k, v in headers.items()}
        outcome = _Outcome(
            delivery.id, url, request_headers=logged, disable_on_gone=target.partner_event
        )
        async with semaphore:
            if fault is not None and fault.delay_ms:
                await asyncio.sleep(fault.delay_ms / 1000)
            if fault is not None and fault.status is not None:
                outcome.status_code = fault.status
                outcome.error = "injected fault (emulator): not sent"
                return outcome
            if self._config.hub_mode:
                try:
                    await check_destination(url)
                except UnsafeUrl as exc:
                    outcome.error = f"refused: {exc}"
                    return outcome
            started = time.perf_counter()
            try:
                # Redirects are not followed: one could lead the request inside the network.
                async with self._client().post(
                    url, data=body, headers=headers, allow_redirects=False
                ) as response:
                    outcome.status_code = response.status
                    excerpt = await response.content.read(RESPONSE_EXCERPT_BYTES)
                    outcome.response_body = excerpt.decode("utf-8", errors="replace")
                    outcome.retry_after = parse_retry_after(
                        response.headers.get("retry-after"), datetime.now(UTC)
                    )
            except TimeoutError:
                outcome.error = f"timed out after {self._config.timeout_seconds:g} s"
            except (aiohttp.ClientError, ValueError) as exc:
                outcome.error = f"{type(exc).__name__}: {exc}"
            outcome.latency_ms = round((time.perf_counter() - started) * 1000, 2)
        return outcome

    def _next_delay(self, attempt_count: int, retry_after: float | None) -> float | None:
        """Seconds until the next attempt, or None when the schedule is used up."""
        delays = self._config.retry_delays
        if attempt_count > len(delays):
            return None
        return max(delays[attempt_count - 1], retry_after or 0.0)

    async def _record(
        self,
        results: Sequence[tuple[Delivery, str, _Outcome]],
        copies: Sequence[tuple[Delivery, list[str]]] = (),
    ) -> None:
        """Close the attempts and move each delivery on, in one transaction (two statements,
        each executed for the whole batch), with the multi-webhook copies now due."""
        if not results:  # a round of copies only: each records itself
            return
        now = self._clock.now()
        attempt_rows: list[dict[str, Any]] = []
        delivery_rows: list[dict[str, Any]] = []
        gone_partners: set[str] = set()
        outcomes: Counter[str] = Counter()
        for delivery, attempt_id, outcome in results:
            attempt_rows.append(
                {
                    "a_id": attempt_id,
                    "a_status": outcome.status_code,
                    "a_latency": outcome.latency_ms,
                    "a_body": outcome.response_body,
                    "a_error": outcome.error,
                    "a_headers": outcome.request_headers,
                    "a_url": outcome.url,
                    "a_finished": now,
                }
            )
            status, next_at, delivered_at = DeliveryStatus.PENDING, delivery.next_attempt_at, None
            if outcome.delivered:
                status, delivered_at = DeliveryStatus.DELIVERED, now
                outcomes["delivered"] += 1
            elif outcome.final:
                status = DeliveryStatus.FAILED
                outcomes["failed"] += 1
            elif outcome.gone:
                status = DeliveryStatus.FAILED
                outcomes["gone"] += 1
                if outcome.disable_on_gone:
                    gone_partners.add(delivery.partner_id)
            else:
                delay = self._next_delay(delivery.attempt_count, outcome.retry_after)
                if delay is None:
                    status = DeliveryStatus.FAILED
                    outcomes["failed"] += 1
                else:
                    next_at = now + timedelta(seconds=delay)
                    outcomes["retry"] += 1
            delivery_rows.append(
                {
                    "d_id": delivery.id,
                    "d_attempt": attempt_id,
                    "d_status": status,
                    "d_next": next_at,
                    "d_done": delivered_at,
                }
            )
        a, d, p = tables.webhook_attempts, tables.webhook_deliveries, tables.partners
        # Only while the attempt is still ours: if our lease lapsed and another worker took the
        # delivery over, it closed our attempt as abandoned and owns the delivery's state now.
        still_ours = (
            select(a.c.id)
            .where(a.c.id == bindparam("d_attempt"), a.c.finished_at.is_(None))
            .exists()
        )
        async with self._uow() as uow:
            await uow.write_gate()
            await uow.session.execute(
                update(d)
                .where(d.c.id == bindparam("d_id"), still_ours)
                .values(
                    status=bindparam("d_status"),
                    next_attempt_at=bindparam("d_next"),
                    delivered_at=bindparam("d_done"),
                    lease_until=None,
                ),
                delivery_rows,
            )
            await uow.session.execute(
                update(a)
                .where(a.c.id == bindparam("a_id"), a.c.finished_at.is_(None))
                .values(
                    status_code=bindparam("a_status"),
                    latency_ms=bindparam("a_latency"),
                    response_body=bindparam("a_body"),
                    error=bindparam("a_error"),
                    request_headers=bindparam("a_headers"),
                    url=bindparam("a_url"),
                    finished_at=bindparam("a_finished"),
                ),
                attempt_rows,
            )
            if copies:
                await self._insert_copies(uow.session, copies, now)
            if gone_partners:
                await uow.session.execute(
                    update(p)
                    .where(p.c.id.in_(gone_partners), p.c.webhook_disabled_at.is_(None))
                    .values(webhook_disabled_at=now)
                    .execution_options(cache_tags=[cache_keys.partner(i) for i in gone_partners])
                )
                log.warning("webhook_url_disabled", partner_ids=sorted(gone_partners))
            await uow.commit()
        for name, count in outcomes.items():
            metrics.DELIVERIES.labels(name).inc(count)

    @staticmethod
    async def _insert_copies(
        session: AsyncSession, copies: Sequence[tuple[Delivery, list[str]]], now: datetime
    ) -> None:
        """One pending delivery per (event, destination), unless it exists already (the main
        delivery was sent again by hand, or by a worker that took over a lapsed lease)."""
        d = tables.webhook_deliveries
        found = await session.execute(
            select(d.c.event_id, d.c.destination).where(
                d.c.event_id.in_({delivery.event_id for delivery, _ in copies}),
                d.c.destination.is_not(None),
            )
        )
        existing = {(event_id, name) for event_id, name in found.all()}
        rows = [
            {
                "id": ids.new_id(outbox.DELIVERY_ID_SUFFIX, 12),
                "event_id": delivery.event_id,
                "partner_id": delivery.partner_id,
                "event_type": delivery.event_type,
                "status": DeliveryStatus.PENDING,
                "attempt_count": 0,
                "created_at": now,
                "next_attempt_at": now,
                "destination": name,
            }
            for delivery, names in copies
            for name in names
            if (delivery.event_id, name) not in existing
        ]
        if rows:
            await session.execute(insert(d), rows)


class OutboxListenerLike(Protocol):
    async def ensure(self) -> None: ...

    async def close(self) -> None: ...


class Worker:
    """Runs rounds forever: at once when woken (an in-process commit wrote the outbox), else
    every ``poll_seconds`` (to see work written by other processes, and retries falling due)."""

    def __init__(
        self,
        engine: DeliveryEngine,
        poll_seconds: float,
        simulator: Callable[[], Awaitable[int]] | None = None,
        busy: Callable[[], bool] | None = None,
        busy_pause_seconds: float = 0.1,
    ) -> None:
        self._engine = engine
        self._poll = poll_seconds
        self._simulator = simulator
        # Says whether this process is busy answering requests (an embedded worker): rounds
        # then come at most every ``busy_pause_seconds``, so they are fewer and bigger (cheaper
        # per status and per delivery) and leave the loop and SQLite's write gate to the
        # requests in between. Nothing is skipped: every round still takes all that is due.
        self.busy = busy
        self._busy_pause = busy_pause_seconds
        # Set on PostgreSQL: wakes the loop on NOTIFY instead of waiting for the next poll.
        self.listener: OutboxListenerLike | None = None
        # Runs after each round (retention: adapters/retention.py); it decides itself whether
        # anything is due, so it costs nothing most rounds.
        self.housekeeping: Callable[[], Awaitable[int]] | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        while not self._stopping:
            if self.listener is not None:
                await self.listener.ensure()
            self._wake.clear()
            try:
                attempted = await self._engine.run_due(self._simulator)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery_round_failed")
                attempted = 0
                await asyncio.sleep(self._poll)
            if self._stopping:
                break
            await self._housekeep()
            if attempted == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll)
            elif self.busy is not None and self.busy():
                await asyncio.sleep(self._busy_pause)

    async def _housekeep(self) -> None:
        if self.housekeeping is None:
            return
        try:
            await self.housekeeping()
        except asyncio.CancelledError:
            raise
        except Exception:  # the next round tries again; delivery must go on meanwhile
            log.exception("housekeeping_failed")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 30)
            except TimeoutError:
                self._task.cancel()
        if self.listener is not None:
            await self.listener.close()
