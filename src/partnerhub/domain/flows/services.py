"""The lifecycle of a WABA's Flows: create (or clone), edit the metadata, upload the Flow JSON
(validated), preview, publish, deprecate, delete, migrate to another WABA of the partner.

States (Meta's)::

    DRAFT --publish (a Flow JSON without validation errors)--> PUBLISHED --deprecate--> DEPRECATED
      |
      +--delete (only a draft)

Refusals carry Meta's Flows API error code (:class:`FlowRefused`); another partner's WABA or
Flow is simply not found.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec

from partnerhub.domain.clients.model import WabaAccount
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import DomainError, NotFound
from partnerhub.domain.flows.model import CATEGORIES, Flow, FlowStatus
from partnerhub.domain.flows.validation import validate
from partnerhub.domain.messaging import errors as messaging_errors
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks import outbox

# Meta's Flows API error codes (docs/fidelity.md "WhatsApp Flows").
INVALID_PARAMETER = 100
FLOW_NOT_UPDATABLE = 139001
PUBLISHING_FAILED = 139002
DEPRECATING_FAILED = 139003
DELETING_FAILED = 139004

MAX_FLOW_JSON_BYTES = 10 * 1024 * 1024  # Meta: a Flow JSON file is at most 10 MB
PREVIEW_LIFETIME = timedelta(days=30)
ASSET_NAME = "flow.json"
ASSET_TYPE = "FLOW_JSON"


class FlowRefused(DomainError):
    """Meta refused the operation on the Flow: ``code`` is Meta's Flows API error code."""

    def __init__(self, code: int, title: str, reason: str) -> None:
        super().__init__(f"(#{code}) {title}: {reason}", details=[reason])
        self.code = code
        self.title = title


@dataclass(frozen=True)
class NewFlow:
    name: str
    categories: list[str] | None = None
    clone_flow_id: str | None = None
    endpoint_uri: str | None = None


@dataclass(frozen=True)
class FlowEdit:
    name: str | None = None
    categories: list[str] | None = None
    endpoint_uri: str | None = None


@dataclass(frozen=True)
class Migrated:
    source_name: str
    source_id: str
    migrated_id: str


@dataclass(frozen=True)
class NotMigrated:
    source_name: str
    error_code: str
    error_message: str


def new_flow_id() -> str:
    """A Meta-style numeric id (15 or 16 digits, as Meta's Flow ids are)."""
    return str(10**15 + secrets.randbelow(9 * 10**15))


async def waba_of_partner(uow: UnitOfWork, partner_id: str, waba_id: str) -> WabaAccount:
    waba = await uow.clients.get_waba(partner_id, waba_id)
    if waba is None:
        raise NotFound("WABA account not found")
    return waba


async def list_flows(uow: UnitOfWork, partner_id: str, waba_id: str) -> list[Flow]:
    waba = await waba_of_partner(uow, partner_id, waba_id)
    return await uow.flows.list_for_waba(waba.id)


async def get_flow(uow: UnitOfWork, partner_id: str, waba_id: str, flow_id: str) -> Flow:
    waba = await waba_of_partner(uow, partner_id, waba_id)
    flow = await uow.flows.get(flow_id)
    if flow is None or flow.waba_account_id != waba.id or flow.partner_id != partner_id:
        raise NotFound("Flow not found")
    return flow


async def _name_free(uow: UnitOfWork, waba_id: str, name: str, flow_id: str | None) -> None:
    same = await uow.flows.find_by_name(waba_id, name)
    if same is not None and same.id != flow_id:
        raise FlowRefused(
            INVALID_PARAMETER,
            "Invalid parameter",
            NAME_NOT_UNIQUE,
        )


def _categories(categories: Sequence[str]) -> list[str]:
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise FlowRefused(
            INVALID_PARAMETER, "Invalid parameter", f"Unknown Flow category {unknown[0]!r}."
        )
    return list(dict.fromkeys(categories))


