"""Number migrations as the Partner API shows them."""

from __future__ import annotations

from datetime import datetime

from partnerhub.domain.clock import isoformat
from partnerhub.domain.migration.services import MigrationView, WabaMove, waba_currency
from partnerhub.server.presenters.clients import channel, waba_account
from partnerhub.wire import migration as wire


def _stamp(value: datetime) -> str:
    stamped = isoformat(value)
    assert stamped is not None
    return stamped


def migration(view: MigrationView) -> wire.Migration:
    m = view.migration
    return wire.Migration(
        id=m.channel_id,
        client_id=m.client_id,
        phone_number=m.phone_number,
        status=m.status,
        code_method=m.code_method,
        code_expires_at=isoformat(m.code_expires_at),
        created_at=_stamp(m.created_at),
        modified_at=_stamp(m.modified_at),
        completed_at=isoformat(m.completed_at),
        channel=channel(view.channel, view.client, view.waba),
    )


def waba_move(move: WabaMove) -> wire.WabaMove:
    return wire.WabaMove(
        source_waba_account_id=move.source.id,
        waba_account=waba_account(move.waba),
        currency=waba_currency(move.waba),
        currency_changed=move.currency_changed,
        moved_channel_ids=[c.id for c in move.channels],
        copied_template_ids=[t.id for t in move.templates],
    )
