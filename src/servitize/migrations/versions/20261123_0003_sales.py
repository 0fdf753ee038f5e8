"""sales: opportunities, activities, gates, teams, handover, outcomes, surveys

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 12:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opportunity",
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("lead_story", sa.Text(), nullable=True),
        sa.Column("lead_evidence", sa.JSON(), nullable=True),
        sa.Column("enquiry_ref", sa.String(length=80), nullable=True),
        sa.Column("offering_type", sa.String(length=24), nullable=False),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("phase_entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("value_cents", sa.BigInteger(), nullable=True),
        sa.Column("contract_value_cents", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=True),
        sa.Column("risk", sa.String(length=8), nullable=False),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("terms", sa.JSON(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("commissioned_on", sa.Date(), nullable=True),
        sa.Column("renewal_on", sa.Date(), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_opportunity_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user.id"], name=op.f("fk_opportunity_owner_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity")),
    )
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opportunity_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunity_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_opportunity_status_phase", ["status", "phase"], unique=False)

    op.create_table(
        "gate_decision",
        sa.Column(
            "opportunity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("gate", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=False),
        sa.Column(
            "decided_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_gate_decision_opportunity_id_opportunity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_decision")),
    )
    with op.batch_alter_table("gate_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gate_decision_opportunity_id"), ["opportunity_id"], unique=False
        )

    op.create_table(
        "opportunity_outcome",
        sa.Column(
            "opportunity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("competitor", sa.String(length=80), nullable=True),
        sa.Column("lessons", sa.Text(), nullable=True),
        sa.Column("reference_case", sa.Boolean(), nullable=False),
        sa.Column("reference_summary", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_opportunity_outcome_opportunity_id_opportunity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_outcome")),
        sa.UniqueConstraint("opportunity_id", name=op.f("uq_opportunity_outcome_opportunity_id")),
    )
    op.create_table(
        "opportunity_phase_change",
        sa.Column(
            "opportunity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("from_phase", sa.Integer(), nullable=False),
        sa.Column("to_phase", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_opportunity_phase_change_opportunity_id_opportunity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_phase_change")),
    )
    with op.batch_alter_table("opportunity_phase_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunity_phase_change_opportunity_id"),
            ["opportunity_id"],
            unique=False,
        )

    op.create_table(
        "opportunity_team_member",
        sa.Column(
            "opportunity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("engaged_on", sa.Date(), nullable=False),
        sa.Column("engaged_phase", sa.Integer(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_opportunity_team_member_opportunity_id_opportunity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_opportunity_team_member_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_team_member")),
    )
    with op.batch_alter_table("opportunity_team_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunity_team_member_opportunity_id"),
            ["opportunity_id"],
            unique=False,
        )

    op.create_table(
        "sales_activity",
        sa.Column(
            "opportunity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("code", sa.String(length=60), nullable=True),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=16), nullable=False),
        sa.Column("layer", sa.String(length=24), nullable=False),
        sa.Column("touchpoint", sa.Boolean(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_sales_activity_opportunity_id_opportunity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user.id"], name=op.f("fk_sales_activity_owner_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_activity")),
    )
    with op.batch_alter_table("sales_activity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sales_activity_opportunity_id"), ["opportunity_id"], unique=False
        )

    op.create_table(
        "sales_handover",
        sa.Column(
            "opportunity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("project_manager", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_sales_handover_opportunity_id_opportunity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_handover")),
        sa.UniqueConstraint("opportunity_id", name=op.f("uq_sales_handover_opportunity_id")),
    )
    op.create_table(
        "satisfaction_survey",
        sa.Column(
            "opportunity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("recommend", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_satisfaction_survey_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_satisfaction_survey_opportunity_id_opportunity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_survey")),
    )
    with op.batch_alter_table("satisfaction_survey", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_satisfaction_survey_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_satisfaction_survey_opportunity_id"), ["opportunity_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("satisfaction_survey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_satisfaction_survey_opportunity_id"))
        batch_op.drop_index(batch_op.f("ix_satisfaction_survey_account_id"))

    op.drop_table("satisfaction_survey")
    op.drop_table("sales_handover")
    with op.batch_alter_table("sales_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_activity_opportunity_id"))

    op.drop_table("sales_activity")
    with op.batch_alter_table("opportunity_team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_team_member_opportunity_id"))

    op.drop_table("opportunity_team_member")
    with op.batch_alter_table("opportunity_phase_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_phase_change_opportunity_id"))

    op.drop_table("opportunity_phase_change")
    op.drop_table("opportunity_outcome")
    with op.batch_alter_table("gate_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gate_decision_opportunity_id"))

    op.drop_table("gate_decision")
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunity_status_phase")
        batch_op.drop_index(batch_op.f("ix_opportunity_owner_id"))
        batch_op.drop_index(batch_op.f("ix_opportunity_account_id"))

    op.drop_table("opportunity")
