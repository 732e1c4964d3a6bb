"""Message templates per WABA account and their simulated Meta review (spec §4, §5, §6, §7).

Two layers, so that both APIs share one store and one set of rules:

- ``*_for_waba`` functions take a WABA account already resolved and trusted: the Messaging API
  resolves it from a channel key (``/v1/configs/templates``).
- :func:`create_template`, :func:`list_templates` and :func:`delete_template` first check that
  the WABA account belongs to the calling partner (another partner's answers 404, spec §2.1).

A new template is ``submitted`` with its review due ``review_seconds`` later; creating one emits
no event (the API answer is the confirmation). Editing one (:func:`edit_template`, Meta's rules:
:func:`edit_for_waba`) sends it back to review: ``submitted`` again, with its event, since a
template that was approved can no longer be sent. The review, run by the simulator
(:func:`run_due_reviews`) or decided through the emulator (:func:`review`), changes the status
and writes ``waba_template_status_changed`` in the same transaction (transactional outbox).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from partnerhub.domain import ids
from partnerhub.domain.clients.model import WabaAccount
from partnerhub.domain.clock import Clock, isoformat
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.partners.services import load_partner
from partnerhub.domain.ports import RateLimits, UnitOfWork
from partnerhub.domain.ratelimit import Rule
from partnerhub.domain.templates import rules
from partnerhub.domain.templates.model import (
    Template,
    TemplateStatus,
    author,
    client_author,
    partner_author,
)
from partnerhub.domain.templates.rules import NewTemplate, TemplateEdit
from partnerhub.domain.text import clean_text
from partnerhub.domain.webhooks import outbox
from partnerhub.wire import events as wire_events

__all__ = [
    "CREATE_LIMIT",
    "FILTERS",
    "LIST_LIMIT",
    "SORTABLE",
    "NewTemplate",
    "create_for_waba",
    "create_template",
    "delete_for_waba",
    "delete_template",
    "edit_for_waba",
    "edit_template",
    "list_for_waba",
    "list_templates",
    "review",
    "run_due_reviews",
    "template_fields",
]

TEMPLATE_ID_SUFFIX = "TP"  # [ours]: 360dialog does not document template ids
# [360] "Each WABA can have up to 250 message templates", counted by name (all languages of a
# name count once).
MAX_NAMES_PER_WABA = 250
# With the simulator's ``reject_names`` on, a name containing this is rejected at review.
REJECT_MARKER = "reject"
DEFAULT_REJECTED_REASON = "INVALID_FORMAT"  # one of Meta's rejected_reason values
MAX_REASON = 255  # the column's size
# spec §3.5 [360]: list 400 requests a minute (per partner [ours]); create 60 a minute per WABA.
LIST_LIMIT = Rule("list_templates", 400, 60)
CREATE_LIMIT = Rule("create_template", 60, 60)

# spec §3.3 [360]: the filter keys, plus those a published .NET partner client sends (its
# filter class has ``waba_account_id``, ``name``, ``rejected_reason`` and ``namespace``:
# docs/fidelity.md); sort keys are the documented ones plus the timestamps and ``name``.
FILTERS: dict[str, type] = {
    "id": str,
    "partner_id": str,
    "business_templates.name": str,
    "status": str,
    "category": str,
    "language": str,
    "waba_account_id": str,
    "name": str,
    "rejected_reason": str,
    "namespace": str,
}
SORTABLE = (
    "id",
    "partner_id",
    "name",
    "business_templates.name",
    "status",
    "category",
    "language",
    "created_at",
    "modified_at",
)
_IN_REVIEW = frozenset({TemplateStatus.SUBMITTED, TemplateStatus.PENDING})
# Meta: "Only templates with an APPROVED, REJECTED, or PAUSED status can be edited"; an approved
# template can be edited once in 24 hours and 10 times in 30 days, and keeps its category;
# rejected and paused ones have no limit and may change category.
EDITABLE = frozenset({TemplateStatus.APPROVED, TemplateStatus.REJECTED, TemplateStatus.PAUSED})
APPROVED_EDITS_PER_DAY = 1
APPROVED_EDITS_PER_MONTH = 10
_DAY = timedelta(hours=24)
_MONTH = timedelta(days=30)


def template_fields(template: Template) -> dict[str, Any]:
    """The template as the Partner API shows it (spec §5 Template)."""
    return {
        "id": template.id,
        "partner_id": template.partner_id,
        "waba_account_id": template.waba_account_id,
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "components": template.components,
        "status": template.status,
        "rejected_reason": template.rejected_reason,
        "namespace": template.namespace,
        "created_at": isoformat(template.created_at),
        "modified_at": isoformat(template.modified_at),
        "created_by": author(template.created_by, template),
        "modified_by": author(template.modified_by, template),
    }


def _status_event(template: Template, waba: WabaAccount) -> wire_events.WabaTemplateStatusChanged:
    """``waba_template_status_changed`` (spec §7 [ours: exact string unconfirmed]): the
    template plus its client."""
    data = wire_events.TemplateStatusData(**template_fields(template), client_id=waba.client_id)
    return wire_events.WabaTemplateStatusChanged(outbox.new_event_id(), data)


async def _waba_of_partner(uow: UnitOfWork, partner_id: str, waba_id: str) -> WabaAccount:
    waba = await uow.clients.get_waba(partner_id, waba_id)
    if waba is None:
        raise NotFound("WABA account not found")
    return waba


async def create_for_waba(
    uow: UnitOfWork,
    clock: Clock,
    waba: WabaAccount,
    new: NewTemplate,
    *,
    review_seconds: float,
    limits: RateLimits | None = None,
    created_by: dict[str, str] | None = None,
) -> Template:
    """Validate and store a new template (``submitted``, reviewed ``review_seconds`` later).

    ``created_by`` names the author; by default the WABA's client, since the only caller that
    does not name one is the Messaging API, used with the client's channel key.

    With ``limits``, the request is counted against :data:`CREATE_LIMIT` for this WABA first
    (refused ones too, as any request is; the WABA is known to be the caller's by now).
    """
    if limits is not None:
        await limits.hit(CREATE_LIMIT, waba.id)
    valid = rules.validate(new)
    # SQLite: one writer at a time, so the duplicate check below cannot be overtaken.
    # PostgreSQL: the unique constraint catches a concurrent twin (insert_unique).
    await uow.lock_for_write()
    duplicate = Conflict(
        f"A template named '{valid.name}' in language '{valid.language}' already exists"
    )
    if await uow.templates.find(waba.id, valid.name, valid.language) is not None:
        raise duplicate
    if not await uow.templates.names(waba.id, valid.name) and (
        await uow.templates.count_names(waba.id) >= MAX_NAMES_PER_WABA
    ):
        raise Conflict(f"A WABA account can have at most {MAX_NAMES_PER_WABA} template names")
    now = clock.now()
    template = Template(
        id=ids.new_id(TEMPLATE_ID_SUFFIX, 12),
        partner_id=waba.partner_id,
        waba_account_id=waba.id,
        name=valid.name,
        language=valid.language,
        category=valid.category.value,
        status=TemplateStatus.SUBMITTED.value,
        namespace=waba.namespace,
        created_at=now,
        modified_at=now,
        created_by=created_by or client_author(waba.client_id),
        modified_by=created_by or client_author(waba.client_id),
        components=valid.components,
        rejected_reason=None,
        review_at=now + timedelta(seconds=review_seconds),
    )
    if not await uow.templates.insert_unique(template):
        raise duplicate
    await uow.commit()
    return template


async def create_template(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    waba_id: str,
    new: NewTemplate,
    *,
    review_seconds: float,
    limits: RateLimits | None = None,
) -> Template:
    """``POST …/waba_accounts/{waba_account_id}/waba_templates`` for the calling partner."""
    waba = await _waba_of_partner(uow, partner_id, waba_id)
    return await create_for_waba(
        uow,
        clock,
        waba,
        new,
        review_seconds=review_seconds,
        limits=limits,
        created_by=partner_author(partner_id),
    )


def _normalized(query: ListQuery) -> ListQuery:
    # Categories are stored upper-case (as Meta returns them) but accepted in any case.
    category = query.filters.get("category")
    if isinstance(category, str):
        return query.with_filters({**query.filters, "category": category.upper()})
    return query


async def list_for_waba(
    uow: UnitOfWork, waba_id: str, query: ListQuery
) -> tuple[list[Template], int]:
    """The WABA account's templates, every language; default order newest first."""
    return await uow.templates.list_for_waba(waba_id, _normalized(query))


async def list_templates(
    uow: UnitOfWork, partner_id: str, waba_id: str, query: ListQuery
) -> tuple[list[Template], int]:
    waba = await _waba_of_partner(uow, partner_id, waba_id)
    return await list_for_waba(uow, waba.id, query)


async def delete_for_waba(uow: UnitOfWork, waba: WabaAccount, name: str) -> list[Template]:
    """Delete every language of the template ``name`` (Meta deletes by name).

    A template id is accepted too and deletes that one language: some client libraries of the
    real service address templates by id. Names are lower-case and ids are not, so the two
    cannot be confused.
    """
    await uow.lock_for_write()
    templates = await uow.templates.names(waba.id, name)
    if not templates:
        by_id = await uow.templates.get(name)
        if by_id is not None and by_id.waba_account_id == waba.id:
            templates = [by_id]
    if not templates:
        raise NotFound("Template not found")
    for template in templates:
        await uow.templates.delete(template)
    await uow.commit()
    return templates


async def delete_template(
    uow: UnitOfWork, partner_id: str, waba_id: str, name: str
) -> list[Template]:
    waba = await _waba_of_partner(uow, partner_id, waba_id)
    return await delete_for_waba(uow, waba, name)


def _recent_edits(template: Template, now: datetime) -> list[datetime]:
    """The edits made while approved within the last 30 days, oldest first."""
    moments = [datetime.fromisoformat(at) for at in template.approved_edits]
    return sorted(at for at in moments if now - at < _MONTH)


def _check_editable(template: Template, category: str) -> None:
    """Meta's status and category rules for an edit; raises when it is refused."""
    status = TemplateStatus(template.status)
    if status not in EDITABLE:
        allowed = ", ".join(sorted(s.value for s in EDITABLE))
        raise Conflict(
            f"Template {template.id} is {status.value}: only {allowed} templates can be edited"
        )
    if status == TemplateStatus.APPROVED and category != template.category:
        raise InvalidInput(
            "category",
            f"an approved template's category cannot be changed (it is {template.category})",
        )


def _check_edit_limits(template: Template, now: datetime) -> list[datetime]:
    """Meta's limits on editing an approved template; raises when this edit is over them, else
    returns the recent approved edits (to which this one is then added)."""
    if template.status != TemplateStatus.APPROVED:
        return []
    recent = _recent_edits(template, now)
    last_day = [at for at in recent if now - at < _DAY]
    if len(last_day) >= APPROVED_EDITS_PER_DAY:
        raise Conflict(
            f"An approved template can be edited {APPROVED_EDITS_PER_DAY} time in 24 hours; "
            f"edit it again after {isoformat(last_day[0] + _DAY)}"
        )
    if len(recent) >= APPROVED_EDITS_PER_MONTH:
        raise Conflict(
            f"An approved template can be edited {APPROVED_EDITS_PER_MONTH} times in 30 days; "
            f"edit it again after {isoformat(recent[0] + _MONTH)}"
        )
    return recent


async def edit_for_waba(
    uow: UnitOfWork,
    clock: Clock,
    waba: WabaAccount,
    template_id: str,
    edit: TemplateEdit,
    *,
    review_seconds: float,
    limits: RateLimits | None = None,
    edited_by: dict[str, str] | None = None,
) -> Template:
    """Replace a template's components and/or category; it goes back to Meta's review.

    The same checks as a new template (the components are validated whole, with the template's
    name and language), Meta's edit rules (:data:`EDITABLE`, the approved-template limits and
    category lock), and the same per-WABA request budget as creation. An edit that changes
    nothing is answered with the template as it is: no review, no event, no edit spent. Otherwise
    the template is ``submitted`` with its review due ``review_seconds`` later, and
    ``waba_template_status_changed`` is written in the same transaction.
    """
    if limits is not None:
        await limits.hit(CREATE_LIMIT, waba.id)
    if edit.components is None and edit.category is None and edit.parameter_format is None:
        raise InvalidInput("components", "send the new components, a category, or both")
    await uow.lock_for_write()
    template = await uow.templates.get(template_id, for_update=True)
    if template is None or template.waba_account_id != waba.id:
        raise NotFound("Template not found")
    valid = rules.validate(
        NewTemplate(
            template.name,
            template.category if edit.category is None else edit.category,
            template.language,
            template.components if edit.components is None else edit.components,
            rules.parameter_format_of(template.components)
            if edit.parameter_format is None
            else edit.parameter_format,
        )
    )
    category = valid.category.value
    _check_editable(template, category)
    if category == template.category and valid.components == template.components:
        return template
    now = clock.now()
    recent = _check_edit_limits(template, now)
    if template.status == TemplateStatus.APPROVED:
        template.approved_edits = [at.isoformat() for at in [*recent, now]]
    template.category = category
    template.components = valid.components
    template.status = TemplateStatus.SUBMITTED.value
    template.rejected_reason = None
    template.review_at = now + timedelta(seconds=review_seconds)
    template.modified_at = now
    template.modified_by = edited_by or client_author(waba.client_id)
    await _emit_status(uow, clock, [template], {}, {waba.id: waba})
    await uow.commit()
    return template


async def edit_template(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    waba_id: str,
    template_id: str,
    edit: TemplateEdit,
    *,
    review_seconds: float,
    limits: RateLimits | None = None,
) -> Template:
    """``PATCH …/waba_accounts/{waba_account_id}/waba_templates/{template_id}`` [ours]."""
    waba = await _waba_of_partner(uow, partner_id, waba_id)
    return await edit_for_waba(
        uow,
        clock,
        waba,
        template_id,
        edit,
        review_seconds=review_seconds,
        limits=limits,
        edited_by=partner_author(partner_id),
    )


async def _emit_status(
    uow: UnitOfWork,
    clock: Clock,
    templates: Sequence[Template],
    partners: dict[str, Partner],
    wabas: dict[str, WabaAccount],
) -> None:
    for template in templates:
        if template.partner_id not in partners:
            partners[template.partner_id] = await load_partner(uow, template.partner_id)
        if template.waba_account_id not in wabas:
            waba = await uow.clients.get_waba(template.partner_id, template.waba_account_id)
            if waba is None:  # pragma: no cover - the foreign key keeps them together
                raise NotFound("WABA account not found")
            wabas[template.waba_account_id] = waba
        event = _status_event(template, wabas[template.waba_account_id])
        await outbox.emit(uow, clock, partners[template.partner_id], event)


def _reason(status: TemplateStatus, rejected_reason: str | None) -> str | None:
    if status != TemplateStatus.REJECTED:
        if rejected_reason is not None:
            raise InvalidInput("rejected_reason", "only a rejected template has a reason")
        return None
    if rejected_reason is None:
        return DEFAULT_REJECTED_REASON
    reason = clean_text("rejected_reason", rejected_reason).strip()
    if not reason:
        raise InvalidInput("rejected_reason", "must not be empty")
    if len(reason) > MAX_REASON:
        raise InvalidInput("rejected_reason", f"must be at most {MAX_REASON} characters")
    return reason


async def review(
    uow: UnitOfWork,
    clock: Clock,
    template_id: str,
    status: str,
    rejected_reason: str | None = None,
    *,
    review_seconds: float | None = None,
) -> Template:
    """The emulator's hand on Meta's review: set any status, with its event.

    ``rejected`` takes a reason (default ``INVALID_FORMAT``); other statuses take none. Back to
    ``submitted`` or ``pending``, the automatic review keeps its schedule, or (when it had
    already decided) starts again ``review_seconds`` from now when that is given; any other
    status ends it. Setting the status and reason a template already has changes and emits
    nothing.
    """
    try:
        target = TemplateStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in TemplateStatus)
        raise InvalidInput("status", f"must be one of: {allowed}") from None
    reason = _reason(target, rejected_reason)
    await uow.lock_for_write()
    template = await uow.templates.get(template_id, for_update=True)
    if template is None:
        raise NotFound("Template not found")
    now = clock.now()
    if target in _IN_REVIEW:
        if template.review_at is None and review_seconds is not None:
            template.review_at = now + timedelta(seconds=review_seconds)
    else:
        template.review_at = None
    if template.status != target or template.rejected_reason != reason:
        template.status = target.value
        template.rejected_reason = reason
        template.modified_at = now
        await _emit_status(uow, clock, [template], {}, {})
    await uow.commit()
    return template


async def run_due_reviews(
    uow: UnitOfWork, clock: Clock, *, reject_names: bool, limit: int = 200
) -> int:
    """One simulator round: decide every template whose review is due, with its event.

    A template is approved, or rejected (``INVALID_FORMAT``) when ``reject_names`` is on and its
    name contains ``reject`` — a deterministic way for a test suite to see a rejection.
    """
    now = clock.now()
    # Most rounds have nothing to do: look before taking SQLite's write lock.
    if not await uow.templates.any_due(now):
        return 0
    await uow.lock_for_write()
    due = await uow.templates.due_reviews(now, limit)
    if not due:
        return 0
    for template in due:
        if reject_names and REJECT_MARKER in template.name:
            template.status = TemplateStatus.REJECTED.value
            template.rejected_reason = DEFAULT_REJECTED_REASON
        else:
            template.status = TemplateStatus.APPROVED.value
            template.rejected_reason = None
        template.review_at = None
        template.modified_at = now
    await _emit_status(uow, clock, due, {}, {})
    await uow.commit()
    return len(due)
