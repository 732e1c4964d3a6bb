"""A real ``partnerhub serve`` in hub mode, over a socket: the onboarding page's per-address
budget and the metrics token as an outsider meets them (issue 20, findings 4 and 8)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import cli_env, create_partner, free_port, start_server, stop_processes

pytestmark = pytest.mark.slow

METRICS_TOKEN = "metrics-scraper-token"


def test_hub_mode_page_budget_and_metrics_token(tmp_path: Path, database_url: str) -> None:
    env = cli_env(
        tmp_path,
        database_url,
        PARTNERHUB_MODE="hub",
        PARTNERHUB_METRICS_TOKEN=METRICS_TOKEN,
        PARTNERHUB_ONBOARDING_POSTS_PER_IP="5",
    )
    partner_id, headers = create_partner(env)
    port = free_port()
    process = start_server(env, port, tmp_path / "server.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            patched = client.patch(
                f"/api/v2/partners/{partner_id}",
                headers=headers,
                json={"partner_redirect_url": "https://partner.example/done"},
            )
            assert patched.status_code == 200, patched.text
            page = f"/dashboard/app/{partner_id}/permissions"
            answers = [client.post(page, data={"company": ""}).status_code for _ in range(6)]
            assert answers == [400] * 5 + [429]
            refused = client.post(page, data={"company": ""})
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) >= 1
            assert "Too many attempts" in refused.text
            assert refused.headers["content-type"].startswith("text/html")

            assert client.get("/metrics").status_code == 401
            scraped = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
            assert scraped.status_code == 200
            assert 'route="/dashboard/app/{partner_id}/permissions",status="429"' in scraped.text
    finally:
        stop_processes(process)
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
