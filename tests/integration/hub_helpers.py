"""Driving the dashboard over plain HTTP, as a browser without JavaScript would."""

from __future__ import annotations

import re

import httpx

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, html[:2000]
    return found.group(1)


async def log_in(
    client: httpx.AsyncClient, email: str, password: str, next_url: str = "/hub"
) -> httpx.Response:
    form = await client.get("/hub/login")
    assert form.status_code == 200
    return await client.post(
        "/hub/login",
        data={
            "csrf_token": csrf_of(form.text),
            "email": email,
            "password": password,
            "next": next_url,
        },
    )


async def page_csrf(client: httpx.AsyncClient, path: str = "/hub") -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)
