"""gate decisions one per gate

One current decision per opportunity and gate: a new decision supersedes the previous one,
which stays as history with the moment and the decision that replaced it. Existing duplicates
keep the newest as current.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CURRENT = sa.text("superseded_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("gate_decision") as batch:
        batch.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("superseded_by_id", ID, nullable=True))
    # The newest decision per gate (by time, then id) stays current; older ones become history.
    op.execute(
        sa.text(
            "UPDATE gate_decision SET superseded_at = decided_at WHERE EXISTS ("
            " SELECT 1 FROM gate_decision AS newer"
            " WHERE newer.opportunity_id = gate_decision.opportunity_id"
            " AND newer.gate = gate_decision.gate"
            " AND (newer.decided_at > gate_decision.decided_at"
            "  OR (newer.decided_at = gate_decision.decided_at AND newer.id > gate_decision.id)))"
        )
    )
    op.create_index(
        "uq_gate_decision_current",
        "gate_decision",
        ["opportunity_id", "gate"],
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    )


def downgrade() -> None:
    op.drop_index("uq_gate_decision_current", table_name="gate_decision")
    with op.batch_alter_table("gate_decision") as batch:
        batch.drop_column("superseded_by_id")
        batch.drop_column("superseded_at")
