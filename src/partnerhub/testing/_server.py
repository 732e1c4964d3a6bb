"""A real ``partnerhub serve`` process for a test session, and the reset between tests.

The server runs as a subprocess (``sys.executable -m partnerhub serve``) rather than in the test
process, so that the fixtures import nothing of the server: a partner's test suite needs the
``partnerhub[server]`` extra installed, not importable into its own code, and the integration is
exercised over real HTTP and real webhook deliveries, as in production.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import httpx

# Large enough that real time passing during a test never makes a simulated step due: tests
# move the emulator's clock (``emulator.advance``) and see each step exactly when they ask.
DEFAULT_STEP_SECONDS = 3600.0
DEFAULT_MESSAGE_STATUS_SECONDS = 3600.0
DEFAULT_TEMPLATE_REVIEW_SECONDS = 3600.0
STARTUP_TIMEOUT_SECONDS = 90.0


class ServerError(AssertionError):
    """The server could not start, or an emulator control answered with an error.

    An AssertionError so that pytest shows it as a test failure with its message, not as an
    internal error.
    """


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PartnerhubServer:
    """One ``partnerhub serve`` process in emulator mode, on a free loopback port.

    ``base_url`` is where both the Partner API and the Messaging API answer; ``emulator_token``
    opens ``/_emulator``. ``http`` is a client for the session (its connection pool is shared by
    every fixture, which keeps per-test set-up to a few milliseconds).
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        database_url: str | None = None,
        step_seconds: float = DEFAULT_STEP_SECONDS,
        message_status_seconds: float = DEFAULT_MESSAGE_STATUS_SECONDS,
        template_review_seconds: float = DEFAULT_TEMPLATE_REVIEW_SECONDS,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.database_url = database_url or f"sqlite:///{data_dir / 'partnerhub.db'}"
        self.step_seconds = step_seconds
        self.message_status_seconds = message_status_seconds
        self.template_review_seconds = template_review_seconds
        self.emulator_token = secrets.token_urlsafe(24)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "partnerhub.log"
        self._extra_env = dict(extra_env or {})
        self._process: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(
            base_url=self.base_url,
            timeout=60.0,
            headers={"Authorization": f"Bearer {self.emulator_token}"},
        )
        # For the SDK clients the fixtures hand out: they bring their own credentials, so this
        # one carries none (the emulator token must never reach the Partner API).
        self.sdk_http = httpx.Client(timeout=60.0)

    def environment(self) -> dict[str, str]:
        """The process environment: none of the caller's ``PARTNERHUB_*`` settings leak in, so
        a developer's own configuration cannot point the tests at a real database."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERHUB_")}
        env.update(
            PARTNERHUB_MODE="emulator",
            PARTNERHUB_DATA_DIR=str(self.data_dir),
            PARTNERHUB_DATABASE_URL=self.database_url,
            PARTNERHUB_EMULATOR_TOKEN=self.emulator_token,
            PARTNERHUB_LOG_LEVEL="WARNING",
            PARTNERHUB_LOG_FORMAT="json",
            PARTNERHUB_SIMULATOR_STEP_SECONDS=str(self.step_seconds),
            PARTNERHUB_MESSAGE_STATUS_SECONDS=str(self.message_status_seconds),
            PARTNERHUB_TEMPLATE_REVIEW_SECONDS=str(self.template_review_seconds),
            # New events wake the delivery loop at once; polling only finds retries falling
            # due in real time (a clock move delivers those itself). Kept short, not busy.
            PARTNERHUB_DELIVERY_POLL_SECONDS="0.25",
            PARTNERHUB_WEBHOOK_TIMEOUT_SECONDS="10",
            # A test generating keys for many numbers in a row must not hit the per-minute cap.
            PARTNERHUB_CHANNEL_KEY_GENERATE_PER_MINUTE="100000",
        )
        env.update(self._extra_env)
        return env

    def start(self) -> None:
        """Start the process and wait until ``/readyz`` says the database is migrated."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603  (our own interpreter, fixed args)
                [
                    sys.executable,
                    "-m",
                    "partnerhub",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerError(self._startup_failure("exited"))
            try:
                if self.http.get("/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise ServerError(self._startup_failure("did not become ready"))

    def _startup_failure(self, what: str) -> str:
        log = self.log()
        hint = ""
        if "ModuleNotFoundError" in log or "No module named" in log:
            hint = "\nThe server needs its extra: pip install 'partnerhub[server]'"
        return f"partnerhub serve {what} (log: {self.log_path}){hint}\n{log[-4000:]}"

    def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL after 15 s) and close the client."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.http.close()
        self.sdk_http.close()

    @property
    def pid(self) -> int | None:
        """The server process's id (None when stopped), e.g. to read its memory use."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log(self) -> str:
        """What the server printed (JSON lines); worth reading when a test fails oddly."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One ``/_emulator`` control; an error answer raises :class:`ServerError` with it."""
        response = self.http.request(method, "/_emulator" + path, json=body)
        if response.status_code >= 400:
            raise ServerError(
                f"{method} /_emulator{path} answered {response.status_code}: {response.text}"
            )
        return response.json() if response.content else None

    def reset(self, scope: Literal["data", "clock", "all"] = "data") -> None:
        """Forget webhook faults, every webhook event and delivery, and every rate-limit budget
        (``scope="data"``), turn the virtual clock back to real time (``"clock"``), or both
        (``"all"``).

        Partners, clients and numbers stay: tests are isolated by each getting a partner of its
        own, which is cheaper than rebuilding the world and lets one server serve the session.
        """
        self.call("POST", "/reset", None if scope == "data" else {"scope": scope})

    def create_partner(
        self,
        *,
        brand_name: str = "Test Partner",
        webhook_url: str | None = None,
        partner_redirect_url: str | None = None,
        platform_secret: bool = True,
    ) -> dict[str, Any]:
        """A fresh partner with an API key (and a platform secret): ``POST /_emulator/partners``."""
        created: dict[str, Any] = self.call(
            "POST",
            "/partners",
            {
                "brand_name": brand_name,
                "webhook_url": webhook_url,
                "partner_redirect_url": partner_redirect_url,
                "platform_secret": platform_secret,
            },
        )
        return created
