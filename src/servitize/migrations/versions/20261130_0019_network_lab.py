"""network-thinking lab: models, each person's scoring, consensus versions

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "network_model",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_model")),
    )
    for table in ("network_scoring", "network_version"):
        columns = (
            [sa.Column("scorer", sa.String(length=120), nullable=False)]
            if table == "network_scoring"
            else [
                sa.Column("number", sa.Integer(), nullable=False),
                sa.Column("note", sa.Text(), nullable=True),
                sa.Column("by", sa.String(length=120), nullable=False),
            ]
        )
        unique = ["model_id", "scorer" if table == "network_scoring" else "number"]
        op.create_table(
            table,
            sa.Column("model_id", ID, nullable=False),
            *columns,
            sa.Column("cells", sa.JSON(), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("id", ID, autoincrement=True, nullable=False),
            sa.ForeignKeyConstraint(
                ["model_id"], ["network_model.id"], name=op.f(f"fk_{table}_model_id_network_model")
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint(*unique, name=op.f(f"uq_{table}_model_id")),
        )
        op.create_index(op.f(f"ix_{table}_model_id"), table, ["model_id"], unique=False)


def downgrade() -> None:
    for table in ("network_version", "network_scoring"):
        op.drop_index(op.f(f"ix_{table}_model_id"), table_name=table)
        op.drop_table(table)
    op.drop_table("network_model")
