"""Template components decoded once per template version, for the send stores.

A template send is checked against its template's components, stored as JSON. A version's
components never change (an edit moves ``modified_at``), so each store decodes a version once
and keeps the last :data:`SIZE` it saw, rather than decoding the same JSON on every send.
"""

from __future__ import annotations

from typing import Any

import msgspec

SIZE = 1024  # template versions whose decoded components a store keeps


class DecodedComponents:
    """Decoded components by version, ``(template id, modified_at as stored)``. Not shared
    between threads: each store keeps its own and uses it from one thread."""

    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._decoded: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def get(self, version: tuple[str, str], stored: str | bytes) -> list[dict[str, Any]]:
        """The components of ``version``, decoding ``stored`` only if not seen before."""
        found = self._decoded.get(version)
        if found is None:
            if len(self._decoded) >= self._size:  # the oldest version seen goes first
                del self._decoded[next(iter(self._decoded))]
            found = self._decoded[version] = msgspec.json.decode(stored)
        return found
