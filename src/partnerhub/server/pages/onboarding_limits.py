"""Budgets for the public onboarding page's POSTs: per client address and per partner.

The page needs no credential, and a signup creates a client, a WABA, numbers and webhook events;
without a budget one script created a dozen clients a second (issue 20, finding 4). Two budgets,
both counted with the app's ``limits`` storage (in memory, or Redis when configured, so shared by
every process), over ``PARTNERHUB_ONBOARDING_POST_WINDOW_SECONDS``:

- per client address (``PARTNERHUB_ONBOARDING_POSTS_PER_IP``), counted first and before any
  database work, on every POST (signup, login, save), whether it succeeds or not: a person
  filling in the form needs a handful, a script wants thousands;
- per partner (``PARTNERHUB_ONBOARDING_POSTS_PER_PARTNER``), counted only for POSTs that passed
  the link checks (the partner exists, its redirect URL is set, the IO signature is valid), so
  that with signed links, which strangers cannot make, nobody can spend a partner's budget. It
  caps what many addresses together can do to one partner.

An exhausted budget answers the page's own "refused" page with 429 and ``Retry-After`` (the
HTML renderer's answer to ``RateLimited``).
"""

from __future__ import annotations

import math
from typing import Any

from litestar import Request, Response

from partnerhub.domain.errors import RateLimited
from partnerhub.domain.ratelimit import Rule
from partnerhub.server.addresses import client_address
from partnerhub.server.errors.html import refused_page
from partnerhub.server.state import AppState

BUSY_ADDRESS = "Too many attempts from your network. Please try again in {wait}."
BUSY_PAGE = "This signup page is busy right now. Please try again in {wait}."


def _wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _too_many(reason: str, retry_after: int, brand: str) -> Response[str]:
    return refused_page(RateLimited(reason.format(wait=_wait(retry_after)), retry_after), brand)


async def over_address_budget(
    state: AppState, request: Request[Any, Any, Any]
) -> Response[str] | None:
    """Count this POST against its address; the 429 page when the budget is spent."""
    amount = state.settings.onboarding_ip_budget
    if not amount:
        return None
    rule = Rule("onboarding_ip", amount, state.settings.onboarding_post_window_seconds)
    try:
        await state.rate_limits.hit(rule, client_address(request, state.settings.trusted_proxies))
    except RateLimited as limited:
        return _too_many(BUSY_ADDRESS, limited.retry_after, "partnerhub")
    return None


async def over_partner_budget(state: AppState, partner_id: str, brand: str) -> Response[str] | None:
    """Count a POST that passed the link checks against its partner's page."""
    amount = state.settings.onboarding_partner_budget
    if not amount:
        return None
    rule = Rule("onboarding_partner", amount, state.settings.onboarding_post_window_seconds)
    try:
        await state.rate_limits.hit(rule, partner_id)
    except RateLimited as limited:
        return _too_many(BUSY_PAGE, limited.retry_after, brand)
    return None
