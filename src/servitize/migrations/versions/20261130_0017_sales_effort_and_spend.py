"""sales effort and spend

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cost_rate",
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=80), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("cents_per_hour", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_rate")),
        sa.UniqueConstraint("role", "region", "valid_from", name=op.f("uq_cost_rate_role")),
    )
    op.create_table(
        "spend",
        sa.Column("external_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("segment", sa.String(length=60), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_spend_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spend")),
        sa.UniqueConstraint("external_id", name=op.f("uq_spend_external_id")),
    )
    with op.batch_alter_table("spend", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spend_account_id"), ["account_id"], unique=False)

    op.create_table(
        "spend_touch",
        sa.Column("spend_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "opportunity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_spend_touch_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_spend_touch_lead_id_lead"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_spend_touch_opportunity_id_opportunity"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["spend_id"],
            ["spend.id"],
            name=op.f("fk_spend_touch_spend_id_spend"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spend_touch")),
    )
    with op.batch_alter_table("spend_touch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spend_touch_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_spend_touch_spend_id"), ["spend_id"], unique=False)

    op.create_table(
        "effort_entry",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=80), nullable=True),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "activity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "opportunity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("visit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_effort_entry_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["sales_activity.id"],
            name=op.f("fk_effort_entry_activity_id_sales_activity"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_effort_entry_lead_id_lead"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_effort_entry_opportunity_id_opportunity"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_effort_entry_user_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visit.id"],
            name=op.f("fk_effort_entry_visit_id_visit"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_effort_entry")),
    )
    with op.batch_alter_table("effort_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_effort_entry_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_effort_entry_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_effort_entry_day"), ["day"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_effort_entry_opportunity_id"), ["opportunity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_effort_entry_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("effort_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_effort_entry_user_id"))
        batch_op.drop_index(batch_op.f("ix_effort_entry_opportunity_id"))
        batch_op.drop_index(batch_op.f("ix_effort_entry_day"))
        batch_op.drop_index(batch_op.f("ix_effort_entry_activity_id"))
        batch_op.drop_index(batch_op.f("ix_effort_entry_account_id"))

    op.drop_table("effort_entry")
    with op.batch_alter_table("spend_touch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spend_touch_spend_id"))
        batch_op.drop_index(batch_op.f("ix_spend_touch_account_id"))

    op.drop_table("spend_touch")
    with op.batch_alter_table("spend", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spend_account_id"))

    op.drop_table("spend")
    op.drop_table("cost_rate")
