"""Partners, their users, partner API keys and bearer-token sessions.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partnerhub.adapters.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("brand_name", sa.String(255), nullable=False),
        sa.Column("country", sa.String(8)),
        sa.Column("logo_url", sa.String(2048)),
        sa.Column("webhook_url", sa.String(2048)),
        sa.Column("partner_redirect_url", sa.String(2048)),
        sa.Column("allow_client_to_add_phone_no", sa.Boolean, nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("billing_system", sa.String(32), nullable=False),
        sa.Column("payment_required", sa.Boolean, nullable=False),
        sa.Column("payment_plan", sa.JSON, nullable=False),
        sa.Column("onboarding_deeplink_add_params", sa.Boolean, nullable=False),
        sa.Column("blocked_new_submission", sa.Boolean, nullable=False),
        sa.Column("publishable_key", sa.String(255)),
        sa.Column("bearer_auth_enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("modified_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_partners"),
    )
    op.create_table(
        "partner_users",
        sa.Column("id", sa.String(32)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("disabled_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_partner_users"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_partner_users_partner_id_partners",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("email", name="uq_partner_users_email"),
    )
    op.create_index("ix_partner_users_partner_id", "partner_users", ["partner_id"])
    op.create_table(
        "partner_api_keys",
        sa.Column("id", sa.String(32)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("secret_digest", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("last_used_at", UTCDateTime),
        sa.Column("revoked_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_partner_api_keys"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_partner_api_keys_partner_id_partners",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("secret_digest", name="uq_partner_api_keys_secret_digest"),
    )
    op.create_index("ix_partner_api_keys_partner_id", "partner_api_keys", ["partner_id"])
    op.create_index(
        "ix_partner_api_keys_partner_created", "partner_api_keys", ["partner_id", "created_at"]
    )
    op.create_table(
        "token_families",
        sa.Column("id", sa.String(32)),
        sa.Column("user_id", sa.String(32)),
        sa.Column("partner_id", sa.String(32)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_token_families"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["partner_users.id"],
            name="fk_token_families_user_id_partner_users",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_token_families_partner_id_partners",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_token_families_user_id", "token_families", ["user_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.String(32)),
        sa.Column("family_id", sa.String(32)),
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("issued_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("used_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_refresh_tokens"),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["token_families.id"],
            name="fk_refresh_tokens_family_id_token_families",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("token_digest", name="uq_refresh_tokens_token_digest"),
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"])


def downgrade() -> None:
    op.drop_table("refresh_tokens")
    op.drop_table("token_families")
    op.drop_table("partner_api_keys")
    op.drop_table("partner_users")
    op.drop_table("partners")
