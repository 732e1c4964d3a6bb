"""Settings, read from ``PARTNERHUB_*`` environment variables (and nothing else).

The server and the CLI build the same :class:`Settings`, so they act on the same database.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL

from partnerhub.adapters.db import PoolConfig, normalize_url, pgbouncer_flag, private_dir

JWT_SECRET_FILE = "jwt_secret"  # noqa: S105  (a file name)
EMULATOR_TOKEN_FILE = "emulator_token"  # noqa: S105  (a file name)
MIN_JWT_SECRET_LENGTH = 32


def is_loopback(host: str) -> bool:
    """Whether a bind address only accepts connections from this machine."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name (or 0.0.0.0-like wildcards written otherwise): assume exposed


class SettingsError(ValueError):
    """Settings that the server must refuse to start with."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PARTNERHUB_", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Path("./var")
    database_url: str | None = None
    # How long a process starting while the database is unreachable (say, PostgreSQL restarting)
    # keeps trying before it gives up.
    database_startup_wait_seconds: float = 60.0
    # --- connection budget and retention (issue 16; docs/operations.md "Connections" and
    # "Retention") ---
    # PostgreSQL connections this process keeps (no overflow); a request waits up to
    # DATABASE_POOL_TIMEOUT_SECONDS for one, then answers 503 + Retry-After.
    database_pool_size: int = Field(default=20, ge=1)
    database_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    # The URL points at PgBouncer in transaction mode (or write ``?pgbouncer=1`` in it).
    database_pgbouncer: bool = False
    # A direct PostgreSQL URL (not through PgBouncer) for the sessions LISTEN needs.
    database_direct_url: str | None = None
    # Delivered webhook events (with their deliveries and attempts) and finished messages
    # older than this are deleted by the worker loop, RETENTION_BATCH_SIZE rows per transaction
    # (0: keep everything).
    retention_days: float = Field(default=30.0, ge=0)
    retention_batch_size: int = Field(default=500, ge=1)
    retention_interval_seconds: float = Field(default=60.0, gt=0)
    # /metrics computes table row counts and oldest row ages at most this often.
    table_stats_seconds: float = Field(default=60.0, ge=0)
    host: str = "127.0.0.1"
    port: int = 8360
    # Names this server in /livez and /readyz, so a caller can tell which server answered (say,
    # another one already on the port). ``serve`` sets one for all its processes; unset: a new
    # random id per process.
    instance_id: str | None = None
    mode: Literal["emulator", "hub"] = "emulator"
    jwt_secret: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"
    access_token_ttl_seconds: int = 86400
    max_body_bytes: int = 1024 * 1024
    # --- media (issue 17; docs/operations.md "Media storage") ---
    # Where uploaded media bytes go: a directory (default: <data dir>/media), or, with
    # MEDIA_S3_URL, an S3-compatible bucket that API processes on several machines share.
    media_dir: Path | None = None
    media_s3_url: str | None = None
    media_s3_bucket: str = "partnerhub-media"
    media_s3_region: str = "us-east-1"
    media_s3_access_key: str | None = None
    media_s3_secret_key: SecretStr | None = None
    media_s3_prefix: str = "media/"
    api_key_last_used_resolution_seconds: float = 60.0
    # How long the auth cache keeps a key, partner or login it looked up: only a backstop for a
    # lost invalidation (a commit elsewhere drops just what it changed, within about a second;
    # docs/operations.md "The auth cache").
    auth_cache_ttl_seconds: float = 5.0
    public_base_url: str | None = None
    # Emulator controls (/_emulator/...): enabled only in emulator mode with a token set.
    emulator_token: SecretStr | None = None
    # Master key the platform secrets are derived from; defaults to one derived from the JWT
    # secret, so that one secret is enough to run.
    secret_key: SecretStr | None = None
    # Webhook delivery.
    webhook_timeout_seconds: float = 15.0
    webhook_retry_schedule: str = "5,300,1800,7200,18000,36000,36000"
    embedded_worker: bool = True
    # Answer the hottest requests below the framework (server/fastpath). Off only to compare
    # the two paths (tests/integration/test_hot_paths.py) or to rule them out when debugging.
    hot_paths: bool = True
    delivery_concurrency: int = 64
    delivery_batch_size: int = 200
    delivery_poll_seconds: float = 0.5
    # Seconds between the simulated Meta lifecycle's steps (0: as soon as the worker runs).
    simulator_step_seconds: float = 2.0
    # Seconds from a template's creation to Meta's simulated decision (unset: one simulator step).
    template_review_seconds: float | None = None
    # Reject (rather than approve) templates whose name contains "reject", so a test suite can
    # see both outcomes without the emulator's controls.
    template_reject_names: bool = True
    # After POST …/platform_secret, the replaced secret still verifies this long (24 h): signed
    # into ``webhook-signature`` next to the new one, and accepted on IO signatures.
    platform_secret_grace_seconds: int = 86400
    # Shared state for several processes: with a Redis URL the rate-limit budgets live there
    # (every API process counts against one budget); without one each process counts alone.
    # PARTNERHUB_RATE_LIMIT_STORAGE_URL (any ``limits`` storage URL) is the older spelling.
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("PARTNERHUB_REDIS_URL", "PARTNERHUB_RATE_LIMIT_STORAGE_URL"),
    )
    # Every key this hub writes to Redis starts with this, and POST /_emulator/reset deletes the
    # keys under it only. Processes of one hub share it (hence their budgets); give hubs (or test
    # runs) that share a Redis database prefixes of their own.
    redis_key_prefix: str = Field(default="partnerhub", min_length=1)
    # Fidelity profile: ``standards`` answers the way HTTP clients expect (an exhausted budget
    # is 429 + Retry-After + RateLimit-* headers); ``strict`` reproduces 360dialog's documented
    # quirks (docs/fidelity.md, "Fidelity profiles"). PARTNERHUB_RATE_LIMIT_FIDELITY is the older
    # spelling.
    fidelity: Literal["standards", "strict"] = Field(
        default="standards",
        validation_alias=AliasChoices("PARTNERHUB_FIDELITY", "PARTNERHUB_RATE_LIMIT_FIDELITY"),
    )
    # Messaging API (spec §9): seconds between a message's simulated statuses
    # (accepted -> sent -> delivered -> read), whether "read" follows "delivered", the price per
    # delivered message by pricing category as JSON (e.g. {"MARKETING": 0.1131}; categories
    # left out cost the defaults of domain/billing/prices.py), how long a looked-up channel key
    # is trusted before it is checked again (a revocation elsewhere takes effect within this),
    # and how many channel keys one partner may generate per minute.
    message_status_seconds: float = 1.0
    message_read_receipts: bool = True
    message_prices: dict[str, float] = {}
    channel_key_cache_seconds: float = 1.0
    channel_key_generate_per_minute: int = 30
    # Requests per minute each credential (API key, or a login's token family) may make on the
    # Partner API, on top of the per-endpoint limits of spec §3.5 (0: no general budget). Unset:
    # 6000 in hub mode; none in emulator mode, where test suites and benchmarks hammer one key.
    api_rate_limit_per_minute: int | None = None
    # How long an Idempotency-Key's first answer is kept for replays (POSTs of the Partner API).
    idempotency_key_ttl_seconds: float = 86400.0
    # Every password check (POST /api/v2/token, /hub/login, the onboarding page's client login;
    # domain/auth/lockout.py): failed checks per email allowed within the window before the
    # email is locked out until the oldest failure leaves it (the names are older than the
    # token endpoint's lockout), failed checks per client address within the same window
    # (whatever the emails), password checks per client address per minute (0: no budget),
    # and how long an address that passed an email's password keeps logging in while the
    # email is locked out elsewhere. Then how long a dashboard session lasts.
    hub_login_max_failures: int = 5
    hub_login_failure_window_seconds: float = 900.0
    # Unset: 30 and 30 in hub mode; none in emulator mode, where test suites log in from one
    # address many times a minute (the per-email lockout applies in both modes).
    login_max_failures_per_address: int | None = None
    login_attempts_per_address_per_minute: int | None = None
    login_trusted_address_days: float = 30.0
    hub_session_ttl_seconds: float = 12 * 3600.0
    # The public onboarding page's POSTs (signup, login, save): how many one client address
    # and one partner's page may take per window before the page answers 429 (0: no limit).
    # Unset: 20 per address and 300 per partner every 10 minutes in hub mode; none in emulator
    # mode, where test suites drive the page from one address (docs/operations.md, Security).
    onboarding_posts_per_ip: int | None = None
    onboarding_posts_per_partner: int | None = None
    onboarding_post_window_seconds: int = 600
    # A bearer token for GET /metrics in hub mode (unset there: /metrics answers 404, so only
    # a configured scraper reads it). Emulator mode leaves /metrics open.
    metrics_token: SecretStr | None = None
    # Bearer sessions: the absolute lifetime of a login's refresh-token family, counted from the
    # password grant. Refreshing rotates tokens inside it but never extends it; after it the
    # user signs in with the password again (docs/operations.md, "Bearer sessions and passwords").
    refresh_family_max_days: float = Field(default=30.0, gt=0)
    # Proxies in front of partnerhub, comma-separated addresses or networks (e.g.
    # "10.0.0.0/8,127.0.0.1"): for a request from one of them, the client's address is read from
    # X-Forwarded-For (the rightmost hop that is not a trusted proxy). Unset: the TCP peer is the
    # client, and every request through a proxy would share the proxy's login budgets.
    trusted_proxies: str = ""

    @field_validator("message_prices")
    @classmethod
    def _prices(cls, value: dict[str, float]) -> dict[str, float]:
        allowed = {"MARKETING", "UTILITY", "AUTHENTICATION", "SERVICE"}
        cleaned = {key.upper(): price for key, price in value.items()}
        unknown = set(cleaned) - allowed
        if unknown:
            raise ValueError(f"unknown pricing categories {sorted(unknown)}; use {sorted(allowed)}")
        if any(price < 0 for price in cleaned.values()):
            raise ValueError("prices must not be negative")
        return cleaned

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                try:
                    ipaddress.ip_network(part.strip(), strict=False)
                except ValueError:
                    raise ValueError(f"not an address or network: {part.strip()!r}") from None
        return value

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        try:
            delays = [float(part) for part in value.split(",") if part.strip()]
        except ValueError:
            raise ValueError("must be comma-separated seconds, e.g. 5,300,1800") from None
        if any(d < 0 for d in delays):
            raise ValueError("delays must not be negative")
        return value

    @property
    def template_review_delay(self) -> float:
        if self.template_review_seconds is None:
            return self.simulator_step_seconds
        return self.template_review_seconds

    @property
    def api_budget_per_minute(self) -> int:
        if self.api_rate_limit_per_minute is not None:
            return max(0, self.api_rate_limit_per_minute)
        return 6000 if self.mode == "hub" else 0

    @property
    def login_address_failures(self) -> int:
        """Failed password checks per client address within the window (0: no limit)."""
        if self.login_max_failures_per_address is not None:
            return max(0, self.login_max_failures_per_address)
        return 30 if self.mode == "hub" else 0

    @property
    def login_address_budget(self) -> int:
        """Password checks per client address per minute (0: no limit)."""
        if self.login_attempts_per_address_per_minute is not None:
            return max(0, self.login_attempts_per_address_per_minute)
        return 30 if self.mode == "hub" else 0

    @property
    def onboarding_ip_budget(self) -> int:
        """POSTs per window one client address may make to the onboarding page (0: no limit)."""
        if self.onboarding_posts_per_ip is not None:
            return max(0, self.onboarding_posts_per_ip)
        return 20 if self.mode == "hub" else 0

    @property
    def onboarding_partner_budget(self) -> int:
        """POSTs per window that pass one partner's link checks (0: no limit)."""
        if self.onboarding_posts_per_partner is not None:
            return max(0, self.onboarding_posts_per_partner)
        return 300 if self.mode == "hub" else 0

    @property
    def rate_limit_storage_url(self) -> str:
        """The ``limits`` storage for the budgets: Redis when configured, else this process."""
        return self.redis_url or "memory://"

    @property
    def retry_delays(self) -> list[float]:
        return [float(part) for part in self.webhook_retry_schedule.split(",") if part.strip()]

    @property
    def emulator_enabled(self) -> bool:
        return self.mode == "emulator" and self.emulator_token is not None

    @field_validator("onboarding_post_window_seconds")
    @classmethod
    def _window(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1 second")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _hub_needs_secret(self) -> Settings:
        if self.mode == "hub":
            secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
            if len(secret) < MIN_JWT_SECRET_LENGTH:
                raise SettingsError(
                    "PARTNERHUB_MODE=hub requires PARTNERHUB_JWT_SECRET "
                    f"(at least {MIN_JWT_SECRET_LENGTH} characters); refusing to start"
                )
        return self

    @property
    def exposure_warning(self) -> str | None:
        """What to tell whoever starts an emulator reachable from other machines, or None.

        Emulator mode is made for a developer's machine and test suites: webhook URLs may point
        at private addresses (no SSRF rules), the dashboard cookie is not ``Secure`` and no
        general API budget is counted. Listening beyond loopback exposes all of that.
        """
        if self.mode != "emulator" or is_loopback(self.host):
            return None
        return (
            f"emulator mode is listening on {self.host}, beyond this machine's loopback "
            "interface. Emulator mode is for development and tests: webhook URLs may point at "
            "private and internal addresses (no SSRF rules), the dashboard cookie is not "
            "Secure, and there is no general API budget. Anyone who can reach this address can "
            "use that. Bind to 127.0.0.1, or run PARTNERHUB_MODE=hub (docs/operations.md)."
        )

    @property
    def sqlalchemy_url(self) -> URL:
        raw = self.database_url or f"sqlite:///{(self.data_dir / 'partnerhub.db').as_posix()}"
        return normalize_url(raw)

    @property
    def database_pool(self) -> PoolConfig:
        return PoolConfig(
            size=self.database_pool_size,
            timeout_seconds=self.database_pool_timeout_seconds,
            pgbouncer=self.database_pgbouncer
            or (self.database_url is not None and pgbouncer_flag(self.database_url)),
        )

    @property
    def listen_url(self) -> URL | None:
        """Where sessions that ``LISTEN`` connect: the direct URL if set, else the database
        URL unless it goes through PgBouncer (transaction pooling cannot hold a LISTEN);
        None on SQLite or when only a PgBouncer URL is known (polling then does the work)."""
        if self.database_direct_url:
            return normalize_url(self.database_direct_url)
        url = self.sqlalchemy_url
        if url.get_backend_name() != "postgresql" or self.database_pool.pgbouncer:
            return None
        return url

    def resolve_secret_key(self) -> str:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        import hashlib
        import hmac

        jwt_secret = self.resolve_jwt_secret().encode()
        return hmac.new(jwt_secret, b"partnerhub-master-key", hashlib.sha256).hexdigest()

    def demo_emulator_token(self) -> str | None:
        """The emulator token ``serve --demo`` enables on loopback when none is configured.

        Only in emulator mode bound to loopback (never in hub mode, never on an exposed
        address): then a new user's walkthrough needs the ``/_emulator`` controls without
        having to invent a token first. Generated once and kept in ``DATA_DIR/emulator_token``
        (0600) like the JWT secret, so restarts keep the token the user exported.
        """
        if self.mode != "emulator" or not is_loopback(self.host):
            return None
        if self.emulator_token is not None:
            return self.emulator_token.get_secret_value()
        return _kept_secret(self.data_dir, EMULATOR_TOKEN_FILE, secrets.token_urlsafe(24))

    def resolve_jwt_secret(self) -> str:
        """The configured secret; in emulator mode, one generated on first run and kept on disk."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        if self.mode == "hub":  # unreachable: the validator refuses this
            raise SettingsError("PARTNERHUB_JWT_SECRET is required in hub mode")
        return _kept_secret(self.data_dir, JWT_SECRET_FILE, secrets.token_urlsafe(48))


def _kept_secret(data_dir: Path, name: str, fresh: str) -> str:
    """The secret kept in ``data_dir/name``; ``fresh`` is written there (0600) the first time."""
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    private_dir(data_dir)
    # Create with 0600 so no other user on the machine can read it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(fresh)
    return fresh