async def create_flow(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    waba_id: str,
    new: NewFlow,
    *,
    clone_within_waba: bool = False,
) -> Flow:
    """``POST …/flows``: a new DRAFT, empty or cloned from another Flow of the partner (of this
    WABA only, with ``clone_within_waba``: a channel key's caller sees no other WABA's Flows,
    so another WABA's is as unknown to it as a missing one)."""
    await uow.lock_for_write()
    waba = await waba_of_partner(uow, partner_id, waba_id)
    await _name_free(uow, waba.id, new.name, None)
    source: Flow | None = None
    if new.clone_flow_id is not None:
        source = await uow.flows.get(new.clone_flow_id)
        if (
            source is None
            or source.partner_id != partner_id
            or (clone_within_waba and source.waba_account_id != waba.id)
        ):
            raise FlowRefused(
                INVALID_PARAMETER,
                "Invalid parameter",
                "Flow with specified ID does not exist (clone_flow_id).",
            )
    if new.categories is None and source is None:
        raise FlowRefused(
            INVALID_PARAMETER, "Invalid parameter", "The parameter categories is required."
        )
    now = clock.now()
    categories = _categories(new.categories or (source.categories if source else []))
    flow = Flow(
        id=new_flow_id(),
        partner_id=partner_id,
        waba_account_id=waba.id,
        name=new.name,
        categories=categories,
        status=FlowStatus.DRAFT,
        created_at=now,
        modified_at=now,
        endpoint_uri=new.endpoint_uri or (source.endpoint_uri if source else None),
        flow_json=source.flow_json if source else None,
        json_version=source.json_version if source else None,
        data_api_version=source.data_api_version if source else None,
        validation_errors=list(source.validation_errors) if source else [],
    )
    if not await uow.flows.add(flow):  # a concurrent twin took the name since we looked
        raise FlowRefused(INVALID_PARAMETER, "Invalid parameter", NAME_NOT_UNIQUE)
    await uow.commit()
    return flow


def _draft_only(flow: Flow, what: str) -> None:
    if flow.status != FlowStatus.DRAFT:
        raise FlowRefused(
            FLOW_NOT_UPDATABLE,
            "Flow can't be updated",
            f"The Flow is {flow.status}: only a DRAFT Flow's {what} can be changed.",
        )


async def update_flow(
    uow: UnitOfWork, clock: Clock, partner_id: str, waba_id: str, flow_id: str, edit: FlowEdit
) -> Flow:
    """``POST …/flows/{flow_id}``: name, categories, endpoint_uri of a DRAFT Flow."""
    await uow.lock_for_write()
    flow = await get_flow(uow, partner_id, waba_id, flow_id)
    _draft_only(flow, "metadata")
    if edit.name is not None:
        await _name_free(uow, flow.waba_account_id, edit.name, flow.id)
    changed = flow.but(
        name=edit.name if edit.name is not None else flow.name,
        categories=_categories(edit.categories) if edit.categories else flow.categories,
        endpoint_uri=edit.endpoint_uri if edit.endpoint_uri is not None else flow.endpoint_uri,
        modified_at=clock.now(),
    )
    await uow.flows.save(changed)
    await uow.commit()
    return changed


async def upload_flow_json(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    waba_id: str,
    flow_id: str,
    *,
    name: str,
    asset_type: str,
    content: bytes,
) -> Flow:
    """``POST …/flows/{flow_id}/assets``: replace the DRAFT's Flow JSON; the answer lists the
    validation errors (the upload succeeds even with errors, as Meta's does)."""
    await uow.lock_for_write()
    flow = await get_flow(uow, partner_id, waba_id, flow_id)
    if asset_type != ASSET_TYPE:
        raise FlowRefused(
            INVALID_PARAMETER, "Invalid parameter", f"asset_type must be {ASSET_TYPE}."
        )
    if name != ASSET_NAME:
        raise FlowRefused(INVALID_PARAMETER, "Invalid parameter", f"name must be {ASSET_NAME}.")
    if len(content) > MAX_FLOW_JSON_BYTES:
        raise FlowRefused(
            INVALID_PARAMETER, "Invalid parameter", "The Flow JSON file is larger than 10 MB."
        )
    _draft_only(flow, "Flow JSON")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise FlowRefused(
            INVALID_PARAMETER, "Invalid parameter", "The Flow JSON file is not UTF-8 text."
        ) from None
    checked = validate(text)
    changed = flow.but(
        flow_json=text,
        json_version=checked.json_version,
        data_api_version=checked.data_api_version,
        validation_errors=[msgspec.to_builtins(e) for e in checked.errors],
        modified_at=clock.now(),
    )
    await uow.flows.save(changed)
    await uow.commit()
    return changed


def _with_preview(flow: Flow, now: datetime, invalidate: bool) -> Flow | None:
    """The Flow with a fresh preview link, or None when its link is still good."""
    expires = flow.preview_expires_at
    if not invalidate and flow.preview_token and expires is not None and expires > now:
        return None
    return flow.but(preview_token=secrets.token_hex(16), preview_expires_at=now + PREVIEW_LIFETIME)


async def preview(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    waba_id: str,
    flow_id: str,
    *,
    invalidate: bool,
) -> Flow:
    """``fields=preview.invalidate(…)``: the Flow with a live preview link (a new one when
    asked to invalidate the old, or when it expired)."""
    await uow.lock_for_write()
    flow = await get_flow(uow, partner_id, waba_id, flow_id)
    changed = _with_preview(flow, clock.now(), invalidate)
    if changed is None:
        return flow
    await uow.flows.save(changed)
    await uow.commit()
    return changed


