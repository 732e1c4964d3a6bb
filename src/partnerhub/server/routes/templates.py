"""Message templates of a WABA account (spec §4): list, create, edit, delete."""

from __future__ import annotations

from typing import Any

from litestar import Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from partnerhub.domain.templates import services
from partnerhub.domain.templates.rules import NewTemplate, TemplateEdit
from partnerhub.server import presenters
from partnerhub.server.auth import app_state, require_partner
from partnerhub.server.body import read_body
from partnerhub.server.listing import ListParams, envelope
from partnerhub.server.openapi import documents_body, documents_examples
from partnerhub.server.routes import template_examples
from partnerhub.wire import templates as wire

PATH = "/waba_accounts/{waba_account_id:str}/waba_templates"


def new_template(body: wire.TemplateIn) -> NewTemplate:
    """The creation body as the domain takes it (shared with the Messaging API's route)."""
    return NewTemplate(
        body.name, body.category, body.language, body.components, body.parameter_format
    )


def template_edit(body: wire.TemplateEditIn) -> TemplateEdit:
    return TemplateEdit(
        components=body.components, category=body.category, parameter_format=body.parameter_format
    )


@get(PATH, summary="List templates (400 requests / minute)", tags=["Templates"])
async def list_templates(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    waba_account_id: FromPath[str],
    page: NamedDependency[ListParams],
) -> wire.TemplateList:
    await require_partner(request, partner_id)
    state = app_state(request)
    await state.rate_limits.hit(services.LIST_LIMIT, partner_id)
    query = page.parse(services.SORTABLE, services.FILTERS)
    async with state.reads() as uow:
        templates, total = await services.list_templates(uow, partner_id, waba_account_id, query)
    return wire.TemplateList(
        **envelope(query, total, len(templates)),
        waba_templates=[presenters.template(t) for t in templates],
    )


@post(
    PATH,
    summary="Create a template (60 requests / minute per WABA); Meta's review follows",
    tags=["Templates"],
    status_code=200,
)
@documents_body(wire.TemplateIn)
@documents_examples(template_examples.CREATE)
async def create_template(
    request: Request[Any, Any, Any], partner_id: FromPath[str], waba_account_id: FromPath[str]
) -> wire.Template:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.TemplateIn)
    state = app_state(request)
    async with state.uow() as uow:
        template = await services.create_template(
            uow,
            state.clock,
            partner_id,
            waba_account_id,
            new_template(body),
            review_seconds=state.settings.template_review_delay,
            limits=state.rate_limits,
        )
    return presenters.template(template)


@delete(
    PATH + "/{template_name:str}",
    summary="Delete a template: every language of that name",
    tags=["Templates"],
    status_code=200,
)
async def delete_template(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    waba_account_id: FromPath[str],
    template_name: FromPath[str],
) -> wire.TemplateDeleted:
    await require_partner(request, partner_id)
    async with app_state(request).uow() as uow:
        deleted = await services.delete_template(uow, partner_id, waba_account_id, template_name)
    return wire.TemplateDeleted(success=True, deleted=[presenters.template(t) for t in deleted])


@patch(
    PATH + "/{template_id:str}",
    summary=(
        "Edit a template by id: new components and/or category; it goes back to Meta's review "
        "(only approved, rejected or paused templates; an approved one once a day, 10 times in "
        "30 days, category unchanged)"
    ),
    tags=["Templates"],
    status_code=200,
)
@documents_body(wire.TemplateEditIn)
async def edit_template(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    waba_account_id: FromPath[str],
    template_id: FromPath[str],
) -> wire.Template:
    # By id, as Meta edits (a name would stand for every language of it).
    await require_partner(request, partner_id)
    body = await read_body(request, wire.TemplateEditIn)
    state = app_state(request)
    async with state.uow() as uow:
        template = await services.edit_template(
            uow,
            state.clock,
            partner_id,
            waba_account_id,
            template_id,
            template_edit(body),
            review_seconds=state.settings.template_review_delay,
            limits=state.rate_limits,
        )
    return presenters.template(template)


HANDLERS = [list_templates, create_template, edit_template, delete_template]
