"""Message templates on the wire."""

from __future__ import annotations

from partnerhub.domain.templates.model import Template
from partnerhub.domain.templates.services import template_fields
from partnerhub.wire import templates as wire_templates


def template(t: Template) -> wire_templates.Template:
    # The same fields as the ``waba_template_status_changed`` event's data (one source).
    return wire_templates.Template(**template_fields(t))
