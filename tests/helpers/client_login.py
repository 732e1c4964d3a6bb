"""The onboarding page as an end client sees it: its form, its answers, its events."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from partnerhub.adapters import tables
from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds

PASSWORD = "correct horse battery"


EMAIL = "owner@pizza.example"


DONE = "https://partner.example/done"


class PageForm(HTMLParser):
    """The fields of the page's first form, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.checkboxes: dict[str, bool] = {}
        self.alerts: list[str] = []
        self.errors: dict[str, str] = {}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and "name" in a:
            if a.get("type") == "checkbox":
                self.checkboxes[a["name"]] = "checked" in a
            elif a.get("type") != "password":
                self.fields[a["name"]] = a.get("value", "")
        if tag == "p" and a.get("role") == "alert":
            self._in = "alert"
        elif tag == "p" and a.get("class") == "error":
            self._in = a["id"]

    def handle_data(self, data: str) -> None:
        if self._in == "alert":
            self.alerts.append(data.strip())
        elif self._in is not None:
            self.errors[self._in.removesuffix("-error")] = data.strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._in = None


def form_of(response: httpx.Response) -> PageForm:
    parser = PageForm()
    parser.feed(response.text)
    return parser


def body_of(form: PageForm, **changes: str | None) -> dict[str, str]:
    """Hidden and text fields plus ticked boxes; ``changes`` set (or, with None, drop) fields."""
    data = dict(form.fields)
    data.update({name: "1" for name, checked in form.checkboxes.items() if checked})
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def grants(form: PageForm) -> dict[str, bool]:
    """The permission boxes of the client's existing numbers."""
    return {name: ticked for name, ticked in form.checkboxes.items() if name.startswith("grant_")}


def page_url(partner: PartnerCreds) -> str:
    return f"/dashboard/app/{partner.partner_id}/permissions"


async def configure(
    state: AppState,
    client: httpx.AsyncClient,
    partner: PartnerCreds,
    *,
    direct: bool = True,
    allow_add: bool = True,
) -> None:
    response = await client.patch(
        f"/api/v2/partners/{partner.partner_id}",
        headers=partner.headers,
        json={"partner_redirect_url": DONE, "allow_client_to_add_phone_no": allow_add},
    )
    assert response.status_code == 200, response.text
    if direct:  # the billing model is 360dialog-managed: set it in the database
        async with state.uow() as uow:
            stored = await uow.partners.get(partner.partner_id)
            assert stored is not None
            stored.billing_model = "direct"
            await uow.commit()


async def onboard(
    client: httpx.AsyncClient,
    partner: PartnerCreds,
    numbers: list[str],
    *,
    password: str | None = PASSWORD,
    email: str = EMAIL,
    grant: bool = True,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "partner_id": partner.partner_id,
        "client": {"name": "Pizza Place", "email": email, "contact_name": "Ada"},
        "phone_numbers": numbers,
        "grant_permission": grant,
    }
    if password is not None:
        body["password"] = password
    response = await client.post("/_emulator/onboard", headers=EMULATOR, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


LIFECYCLE_EVENTS = ("channel_submitted", "channel_ready", "channel_running", "channel_live")


async def events(state: AppState, partner: PartnerCreds) -> list[dict[str, Any]]:
    """The partner's events from the outbox, oldest first, without the simulated review's."""
    e = tables.webhook_events.c
    async with state.uow() as uow:
        rows = await uow.session.scalars(
            select(e.body)
            .where(e.partner_id == partner.partner_id, e.type.not_in(LIFECYCLE_EVENTS))
            .order_by(e.created_at)
        )
        return [json.loads(body) for body in rows.all()]


def landing(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(DONE + "?")
    return parse_qs(urlsplit(location).query)


def ids_of(value: str) -> list[str]:
    assert value.startswith("[") and value.endswith("]")  # literal brackets, as at signup
    return [part for part in value[1:-1].split(",") if part]
