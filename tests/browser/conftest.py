"""The browser tests drive the same real server process as the end-to-end tests.

They run on SQLite only: the page is the same on PostgreSQL (the API tests cover that), and
Playwright's synchronous API keeps an event loop on the main thread, which the PostgreSQL
fixture's own asyncio.run would collide with.
"""

from pathlib import Path

import pytest

from tests.e2e.conftest import live_server

__all__ = ["database_url", "live_server"]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'partnerhub.db'}"
