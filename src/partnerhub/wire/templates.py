"""Message templates on the wire (spec §5 Template), and the body that creates one."""

from __future__ import annotations

from typing import Any

import msgspec


class Template(msgspec.Struct):
    id: str
    partner_id: str
    waba_account_id: str
    name: str
    language: str
    category: str
    components: list[dict[str, Any]]
    status: str
    rejected_reason: str | None
    namespace: str
    created_at: str
    modified_at: str
    # {"user_id", "user_name"}, as on clients: who created it / last changed it.
    created_by: dict[str, str]
    modified_by: dict[str, str]


class TemplateList(msgspec.Struct):
    limit: int
    offset: int
    sort: list[str]
    total: int
    count: int
    filters: dict[str, Any]
    waba_templates: list[Template]


class TemplateIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST …/waba_templates`` [360 fields]. The components are checked by the domain's rules
    (so errors name ``components[1].text``), hence their loose type here. The optional fields
    360dialog passes on to Meta are accepted and have no effect in the simulation, except
    ``parameter_format`` (``POSITIONAL``, the default, or ``NAMED``): how variables are written."""

    name: str
    category: str
    language: str
    components: list[Any]
    allow_category_change: bool | None = None
    message_send_ttl_seconds: int | None = None
    cta_url_link_tracking_opted_out: bool | None = None
    parameter_format: str | None = None


class TemplateEditIn(msgspec.Struct, forbid_unknown_fields=True):
    """``PATCH …/waba_templates/{template_id}`` [ours path, Meta's edit body]: what changes.
    Absent or ``null`` keeps the current value; at least one of the two is required. The name
    and language of a template never change (Meta's rule)."""

    components: list[Any] | None = None
    category: str | None = None
    message_send_ttl_seconds: int | None = None
    cta_url_link_tracking_opted_out: bool | None = None
    parameter_format: str | None = None


class CloudTemplateCreated(msgspec.Struct):
    """``POST /v1/configs/templates`` (201): the Cloud API's answer to a new template."""

    id: str
    status: str
    category: str


class CloudSuccess(msgspec.Struct):
    """The Cloud API's ``{"success": true}`` (e.g. ``DELETE /v1/configs/templates/{name}``)."""

    success: bool


class TemplateDeleted(msgspec.Struct):
    """``DELETE …/waba_templates/{template_name}`` [ours]: what was deleted."""

    success: bool
    deleted: list[Template]


class TemplateReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_emulator/templates/{template_id}/review`` [ours]."""

    status: str
    rejected_reason: str | None = None
