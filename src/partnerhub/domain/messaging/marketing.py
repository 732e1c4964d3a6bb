"""MM Lite (Marketing Messages Lite API): ``POST /marketing_messages``.

The same body, checks and answer as ``POST /messages`` (docs.360dialog.com, "MM Lite versus
Cloud API": only the endpoint differs), with three refusals of its own, worded as 360dialog's
"Expected Errors" page shows them:

- a message that is not a template: ``(#100) Invalid parameter``, details
  ``Message must be a template message.``;
- a template whose category is not MARKETING: ``(#131055) Method not allowed``;
- a WABA that has not accepted the MM Lite terms: code 131055 with the message
  ``(#200) You must accept the Marketing Messages Lite API terms to use the API.``

Acceptance is per WABA (Meta onboards a business's WABA to MM Lite; 360dialog's page speaks of
the "phone number not activated", which every number of an onboarded WABA is). In the
emulator, ``POST /_emulator/waba_accounts/{id}/mm_lite_terms`` accepts them.
"""

from __future__ import annotations

from datetime import datetime

from partnerhub.domain.billing.model import PricingCategory
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import NotFound
from partnerhub.domain.messaging import errors
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.ports import UnitOfWork

# What a message sent through MM Lite is stored and priced as: Meta's pricing category
# ``marketing_lite`` in status webhooks; billed and reported as MARKETING.
MARKETING_LITE = "MARKETING_LITE"

TERMS_NOT_ACCEPTED = "(#200) You must accept the Marketing Messages Lite API terms to use the API."


def not_a_template() -> GraphError:
    """100: MM Lite sends templates only."""
    return GraphError(errors.INVALID_PARAMETER, "Message must be a template message.", field="type")


def not_marketing(name: str, category: str) -> GraphError:
    """131055: a UTILITY or AUTHENTICATION template on MM Lite."""
    return GraphError(
        errors.METHOD_NOT_ALLOWED,
        f"template.name: template {name} is a {category} template; only MARKETING templates "
        "can be sent with the Marketing Messages Lite API",
        field="template.name",
    )


def terms_not_accepted() -> GraphError:
    """131055 with the terms message 360dialog documents (and no ``error_data``)."""
    return GraphError(errors.METHOD_NOT_ALLOWED, message=TERMS_NOT_ACCEPTED)


def require_template(body: object) -> None:
    """Before the body's other checks: anything but a template message (a text, a read
    receipt...) is refused as 360dialog shows it."""
    if not isinstance(body, dict) or body.get("type") != "template":
        raise not_a_template()


def check_category(name: str, category: str) -> str:
    """The stored pricing category of an MM Lite send of a template of ``category``."""
    if category != PricingCategory.MARKETING:
        raise not_marketing(name, category)
    return MARKETING_LITE


async def require_terms(uow: UnitOfWork, principal: ChannelPrincipal) -> None:
    if await uow.messaging.mm_lite_accepted_at(principal.waba_account_id) is None:
        raise terms_not_accepted()


async def accept_terms(
    uow: UnitOfWork, clock: Clock, waba_account_id: str, accepted: bool = True
) -> datetime | None:
    """The WABA's business accepts (or withdraws) the MM Lite terms; returns when, if accepted."""
    if waba_account_id not in await uow.messaging.wabas_by_id({waba_account_id}):
        raise NotFound("WABA account not found")
    at = clock.now() if accepted else None
    await uow.messaging.set_mm_lite_accepted(waba_account_id, at)
    await uow.commit()
    return at
