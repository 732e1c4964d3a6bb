"""pytest fixtures for testing a partner integration against a real partnerhub server.

Registered through the ``pytest11`` entry point, so installing partnerhub is enough::

    def test_key_on_running(partner, webhook_receiver, emulator):
        number = emulator.onboard(partner.id)
        emulator.set_status(number.channel_id, "running")
        assert webhook_receiver.wait_for("channel_running")["data"]["id"] == number.channel_id

- ``partnerhub_server`` (session): one ``partnerhub serve`` subprocess in emulator mode on a
  free loopback port, SQLite in a temporary directory (``--partnerhub-database-url`` for
  PostgreSQL), simulated time that moves only when a test says so.
- ``partner``: a fresh partner per test (the isolation unit: its credentials see nothing other
  tests made), with a ready :class:`~partnerhub.client.PartnerClient`. When the test also uses
  ``webhook_receiver``, the partner's webhooks go there, signed with its platform secret, and
  the receiver checks every signature.
- ``webhook_receiver``: a real HTTP endpoint with ``wait_for(name_or_predicate, timeout)``.
- ``emulator``: Meta, WhatsApp users and the clock (:class:`~partnerhub.testing.Emulator`).

Before each test that uses ``partner`` or ``emulator`` the server forgets webhook faults,
events, deliveries and rate-limit budgets (``/_emulator/reset``, a few milliseconds).

This module imports only pytest, httpx and partnerhub's SDK: the server is a subprocess.
Full guide: docs/testing.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from partnerhub.client import PartnerClient
from partnerhub.testing import (
    Emulator,
    PartnerhubServer,
    ReceiverServer,
    TestPartner,
    WebhookReceiver,
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("partnerhub", "partnerhub test server")
    group.addoption(
        "--partnerhub-database-url",
        dest="partnerhub_database_url",
        default=None,
        help="Database for the partnerhub_server fixture, e.g. postgresql://user@host/db "
        "(default: SQLite in a temporary directory). It is migrated, never emptied.",
    )
    parser.addini(
        "partnerhub_database_url",
        "Database for the partnerhub_server fixture (as --partnerhub-database-url).",
        default=None,
    )
    parser.addini(
        "partnerhub_env",
        "Extra PARTNERHUB_* settings for the test server, one KEY=VALUE a line.",
        type="linelist",
        default=[],
    )


def _extra_env(config: pytest.Config) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in config.getini("partnerhub_env"):
        key, sep, value = line.partition("=")
        if not sep or not key.strip().startswith("PARTNERHUB_"):
            raise pytest.UsageError(f"partnerhub_env: expected PARTNERHUB_NAME=value, got {line!r}")
        env[key.strip()] = value.strip()
    return env


@pytest.fixture(scope="session")
def partnerhub_server(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PartnerhubServer]:
    """One real ``partnerhub serve`` process for the whole session, stopped at its end."""
    database_url = pytestconfig.getoption("partnerhub_database_url") or pytestconfig.getini(
        "partnerhub_database_url"
    )
    data_dir: Path = tmp_path_factory.mktemp("partnerhub")
    server = PartnerhubServer(
        data_dir, database_url=database_url or None, extra_env=_extra_env(pytestconfig)
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def _partnerhub_reset(partnerhub_server: PartnerhubServer) -> None:
    """Once per test, however many of the fixtures it uses."""
    partnerhub_server.reset()


@pytest.fixture(scope="session")
def _partnerhub_receivers() -> Iterator[ReceiverServer]:
    server = ReceiverServer()
    yield server
    server.stop()


@pytest.fixture
def webhook_receiver(_partnerhub_receivers: ReceiverServer) -> Iterator[WebhookReceiver]:
    """A real HTTP endpoint for webhooks (``url``), with ``wait_for``; see
    :class:`~partnerhub.testing.WebhookReceiver`."""
    receiver = _partnerhub_receivers.new_receiver()
    yield receiver
    _partnerhub_receivers.drop(receiver)


@pytest.fixture
def partner(
    request: pytest.FixtureRequest,
    partnerhub_server: PartnerhubServer,
    _partnerhub_reset: None,
) -> Iterator[TestPartner]:
    """A fresh partner with an API key, a platform secret and a ready PartnerClient."""
    receiver: WebhookReceiver | None = (
        request.getfixturevalue("webhook_receiver")
        if "webhook_receiver" in request.fixturenames
        else None
    )
    created = partnerhub_server.create_partner(
        webhook_url=receiver.url if receiver is not None else None
    )
    if receiver is not None:
        receiver.secret = created["platform_secret"]
    test_partner = TestPartner(
        id=created["partner_id"],
        api_key=created["api_key"],
        platform_secret=created["platform_secret"],
        base_url=partnerhub_server.base_url,
        webhook_url=created["webhook_url"],
        client=PartnerClient(
            created["partner_id"],
            api_key=created["api_key"],
            base_url=partnerhub_server.base_url,
            http_client=partnerhub_server.sdk_http,
        ),
        _http=partnerhub_server.sdk_http,
    )
    yield test_partner
    test_partner.close()


@pytest.fixture
def emulator(partnerhub_server: PartnerhubServer, _partnerhub_reset: None) -> Iterator[Emulator]:
    """The emulator's controls: onboard, advance, set_status, fail_webhooks, inbound_message,
    approve_template, unreachable, accept_mm_lite_terms, inject_fault, set_quality, set_limit,
    report_spam… (see
    :class:`~partnerhub.testing.Emulator`)."""
    helper = Emulator(partnerhub_server)
    yield helper
    helper.restore()
