"""meter readings

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meter_reading",
        sa.Column(
            "contract_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("asset_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reading", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=120), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["asset.id"], name=op.f("fk_meter_reading_asset_id_asset")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contract.id"],
            name=op.f("fk_meter_reading_contract_id_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter_reading")),
        sa.UniqueConstraint(
            "contract_id", "asset_id", "read_at", name=op.f("uq_meter_reading_contract_id")
        ),
    )
    with op.batch_alter_table("meter_reading", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meter_reading_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index(
            "ix_meter_reading_contract_time", ["contract_id", "read_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("meter_reading", schema=None) as batch_op:
        batch_op.drop_index("ix_meter_reading_contract_time")
        batch_op.drop_index(batch_op.f("ix_meter_reading_asset_id"))
    op.drop_table("meter_reading")