async def list_with_previews(
    uow: UnitOfWork, clock: Clock, partner_id: str, waba_id: str, *, invalidate: bool
) -> list[Flow]:
    """The list asked with ``preview``: every Flow with a live preview link."""
    await uow.lock_for_write()
    now = clock.now()
    out = []
    for flow in await list_flows(uow, partner_id, waba_id):
        changed = _with_preview(flow, now, invalidate)
        if changed is not None:
            await uow.flows.save(changed)
        out.append(changed or flow)
    await uow.commit()
    return out


def status_change_webhook(
    flow: Flow, waba: WabaAccount, old: str, new: str, at: datetime
) -> dict[str, Any]:
    """Meta's ``flows`` webhook of a status change (Cloud API shape, WABA-level field)."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba.external_id,
                "time": int(at.timestamp()),
                "changes": [
                    {
                        "value": {
                            "event": "FLOW_STATUS_CHANGE",
                            "message": f"Flow {flow.name} changed status from {old} to {new}",
                            "flow_id": flow.id,
                            "old_status": old,
                            "new_status": new,
                        },
                        "field": "flows",
                    }
                ],
            }
        ],
    }


async def _status_changed(
    uow: UnitOfWork, clock: Clock, flow: Flow, old: str, changed: Flow
) -> None:
    """Tell the WABA's numbers (their messaging webhooks), in the transaction of the change."""
    waba = await waba_of_partner(uow, flow.partner_id, flow.waba_account_id)
    channels = [
        c
        for c in await uow.clients.channels_of_client(waba.client_id)
        if c.waba_account_id == waba.id
    ]
    payload = status_change_webhook(changed, waba, old, changed.status, clock.now())
    await outbox.emit_to_channels(
        uow, clock, [(c, "flow_status_change", payload) for c in channels]
    )


async def publish(
    uow: UnitOfWork, clock: Clock, partner_id: str, waba_id: str, flow_id: str
) -> Flow:
    await uow.lock_for_write()
    flow = await get_flow(uow, partner_id, waba_id, flow_id)
    reason = None
    if flow.status != FlowStatus.DRAFT:
        reason = f"Only a DRAFT Flow can be published; this one is {flow.status}."
    elif flow.flow_json is None:
        reason = "The Flow has no Flow JSON: upload one (asset_type FLOW_JSON) first."
    elif flow.validation_errors:
        reason = (
            f"The Flow JSON has {len(flow.validation_errors)} validation error(s): fix them "
            "and upload it again."
        )
    elif flow.data_api_version is not None and not flow.endpoint_uri:
        reason = "The Flow uses an endpoint (data_api_version) but has no endpoint_uri."
    if reason is not None:
        raise FlowRefused(PUBLISHING_FAILED, "Publishing Flow failed", reason)
    changed = flow.but(status=FlowStatus.PUBLISHED, modified_at=clock.now())
    await uow.flows.save(changed)
    await _status_changed(uow, clock, flow, flow.status, changed)
    await uow.commit()
    return changed


# Meta deprecates a published Flow, and one its monitoring throttled or blocked.
DEPRECATABLE = (FlowStatus.PUBLISHED, FlowStatus.THROTTLED, FlowStatus.BLOCKED)
# What Meta's monitoring moves a Flow between (the emulator's control drives it).
MONITORED = (FlowStatus.PUBLISHED, FlowStatus.THROTTLED, FlowStatus.BLOCKED)


async def set_status_by_meta(uow: UnitOfWork, clock: Clock, flow_id: str, status: str) -> Flow:
    """Meta's monitoring throttles or blocks a published Flow, or lets it recover (the
    emulator's control; any partner's Flow). The WABA's numbers are told as on publish."""
    await uow.lock_for_write()
    flow = await uow.flows.get(flow_id)
    if flow is None:
        raise NotFound("Flow not found")
    if status not in MONITORED or flow.status not in MONITORED:
        raise FlowRefused(
            INVALID_PARAMETER,
            "Invalid parameter",
            f"Meta's monitoring moves a Flow between {', '.join(MONITORED)}; this one is "
            f"{flow.status}.",
        )
    if flow.status == status:
        return flow
    changed = flow.but(status=status, modified_at=clock.now())
    await uow.flows.save(changed)
    await _status_changed(uow, clock, flow, flow.status, changed)
    await uow.commit()
    return changed


