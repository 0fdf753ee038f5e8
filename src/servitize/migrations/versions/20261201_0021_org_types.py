"""organisation types: assignments per customer group, sellers per offering family

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "org_type_assignment",
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("org_type", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("assigned_by", sa.String(length=200), nullable=False),
        sa.Column("assigned_by_id", ID, nullable=True),
        sa.Column("ended_by", sa.String(length=200), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["user.id"],
            name=op.f("fk_org_type_assignment_assigned_by_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_type_assignment")),
    )
    op.create_index(
        "ix_org_type_assignment_group", "org_type_assignment", ["basis", "value"], unique=False
    )
    op.create_table(
        "org_family_seller",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("desk", sa.String(length=24), nullable=False),
        sa.Column("territory", sa.String(length=80), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_org_family_seller_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_family_seller")),
        sa.UniqueConstraint(
            "user_id", "desk", "territory", name=op.f("uq_org_family_seller_user_id")
        ),
    )
    op.create_index(
        op.f("ix_org_family_seller_user_id"), "org_family_seller", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_org_family_seller_user_id"), table_name="org_family_seller")
    op.drop_table("org_family_seller")
    op.drop_index("ix_org_type_assignment_group", table_name="org_type_assignment")
    op.drop_table("org_type_assignment")
