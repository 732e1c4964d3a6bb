"""The ``/_emulator`` router: every control a partner's test suite drives [ours].

One module per family: :mod:`.controls` (reset, clock, faults, sent log, signups, statuses,
balances, usage, reviews), :mod:`.world` (seed and export), :mod:`.messaging` (inbound
messages, unreachable numbers), :mod:`.partners` (a ready partner per test), :mod:`.quality`
(quality rating, messaging limit, spam reports); :mod:`.guard` says
who may call them.
"""

from __future__ import annotations

from litestar import Router

from partnerhub.emulator.routes import (
    catalogs,
    compliance,
    controls,
    embedded_signup,
    flow_monitoring,  # issue 18: Meta's monitoring of Flows
    flows,
    messaging,
    migration,
    partner_change,
    partners,
    quality,
    world,
)


def emulator_router() -> Router:
    return Router(
        path="/_emulator",
        route_handlers=[
            controls.reset,
            controls.read_clock,
            controls.advance_clock,
            controls.set_faults,
            controls.sent,
            controls.onboard,
            controls.channel_status,
            *world.HANDLERS,
            controls.set_partner_balance,
            controls.set_client_balance,
            controls.record_usage,
            *messaging.HANDLERS,
            controls.review_template,
            *partners.HANDLERS,
            *catalogs.HANDLERS,
            *quality.HANDLERS,
            *migration.HANDLERS,
            *flows.HANDLERS,  # issue 18: WhatsApp Flows at run time
            *embedded_signup.HANDLERS,
            *flow_monitoring.HANDLERS,
            *partner_change.HANDLERS,
            *compliance.HANDLERS,
        ],
        tags=["Emulator"],
        include_in_schema=True,
        security=[{"EmulatorToken": []}],
    )