async def deprecate(
    uow: UnitOfWork, clock: Clock, partner_id: str, waba_id: str, flow_id: str
) -> Flow:
    await uow.lock_for_write()
    flow = await get_flow(uow, partner_id, waba_id, flow_id)
    if flow.status not in DEPRECATABLE:
        raise FlowRefused(
            DEPRECATING_FAILED,
            "Deprecating Flow failed",
            f"Only a PUBLISHED (or THROTTLED, BLOCKED) Flow can be deprecated; this one is "
            f"{flow.status}.",
        )
    changed = flow.but(status=FlowStatus.DEPRECATED, modified_at=clock.now())
    await uow.flows.save(changed)
    await _status_changed(uow, clock, flow, flow.status, changed)
    await uow.commit()
    return changed


async def delete(uow: UnitOfWork, partner_id: str, waba_id: str, flow_id: str) -> None:
    await uow.lock_for_write()
    flow = await get_flow(uow, partner_id, waba_id, flow_id)
    if flow.status != FlowStatus.DRAFT:
        raise FlowRefused(
            DELETING_FAILED,
            "Flow can't be deleted",
            f"Only a DRAFT Flow can be deleted; this one is {flow.status}: deprecate it.",
        )
    await uow.flows.delete(flow.id)
    await uow.commit()


NAME_NOT_UNIQUE = "Flow name is not unique: another Flow of this WhatsApp Business Account has it."

# Meta's codes in ``failed_flows`` (docs/fidelity.md).
NAME_TAKEN = "4233041"
NOT_IN_SOURCE = "4233040"


async def migrate(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    waba_id: str,
    source_waba_id: str,
    names: Sequence[str] | None,
) -> tuple[list[Migrated], list[NotMigrated]]:
    """``POST …/waba_accounts/{waba_id}/flows/migrate``: copy the source WABA's Flows (all,
    or those named) into this WABA under new ids; a published source is published here too, a
    name this WABA has already fails alone."""
    await uow.lock_for_write()
    waba = await waba_of_partner(uow, partner_id, waba_id)
    source = await waba_of_partner(uow, partner_id, source_waba_id)
    if source.id == waba.id:
        raise FlowRefused(
            INVALID_PARAMETER, "Invalid parameter", "source_waba_id is this WABA account."
        )
    flows = await uow.flows.list_for_waba(source.id)
    by_name = {f.name: f for f in flows}
    wanted = list(dict.fromkeys(names)) if names is not None else [f.name for f in flows]
    migrated: list[Migrated] = []
    failed: list[NotMigrated] = []
    now = clock.now()
    for name in wanted:
        flow = by_name.get(name)
        if flow is None:
            failed.append(NotMigrated(name, NOT_IN_SOURCE, "Flow not found in the source WABA."))
            continue
        taken = NotMigrated(name, NAME_TAKEN, "A Flow with this name exists in this WABA.")
        if await uow.flows.find_by_name(waba.id, name) is not None:
            failed.append(taken)
            continue
        copy = flow.but(
            id=new_flow_id(),
            waba_account_id=waba.id,
            status=FlowStatus.PUBLISHED
            if flow.status == FlowStatus.PUBLISHED
            else FlowStatus.DRAFT,
            created_at=now,
            modified_at=now,
            preview_token=None,
            preview_expires_at=None,
        )
        if not await uow.flows.add(copy):
            failed.append(taken)
            continue
        migrated.append(Migrated(name, flow.id, copy.id))
    await uow.commit()
    return migrated, failed


# --- sending a Flow (the Messaging API's interactive ``flow`` message) ----------------------


async def check_sendable(uow: UnitOfWork, waba_account_id: str, action: dict[str, Any]) -> None:
    """An interactive ``flow`` message names a Flow of the sending number's WABA that Meta would
    send: PUBLISHED or THROTTLED, or DRAFT when ``parameters.mode`` is ``draft`` (Meta lets a
    business test its drafts that way); DEPRECATED and BLOCKED Flows are refused (131009)."""
    parameters = action.get("parameters") or {}
    flow_id, flow_name = parameters.get("flow_id"), parameters.get("flow_name")
    where = "interactive.action.parameters." + ("flow_id" if flow_id else "flow_name")
    flow = (
        await uow.flows.get(str(flow_id))
        if flow_id
        else await uow.flows.find_by_name(waba_account_id, str(flow_name))
        if flow_name
        else None
    )
    if flow is None or flow.waba_account_id != waba_account_id:
        raise messaging_errors.invalid_value(
            where, "no such Flow on this WhatsApp Business Account"
        )
    sendable = {FlowStatus.PUBLISHED, FlowStatus.THROTTLED}
    if parameters.get("mode") == "draft":
        sendable.add(FlowStatus.DRAFT)
    if flow.status not in sendable:
        reason = f"the Flow is {flow.status}"
        if flow.status == FlowStatus.DRAFT:
            reason += ' (send a draft with parameters.mode "draft")'
        raise messaging_errors.invalid_value(where, reason)
