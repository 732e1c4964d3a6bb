"""Browser-test helpers: the system Chromium, screenshots, and the live server's partner API."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import LiveServer

CHROMIUM = "/usr/bin/chromium"


def require_chromium() -> None:
    """Skip (fail under PARTNERHUB_TEST_BROWSER=1, as in CI) when Debian's Chromium is missing.

    Called at module level by test modules, so it may skip the whole module."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("PARTNERHUB_TEST_BROWSER") == "1":
            pytest.fail(
                f"{CHROMIUM} is missing (install it: apt-get install chromium)", pytrace=False
            )
        pytest.skip(
            f"{CHROMIUM} not found: apt-get install chromium to run the browser tests",
            allow_module_level=True,
        )


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def shot(page: Page, name: str) -> None:
    """A full-page screenshot kept as a test artifact (to be checked by eye)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"onboarding-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000


def _api(server: LiveServer) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.base_url}/api/v2/partners/{server.partner_id}",
        headers={"X-API-Key": server.api_key},
    )


def _make_direct_paid(server: LiveServer) -> None:
    """Billing model is 360dialog-managed, so the test sets it in the database."""
    from sqlalchemy import update
    from sqlalchemy.ext.asyncio import create_async_engine

    from partnerhub.adapters import tables
    from partnerhub.adapters.db import normalize_url

    async def run() -> None:
        engine = create_async_engine(normalize_url(server.env["PARTNERHUB_DATABASE_URL"]))
        async with engine.begin() as conn:
            await conn.execute(
                update(tables.partners)
                .where(tables.partners.c.id == server.partner_id)
                .values(billing_model="direct")
            )
        await engine.dispose()

    # Playwright's sync API runs an event loop on this thread: use another one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()
