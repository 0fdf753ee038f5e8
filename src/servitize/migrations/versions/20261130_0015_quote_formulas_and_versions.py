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


def downgrade() -> None:
    with op.batch_alter_table("quote_line") as batch:
        batch.drop_column("formula")
