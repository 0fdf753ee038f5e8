"""consent self-service: agreement history, which computations used the data

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("data_sharing_agreement") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("narrowed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "data_sharing_change",
        sa.Column("agreement_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("by_customer", sa.Boolean(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_data_sharing_change_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["data_sharing_agreement.id"],
            name=op.f("fk_data_sharing_change_agreement_id_data_sharing_agreement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_sharing_change")),
    )
    op.create_index(
        op.f("ix_data_sharing_change_account_id"), "data_sharing_change", ["account_id"]
    )
    op.create_index(
        op.f("ix_data_sharing_change_agreement_id"), "data_sharing_change", ["agreement_id"]
    )
    op.create_table(
        "data_use",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("computation", sa.String(length=40), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_data_use_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_use")),
        sa.UniqueConstraint(
            "account_id", "purpose", "computation", "month", name=op.f("uq_data_use_account_id")
        ),
    )
    # The agreements recorded before this change get their grant in the history.
    op.execute(
        "INSERT INTO data_sharing_change (agreement_id, account_id, change, at, actor, actor_id,"
        " by_customer, before, after) SELECT id, account_id, 'grant', created_at, recorded_by,"
        " NULL, false, NULL, '{}' FROM data_sharing_agreement"
    )


def downgrade() -> None:
    op.drop_table("data_use")
    op.drop_index(op.f("ix_data_sharing_change_agreement_id"), table_name="data_sharing_change")
    op.drop_index(op.f("ix_data_sharing_change_account_id"), table_name="data_sharing_change")
    op.drop_table("data_sharing_change")
    with op.batch_alter_table("data_sharing_agreement") as batch:
        batch.drop_column("narrowed_at")
        batch.drop_column("revoked_by")
        batch.drop_column("revoked_at")
