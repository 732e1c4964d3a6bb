"""``/dashboard/app/{partner_id}/permissions``: the integrated onboarding page (spec §8).

Served on ``/dashboard/app/{partner_id}`` too: the path 360dialog's own Connect Button (npm
``360dialog-connect-button`` 1.x) opens, with the requested phone number in ``number``.

A public page: the partner's end client opens the partner's link, signs up with one or more
numbers and is sent back to the partner's redirect URL with ``client``, ``channels`` and
``state``. With ``next=login`` (and optionally ``client_id``) an existing client logs in instead
and manages its numbers: add some, grant or revoke the partner's permission per number; it is
then sent back with ``revoked`` too. Plain HTML forms: it works without JavaScript. Errors are
pages that say what is wrong, never a JSON body or a stack trace: a link or request that cannot
be served gets the HTML renderer's "refused" page (:mod:`partnerhub.server.errors.html`), a form
error is shown next to its field.

Every form posts to the same URL; a hidden ``step`` says which one (none: the signup, ``login``,
``manage``). The IO signature is checked on every step and spent with the change it allows. The
manage form is protected against forged posts by the signed session token it carries
(:mod:`domain.clients.login`): without a valid one, nothing changes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.domain.clients import login, onboarding, phones, signup
from partnerhub.domain.clients.model import Channel, Client
from partnerhub.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from partnerhub.domain.messaging import coexistence
from partnerhub.domain.partners.model import Partner
from partnerhub.server.addresses import UNKNOWN, client_address
from partnerhub.server.auth import app_state
from partnerhub.server.errors.html import refused_page
from partnerhub.server.pages import onboarding_limits, templates
from partnerhub.server.pages.page_security import onboarding_headers
from partnerhub.server.state import AppState

CARRIED = (
    "state",
    "partner",
    "redirect_url",
    "signature",
    "timestamp",
    "plan_selection",
    "next",
    "client_id",
    "connect_client_user",
)
# Connect Button 1.x names the IO signature parameters so; the page carries them as ours.
IO_ALIASES = {"io_signature": "signature", "io_timestamp": "timestamp"}
PATHS = ["/dashboard/app/{partner_id:str}", "/dashboard/app/{partner_id:str}/permissions"]
NO_PARTNER = "There is no partner behind this link."
SESSION_ENDED = "Your session has ended or is not valid. Please log in again."


def _page(name: str, status: int, **context: Any) -> Response[str]:
    html = templates.get_template(name).render(**context)
    headers = onboarding_headers(context.get("partner"))
    return Response(html, status_code=status, media_type=MediaType.HTML, headers=headers)


def _rows(numbers: list[signup.Row], errors: dict[str, str], count: int) -> list[dict[str, Any]]:
    rows = []
    for index in range(count):
        number, name, granted = numbers[index] if index < len(numbers) else ("", "", True)
        rows.append(
            {
                "number": number,
                "name": name,
                "granted": granted,
                "error": errors.get(f"phone_{index}"),
            }
        )
    return rows


def _posted_rows(field: dict[str, str]) -> list[signup.Row]:
    return [
        (
            field.get(f"phone_{i}", ""),
            field.get(f"phone_name_{i}", ""),
            field.get(f"permission_{i}") == "1",
        )
        for i in range(signup.NUMBER_ROWS)
    ]


def _render_form(
    partner: Partner, action: str, hidden: dict[str, str], form: signup.SignupForm, status: int
) -> Response[str]:
    rows = _rows(form.numbers, form.errors, signup.NUMBER_ROWS)
    return _page(
        "signup.html",
        status,
        partner=partner,
        brand=partner.brand_name,
        action=action,
        hidden=hidden,
        form=form,
        errors=form.errors,
        rows=rows,
        ask_permission=partner.billing_model == "direct",
    )


def _carried(query: Any) -> dict[str, str]:
    """The link's parameters the forms post back, the Connect Button's IO names as ours."""
    hidden = {key: query[key] for key in CARRIED if query.get(key) is not None}
    for alias, name in IO_ALIASES.items():
        if not hidden.get(name) and query.get(alias) is not None:
            hidden[name] = query[alias]
    return hidden


def _attach_to(hidden: dict[str, str]) -> str | None:
    """``connect_client_user=true&client_id=…`` on a signup: the existing client (made with
    ``account_sharing/clients``) the signup fills instead of making a new one."""
    if hidden.get("connect_client_user", "").lower() != "true":
        return None
    return hidden.get("client_id") or None


def _requested_number(raw: str | None) -> list[signup.Row]:
    """``number`` as the first phone row. The Connect Button puts it in the URL unencoded, so
    its leading ``+`` arrives as a space: put it back."""
    if not raw or not raw.strip():
        return []
    number = raw.strip()[:32]
    if raw.startswith(" ") and number[:1].isdigit():
        number = "+" + number
    return [(number, "", True)]


@get(PATHS, include_in_schema=False)
async def signup_page(request: Request[Any, Any, Any], partner_id: FromPath[str]) -> Response[Any]:
    state = app_state(request)
    query = request.query_params
    hidden = _carried(query)
    async with state.uow() as uow:
        partner = await uow.partners.get(partner_id)
        if partner is None:
            return refused_page(NotFound(NO_PARTNER))
        try:
            signup.redirect_target(partner, query.get("redirect_url"))
            await signup.check_io_signature(
                uow,
                partner,
                state.master_key,
                hidden.get("signature"),
                hidden.get("timestamp"),
                state.clock.now(),
                max_age=signup.IO_SIGNATURE_MAX_AGE,
            )
        except signup.Refused as refused:
            return refused_page(refused, partner.brand_name, partner)
        if query.get("next") != "login" and (attach := _attach_to(hidden)) is not None:
            try:
                await onboarding.attachable_client(uow, partner.id, attach)
            except (NotFound, Conflict) as refused_client:
                return refused_page(refused_client, partner.brand_name, partner)
    if query.get("next") == "login":
        return _render_login(partner, request.url.path, hidden, query.get("email") or "", None, 200)
    form = signup.SignupForm(
        company="",
        contact_name=query.get("name") or "",
        email=query.get("email") or "",
        numbers=_requested_number(query.get("number")),
    )
    return _render_form(partner, request.url.path, hidden, form, 200)


@post(PATHS, include_in_schema=False, status_code=303)
async def signup_submit(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> Response[Any]:
    state = app_state(request)
    if (busy := await onboarding_limits.over_address_budget(state, request)) is not None:
        return busy
    data = await request.form()
    field = {key: str(data.get(key) or "") for key in data}
    hidden = {key: field[key] for key in CARRIED if field.get(key)}
    step = field.get("step", "")
    if step not in ("", "login", "manage"):
        return refused_page(DomainError("This form cannot be sent here."))
    async with state.uow() as uow:
        partner = await uow.partners.get(partner_id)
        if partner is None:
            return refused_page(NotFound(NO_PARTNER))
        try:
            target = signup.redirect_target(partner, hidden.get("redirect_url"))
            await signup.check_io_signature(
                uow,
                partner,
                state.master_key,
                hidden.get("signature"),
                hidden.get("timestamp"),
                state.clock.now(),
                max_age=signup.IO_SIGNATURE_SUBMIT_WINDOW,
            )
        except signup.Refused as refused:
            return refused_page(refused, partner.brand_name, partner)
        busy = await onboarding_limits.over_partner_budget(state, partner.id, partner.brand_name)
        if busy is not None:
            return busy
        page = _Page(state, uow, partner, request.url.path, hidden, field, target)
        page.address = client_address(request, state.settings.trusted_proxies)
        if step == "login":
            return await page.log_in()
        if step == "manage":
            return await page.save()
        return await page.sign_up()


class _Page:
    """One POST to the page, after the checks every step shares (partner, redirect, IO)."""

    def __init__(
        self,
        state: AppState,
        uow: UnitOfWork,
        partner: Partner,
        action: str,
        hidden: dict[str, str],
        field: dict[str, str],
        target: str,
    ) -> None:
        self.state, self.uow, self.partner, self.action = state, uow, partner, action
        self.hidden, self.field, self.target = hidden, field, target
        self.address = UNKNOWN  # the client's, for the login's per-address budgets

    async def sign_up(self) -> Response[Any]:
        state, uow, partner, hidden, field = (
            self.state,
            self.uow,
            self.partner,
            self.hidden,
            self.field,
        )
        form = signup.SignupForm(
            company=field.get("company", ""),
            contact_name=field.get("contact_name", ""),
            email=field.get("email", ""),
            password=field.get("password", ""),
            numbers=_posted_rows(field),
        )
        valid = signup.validate(form)
        if valid is None:
            return _render_form(partner, self.action, hidden, form, 400)
        new_client, numbers = valid
        if hidden.get("partner"):
            new_client = replace(new_client, partner_payload=hidden["partner"])
        # Hashed before the IO signature is spent: that write starts the transaction, and on
        # SQLite no write transaction may stay open while argon2 runs.
        password_hash = None
        if new_client.password is not None:
            try:
                password = login.validate_password("password", new_client.password)
            except InvalidInput as invalid:
                form.errors["password"] = invalid.message
                return _render_form(partner, self.action, hidden, form, 400)
            password_hash = await login.hash_client_password(password)
        try:
            await signup.spend_io_signature(
                uow, partner, hidden.get("signature"), state.clock.now()
            )
        except signup.Refused as refused:
            return refused_page(refused, partner.brand_name)
        try:
            done = await onboarding.onboard(
                uow,
                state.clock,
                partner.id,
                new_client,
                numbers,
                grant_permission=False,
                step_seconds=state.settings.simulator_step_seconds,
                commit=False,
                password_hash=password_hash,
                attach_to=_attach_to(hidden),
            )
        except NotFound as missing:  # the link's client_id: not this partner's client
            return refused_page(missing, partner.brand_name)
        except phones.NumbersTaken as taken:
            signup.place_taken(form.numbers, taken.numbers, form.errors)
            return _render_form(partner, self.action, hidden, form, 409)
        except Conflict as conflict:
            form.errors["phone_0"] = conflict.message
            return _render_form(partner, self.action, hidden, form, 409)
        except InvalidInput as invalid:
            form.errors["password" if invalid.field == "password" else "company"] = invalid.message
            return _render_form(partner, self.action, hidden, form, 400)
        if field.get("coexistence") == "1":  # WhatsApp Coexistence: the numbers stay on the app
            app = coexistence.app_state(
                state.clock.now(), share_history=field.get("share_history") == "1"
            )
            for channel in done.channels:
                coexistence.make_coexistence(channel, app)
        await uow.commit()
        url = signup.finish_url(
            self.target, done.client.id, [c.id for c in done.channels], [], hidden.get("state")
        )
        return Redirect(url, status_code=303, headers={"Cache-Control": "no-store"})

    async def log_in(self) -> Response[Any]:
        email = self.field.get("email", "")
        try:
            client = await login.authenticate(
                self.uow,
                self.state.password_guard,
                self.partner.id,
                email,
                self.field.get("password", ""),
                self.hidden.get("client_id"),
                self.address,
            )
        except login.LoginFailed as failed:
            status = 400 if failed.retry_after is None else 429
            page = _render_login(self.partner, self.action, self.hidden, email, str(failed), status)
            if failed.retry_after is not None:
                page.headers["Retry-After"] = str(failed.retry_after)
            return page
        session = login.issue_session(self.state.master_key, self.state.clock.now(), client)
        channels = await self.uow.clients.channels_of_client(client.id)
        return self._render_manage(client, channels, session, None, [], {}, None, 200)

    async def save(self) -> Response[Any]:
        state, uow, partner, hidden, field = (
            self.state,
            self.uow,
            self.partner,
            self.hidden,
            self.field,
        )
        session = field.get("session", "")
        await uow.lock_for_write()  # SQLite; on PostgreSQL open_session locks the client row
        try:
            client = await login.open_session(
                uow, state.master_key, state.clock.now(), partner.id, session
            )
        except login.InvalidSession:
            return _render_login(partner, self.action, hidden, "", SESSION_ENDED, 403)
        channels = await uow.clients.channels_of_client(client.id)
        granted = {key[len("grant_") :] for key, value in field.items() if key.startswith("grant_")}
        granted = {channel_id for channel_id in granted if field[f"grant_{channel_id}"] == "1"}
        rows = _posted_rows(field)
        errors: dict[str, str] = {}
        numbers = signup.validate_numbers(rows, errors)

        def again(status: int, notice: str | None = None) -> Response[Any]:
            return self._render_manage(
                client, channels, session, granted, rows, errors, notice, status
            )

        if errors:
            return again(400)
        try:
            await signup.spend_io_signature(
                uow, partner, hidden.get("signature"), state.clock.now()
            )
        except signup.Refused as refused:
            return refused_page(refused, partner.brand_name)
        try:
            done = await onboarding.manage_channels(
                uow,
                state.clock,
                partner.id,
                client.id,
                granted,
                numbers,
                acting_user=str(client.contact_user.get("email") or client.id),
                step_seconds=state.settings.simulator_step_seconds,
                commit=False,
            )
        except phones.NumbersTaken as taken:
            signup.place_taken(rows, taken.numbers, errors)
            return again(409)
        except InvalidInput as invalid:
            reason = invalid.message.partition(": ")[2] or invalid.message
            return again(400, reason[:1].upper() + reason[1:] + ".")
        await uow.commit()
        if done.revoked:  # their keys were revoked in that commit: no cached copy may serve
            state.channel_keys.invalidate()
        url = signup.finish_url(
            self.target,
            client.id,
            [c.id for c in done.usable],
            [c.id for c in done.revoked],
            hidden.get("state"),
        )
        return Redirect(url, status_code=303, headers={"Cache-Control": "no-store"})

    def _render_manage(
        self,
        client: Client,
        channels: list[Channel],
        session: str,
        granted: set[str] | None,
        rows: list[signup.Row],
        errors: dict[str, str],
        notice: str | None,
        status: int,
    ) -> Response[str]:
        partner = self.partner
        allow_add = partner.allow_client_to_add_phone_no
        room = max(0, client.max_channels - len(channels)) if allow_add else 0
        return _page(
            "manage.html",
            status,
            partner=partner,
            brand=partner.brand_name,
            client_name=client.name,
            action=self.action,
            hidden=self.hidden,
            session=session,
            ask_permission=partner.billing_model == "direct",
            channels=[
                {
                    "id": c.id,
                    "number": c.phone_number,
                    "name": c.phone_name,
                    "status": c.status,
                    "ended": c.status in onboarding.ENDED,
                    "granted": c.permission if granted is None else c.id in granted,
                }
                for c in channels
            ],
            add_rows=_rows(rows, errors, min(signup.NUMBER_ROWS, room)),
            allow_add=allow_add,
            max_channels=client.max_channels,
            errors=errors,
            notice=notice,
        )


def _render_login(
    partner: Partner,
    action: str,
    hidden: dict[str, str],
    email: str,
    error: str | None,
    status: int,
) -> Response[str]:
    return _page(
        "login.html",
        status,
        partner=partner,
        brand=partner.brand_name,
        action=action,
        hidden=hidden,
        email=email,
        error=error,
    )


HANDLERS = [signup_page, signup_submit]
