"""Reading /metrics as numbers."""

from __future__ import annotations

import httpx


async def scrape(client: httpx.AsyncClient) -> dict[str, float]:
    """Every sample as ``name{labels}`` -> value (the counters are process-wide: compare deltas)."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: dict[str, float] = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples
