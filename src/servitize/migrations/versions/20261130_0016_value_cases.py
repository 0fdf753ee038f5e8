"""value cases

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "value_case",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("opportunity_id", ID, nullable=True),
        sa.Column("lead_id", ID, nullable=True),
        sa.Column("offering_id", ID, nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("asset_ids", sa.JSON(), nullable=False),
        sa.Column("assumptions", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_value_case_account_id_account")
        ),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], name=op.f("fk_value_case_lead_id_lead")),
        sa.ForeignKeyConstraint(
            ["offering_id"], ["offering.id"], name=op.f("fk_value_case_offering_id_offering")
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_value_case_opportunity_id_opportunity"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_case")),
    )
    op.create_index(op.f("ix_value_case_account_id"), "value_case", ["account_id"], unique=False)
    op.create_index(op.f("ix_value_case_lead_id"), "value_case", ["lead_id"], unique=False)
    op.create_index(
        op.f("ix_value_case_opportunity_id"), "value_case", ["opportunity_id"], unique=False
    )
    op.create_table(
        "value_case_edit",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["value_case.id"], name=op.f("fk_value_case_edit_case_id_value_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_case_edit")),
    )
    op.create_index(
        op.f("ix_value_case_edit_case_id"), "value_case_edit", ["case_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_value_case_edit_case_id"), table_name="value_case_edit")
    op.drop_table("value_case_edit")
    op.drop_index(op.f("ix_value_case_opportunity_id"), table_name="value_case")
    op.drop_index(op.f("ix_value_case_lead_id"), table_name="value_case")
    op.drop_index(op.f("ix_value_case_account_id"), table_name="value_case")
    op.drop_table("value_case")
