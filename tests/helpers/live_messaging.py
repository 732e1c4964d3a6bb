"""Waiting on a live server's webhooks in the end-to-end messaging tests."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from tests.receiver import Receiver


def wait_until(check: Callable[[], Any], what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def bodies(receiver: Receiver) -> list[dict[str, Any]]:
    with receiver.lock:
        return [json.loads(r.body) for r in receiver.requests]


def statuses(receiver: Receiver) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for body in bodies(receiver):
        found.extend(body["entry"][0]["changes"][0]["value"].get("statuses", []))
    return found
