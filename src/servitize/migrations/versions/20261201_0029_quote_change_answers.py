"""answers to customers' requests for changes to a quote

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | Sequence[str] | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Staff answer a customer's request for changes: a new revision, or closed with words.
    with op.batch_alter_table("quote_change_request") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=10), nullable=False, server_default="open")
        )
        batch.add_column(sa.Column("answer", sa.Text(), nullable=True))
        batch.add_column(sa.Column("answered_by_id", ID, nullable=True))
        batch.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revision_id", ID, nullable=True))
        batch.create_foreign_key(
            "fk_quote_change_request_answered_by_id_user",
            "user",
            ["answered_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            "fk_quote_change_request_revision_id_quote",
            "quote",
            ["revision_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("quote_change_request") as batch:
        batch.drop_constraint("fk_quote_change_request_revision_id_quote", type_="foreignkey")
        batch.drop_constraint("fk_quote_change_request_answered_by_id_user", type_="foreignkey")
        for column in ("revision_id", "answered_at", "answered_by_id", "answer", "status"):
            batch.drop_column(column)
