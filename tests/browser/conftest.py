"""The browser tests drive the same real server process as the end-to-end tests."""

from tests.e2e.conftest import live_server

__all__ = ["live_server"]
