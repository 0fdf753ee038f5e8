"""editing records in the UI

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # An account's head-office address, kept by hand; a contact who left stays, inactive.
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("address", sa.String(length=300), nullable=True))
    with op.batch_alter_table("contact") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("active")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("address")
