"""The browser tests drive the same real server process as the end-to-end tests.

They run on SQLite only: the page is the same on PostgreSQL (the API tests cover that), and
Playwright's synchronous API keeps an event loop on the main thread, which the PostgreSQL
fixture's own asyncio.run would collide with.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.conftest import live_server
from tests.helpers.browser import CHROMIUM, require_chromium

__all__ = ["browser", "database_url", "live_server"]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'partnerhub.db'}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module (each module's pages start from a fresh browser)."""
    require_chromium()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()
