"""indexes the inbox and the owner scope read alone

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_account_owner_id", table_name="account")
    op.create_index("ix_account_owner_id", "account", ["owner_id", "id"])
    op.drop_index("ix_lead_route_account_stage", table_name="lead_route")
    op.create_index(
        "ix_lead_route_account_stage",
        "lead_route",
        ["account_id", "stage"],
        postgresql_include=["reported_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_lead_route_account_stage", table_name="lead_route")
    op.create_index("ix_lead_route_account_stage", "lead_route", ["account_id", "stage"])
    op.drop_index("ix_account_owner_id", table_name="account")
    op.create_index("ix_account_owner_id", "account", ["owner_id"])
