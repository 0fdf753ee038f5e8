"""customer portal: invitations, downtime disputes, service requests

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "portal_invitation",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=True),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("invited_by_id", ID, nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", ID, nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invited_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce"),
    )
    op.create_index("ix_portal_invitation_account_id", "portal_invitation", ["account_id"])
    op.create_table(
        "downtime_dispute",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("contract_id", ID, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("asset_id", ID, nullable=False),
        sa.Column("serial", sa.String(120), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("asked_state", sa.String(30), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("downtime_period_id", ID, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("opened_by_id", ID, nullable=True),
        sa.Column("answered_by_id", ID, nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_before_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_after_cents", sa.BigInteger(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["contract_id"], ["availability_contract.id"]),
        sa.ForeignKeyConstraint(["asset_id"], ["asset.id"]),
        sa.ForeignKeyConstraint(["downtime_period_id"], ["downtime_period.id"]),
        sa.ForeignKeyConstraint(["opened_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["answered_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_downtime_dispute_account_id", "downtime_dispute", ["account_id"])
    op.create_index("ix_downtime_dispute_contract_id", "downtime_dispute", ["contract_id"])
    op.create_table(
        "service_request",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("asset_id", ID, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_by_id", ID, nullable=True),
        sa.Column("lead_id", ID, nullable=True),
        sa.Column("handled_by_id", ID, nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["asset_id"], ["asset.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["handled_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_service_request_account_id", "service_request", ["account_id"])
    op.create_table(
        "quote_change_request",
        sa.Column("quote_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_by_id", ID, nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["quote_id"], ["quote.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_quote_change_request_quote_id", "quote_change_request", ["quote_id"])


def downgrade() -> None:
    op.drop_table("quote_change_request")
    op.drop_table("service_request")
    op.drop_table("downtime_dispute")
    op.drop_table("portal_invitation")
