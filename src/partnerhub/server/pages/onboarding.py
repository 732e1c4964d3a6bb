"""``/dashboard/app/{partner_id}/permissions``: the integrated onboarding page (spec §8).

A public page: the partner's end client opens the partner's link, signs up with one or more
numbers and is sent back to the partner's redirect URL with ``client``, ``channels`` and
``state``. Plain HTML forms: it works without JavaScript. Errors are pages that say what is
wrong, never a JSON body or a stack trace.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from partnerhub.domain.clients import services, signup
from partnerhub.domain.errors import Conflict, InvalidInput
from partnerhub.domain.partners.model import Partner
from partnerhub.server.auth import app_state
from partnerhub.server.pages import templates

CARRIED = ("state", "partner", "redirect_url", "signature", "timestamp", "plan_selection")


def _page(name: str, status: int, **context: Any) -> Response[str]:
    html = templates.get_template(name).render(**context)
    return Response(html, status_code=status, media_type=MediaType.HTML)


def _refused(reason: str, brand: str = "partnerhub", status: int = 400) -> Response[str]:
    return _page("refused.html", status, reason=reason, brand=brand)


def _render_form(
    partner: Partner, action: str, hidden: dict[str, str], form: signup.SignupForm, status: int
) -> Response[str]:
    rows = []
    for index in range(signup.NUMBER_ROWS):
        number, name, granted = form.numbers[index] if index < len(form.numbers) else ("", "", True)
        rows.append(
            {
                "number": number,
                "name": name,
                "granted": granted,
                "error": form.errors.get(f"phone_{index}"),
            }
        )
    return _page(
        "signup.html",
        status,
        brand=partner.brand_name,
        action=action,
        hidden=hidden,
        form=form,
        errors=form.errors,
        rows=rows,
        ask_permission=partner.billing_model == "direct",
    )


@get("/dashboard/app/{partner_id:str}/permissions", include_in_schema=False)
async def signup_page(request: Request[Any, Any, Any], partner_id: FromPath[str]) -> Response[Any]:
    state = app_state(request)
    query = request.query_params
    async with state.uow() as uow:
        partner = await uow.partners.get(partner_id)
        if partner is None:
            return _refused("There is no partner behind this link.", status=404)
        try:
            signup.redirect_target(partner, query.get("redirect_url"))
            await signup.check_io_signature(
                uow,
                partner,
                state.master_key,
                query.get("signature"),
                query.get("timestamp"),
                state.clock.now(),
                max_age=signup.IO_SIGNATURE_MAX_AGE,
            )
        except signup.Refused as refused:
            return _refused(str(refused), partner.brand_name, status=403)
    form = signup.SignupForm(
        company="", contact_name=query.get("name") or "", email=query.get("email") or ""
    )
    hidden = {key: query[key] for key in CARRIED if query.get(key) is not None}
    return _render_form(partner, request.url.path, hidden, form, 200)


@post("/dashboard/app/{partner_id:str}/permissions", include_in_schema=False, status_code=303)
async def signup_submit(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> Response[Any]:
    state = app_state(request)
    data = await request.form()
    field = {key: str(data.get(key) or "") for key in data}
    hidden = {key: field[key] for key in CARRIED if field.get(key)}
    form = signup.SignupForm(
        company=field.get("company", ""),
        contact_name=field.get("contact_name", ""),
        email=field.get("email", ""),
        numbers=[
            (
                field.get(f"phone_{i}", ""),
                field.get(f"phone_name_{i}", ""),
                field.get(f"permission_{i}") == "1",
            )
            for i in range(signup.NUMBER_ROWS)
        ],
    )
    async with state.uow() as uow:
        partner = await uow.partners.get(partner_id)
        if partner is None:
            return _refused("There is no partner behind this link.", status=404)
        try:
            target = signup.redirect_target(partner, hidden.get("redirect_url"))
            now = state.clock.now()
            await signup.check_io_signature(
                uow,
                partner,
                state.master_key,
                hidden.get("signature"),
                hidden.get("timestamp"),
                now,
                max_age=signup.IO_SIGNATURE_SUBMIT_WINDOW,
            )
        except signup.Refused as refused:
            return _refused(str(refused), partner.brand_name, status=403)
        valid = signup.validate(form)
        if valid is None:
            return _render_form(partner, request.url.path, hidden, form, 400)
        new_client, numbers = valid
        if hidden.get("partner"):
            new_client = services.NewClient(
                name=new_client.name,
                contact_name=new_client.contact_name,
                email=new_client.email,
                partner_payload=hidden["partner"],
            )
        try:
            done = await services.onboard(
                uow,
                state.clock,
                partner.id,
                new_client,
                numbers,
                grant_permission=False,
                step_seconds=state.settings.simulator_step_seconds,
                commit=False,
            )
        except Conflict as conflict:
            form.errors["phone_0"] = conflict.message
            return _render_form(partner, request.url.path, hidden, form, 409)
        except InvalidInput as invalid:
            form.errors["company"] = invalid.message
            return _render_form(partner, request.url.path, hidden, form, 400)
        await signup.spend_io_signature(uow, partner, hidden.get("signature"), now)
        await uow.commit()
    url = signup.finish_url(
        target, done.client.id, [c.id for c in done.channels], [], hidden.get("state")
    )
    return Redirect(url, status_code=303)


HANDLERS = [signup_page, signup_submit]
