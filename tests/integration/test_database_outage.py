"""A request that finds the database down answers 503 + Retry-After in its API's error shape,
never a 500 with a traceback (the chaos test sees the same during a real PostgreSQL restart)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from partnerhub.app import create_app
from partnerhub.domain.keys import secrets as key_secrets
from partnerhub.domain.messaging import keys as channel_keys
from partnerhub.server.errors import database_unavailable
from partnerhub.server.settings import Settings
from tests.conftest import running
from tests.helpers.api import assert_error


def unreachable_settings(settings: Settings) -> Settings:
    # Nothing listens on port 1: every connection attempt is refused at once.
    return settings.model_copy(update={"database_url": "postgresql://postgres@127.0.0.1:1/none"})


async def test_both_apis_answer_503_while_the_database_is_down(settings: Settings) -> None:
    app = create_app(unreachable_settings(settings), migrate_on_start=False)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            partner = await c.get(
                "/api/v2/partners/somePA", headers={"X-API-Key": key_secrets.generate("ph_test_")}
            )
            meta = assert_error(partner, 503)
            assert "database" in meta["developer_message"]
            assert partner.headers["retry-after"] == "5"
            sent = await c.post(
                "/messages",
                headers={"D360-API-KEY": channel_keys.generate_secret()},
                json={"to": "4915100000001", "type": "text", "text": {"body": "hi"}},
            )
            assert sent.status_code == 503 and sent.headers["retry-after"] == "5"
            error = sent.json()["error"]
            assert error["code"] == 2 and error["fbtrace_id"] == sent.headers["x-request-id"]
            ready = await c.get("/readyz")
            assert ready.status_code == 503


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ConnectionRefusedError(111, "refused"), True),
        (OperationalError("select 1", {}, Exception("database is locked")), True),
        (ValueError("a bug"), False),
        (RuntimeError("wrapped"), False),
    ],
)
def test_what_counts_as_the_database_being_unavailable(exc: Exception, expected: bool) -> None:
    assert database_unavailable(exc) is expected


def test_a_cause_down_the_chain_counts() -> None:
    try:
        try:
            raise ConnectionResetError("gone")
        except ConnectionResetError as inner:
            raise RuntimeError("while reading") from inner
    except RuntimeError as outer:
        assert database_unavailable(outer)
