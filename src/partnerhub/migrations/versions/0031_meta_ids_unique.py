"""Meta's ids are unique (one WABA per WABA id, one channel in use per phone-number id), and a
channel keeps its 360dialog license plan (``tier``: basic, regular, premium) and whether its
coexistence contacts sync still waits for a messaging webhook.

``POST …/account_sharing/numbers`` checks that the WABA id and the phone-number id it is given
are not filed yet, then inserts; on PostgreSQL two such calls at once both passed the check and
both inserted. The unique indexes make the database the arbiter (the loser's insert is refused
and it answers 409 like a later call). Channels follow the phone-number rule of 0011: a
terminated or cancelled channel keeps its id for the record without holding it.

A database that already holds duplicates (a hand-written seed could make them) keeps its oldest
row's id; each later duplicate gets a new Meta-style id, so the upgrade cannot fail on them.

``account_sharing/numbers`` accepts a ``tier``: 360dialog's license plan for the number
(docs.360dialog.com "Prices, plans and payment options": Basic, Regular, Premium; "new accounts
created from Integrated Onboarding are always placed on Regular"). Channels keep it; existing
ones are Regular.

A WhatsApp Coexistence number whose contacts sync ran before it had a messaging webhook keeps
that sync pending (``smb_contacts_pending``) until a webhook is set.

A number red for seven days drops a tier when the clock gets there (the simulator's round looks
the due ones up by ``phone_quality.red_since``), not at its next quality control.

A Flow's endpoint requests (made by the emulator's data-exchange control) are kept
(``flow_endpoint_requests``): the Flow's metrics count them, and the endpoint health alerts in
force (``flow_endpoint_alerts``) follow them.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

IN_USE = "status NOT IN ('terminated', 'cancelled')"


def _meta_id() -> str:
    return str(secrets.randbelow(9 * 10**14) + 10**14)


def _renumber_duplicates(table: str, where: str) -> None:
    """Every row but the oldest of each shared ``external_id`` gets a new one."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            f"SELECT id, external_id FROM {table} WHERE {where} AND external_id IN "  # noqa: S608
            f"(SELECT external_id FROM {table} WHERE {where} "
            "GROUP BY external_id HAVING COUNT(*) > 1) ORDER BY external_id, created_at, id"
        )
    ).all()
    seen: set[str] = set()
    for row_id, external_id in rows:
        if external_id not in seen:
            seen.add(external_id)
            continue
        bind.execute(
            sa.text(f"UPDATE {table} SET external_id = :new WHERE id = :id"),  # noqa: S608
            {"new": _meta_id(), "id": row_id},
        )


def upgrade() -> None:
    op.create_table(
        "flow_endpoint_requests",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "flow_id", sa.String(32), sa.ForeignKey("flows.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("error_type", sa.String(32)),
        sa.Column("latency_ms", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_flow_endpoint_requests_flow_at", "flow_endpoint_requests", ["flow_id", "at"]
    )
    op.create_index("ix_flow_endpoint_requests_at", "flow_endpoint_requests", ["at"])
    op.create_table(
        "flow_endpoint_alerts",
        sa.Column(
            "flow_id",
            sa.String(32),
            sa.ForeignKey("flows.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("event", sa.String(32), primary_key=True),
        sa.Column("level", sa.Integer, nullable=False),
    )
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("tier", sa.String(16), nullable=False, server_default="regular"))
        batch.add_column(
            sa.Column("smb_contacts_pending", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_index("ix_phone_quality_red_since", "phone_quality", ["red_since"])
    _renumber_duplicates("waba_accounts", "1 = 1")
    _renumber_duplicates("channels", IN_USE)
    op.create_index("uq_waba_accounts_external_id", "waba_accounts", ["external_id"], unique=True)
    op.create_index(
        "uq_channels_external_id_in_use",
        "channels",
        ["external_id"],
        unique=True,
        sqlite_where=sa.text(IN_USE),
        postgresql_where=sa.text(IN_USE),
    )


def downgrade() -> None:
    op.drop_table("flow_endpoint_alerts")
    op.drop_index("ix_flow_endpoint_requests_at", "flow_endpoint_requests")
    op.drop_index("ix_flow_endpoint_requests_flow_at", "flow_endpoint_requests")
    op.drop_table("flow_endpoint_requests")
    op.drop_index("ix_phone_quality_red_since", "phone_quality")
    op.drop_index("uq_channels_external_id_in_use", "channels")
    op.drop_index("uq_waba_accounts_external_id", "waba_accounts")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("smb_contacts_pending")
        batch.drop_column("tier")
