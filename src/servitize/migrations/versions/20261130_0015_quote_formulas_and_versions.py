"""quote formulas and versions

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A line priced by a standard formula keeps the formula, its parameters and the steps of
    # the computation as its evidence (None: a catalogue or typed price).
    with op.batch_alter_table("quote_line") as batch:
        batch.add_column(sa.Column("formula", sa.JSON(), nullable=True))
        # "availability_contract" has 21 characters: the revenue model's column held 16, which
        # PostgreSQL refused for every availability line and price term (SQLite never checks).
        batch.alter_column("model", existing_type=sa.String(length=16), type_=sa.String(length=24))
    with op.batch_alter_table("offering_price") as batch:
        batch.alter_column("model", existing_type=sa.String(length=16), type_=sa.String(length=24))


def downgrade() -> None:
    with op.batch_alter_table("offering_price") as batch:
        batch.alter_column("model", existing_type=sa.String(length=24), type_=sa.String(length=16))
    with op.batch_alter_table("quote_line") as batch:
        batch.alter_column("model", existing_type=sa.String(length=24), type_=sa.String(length=16))
        batch.drop_column("formula")
