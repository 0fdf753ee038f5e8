"""contract coverage and silence

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("availability_contract") as batch:
        batch.add_column(
            sa.Column("min_coverage_pct", sa.Float(), nullable=False, server_default="90")
        )
        batch.add_column(
            sa.Column(
                "silence_after_down", sa.String(length=10), nullable=False, server_default="down"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("availability_contract") as batch:
        batch.drop_column("silence_after_down")
        batch.drop_column("min_coverage_pct")
