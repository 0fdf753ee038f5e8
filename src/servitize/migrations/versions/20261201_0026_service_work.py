"""service work: work orders, dispatch, preventive-maintenance plans

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "technician_skill",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("skill", sa.String(length=40), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_technician_skill_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technician_skill")),
        sa.UniqueConstraint("user_id", "skill", name=op.f("uq_technician_skill_user_id")),
    )
    op.create_index(
        op.f("ix_technician_skill_user_id"), "technician_skill", ["user_id"], unique=False
    )
    op.create_table(
        "pm_plan",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("asset_id", ID, nullable=True),
        sa.Column("contract_id", ID, nullable=True),
        sa.Column("interval_months", sa.Integer(), nullable=True),
        sa.Column("interval_hours", sa.Float(), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("required_skill", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_pm_plan_account_id_account")
        ),
        sa.ForeignKeyConstraint(["asset_id"], ["asset.id"], name=op.f("fk_pm_plan_asset_id_asset")),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["availability_contract.id"],
            name=op.f("fk_pm_plan_contract_id_availability_contract"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pm_plan")),
    )
    op.create_index(op.f("ix_pm_plan_account_id"), "pm_plan", ["account_id"], unique=False)
    op.create_index(op.f("ix_pm_plan_asset_id"), "pm_plan", ["asset_id"], unique=False)
    op.create_table(
        "work_order",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("asset_id", ID, nullable=True),
        sa.Column("site_id", ID, nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("required_skill", sa.String(length=40), nullable=True),
        sa.Column("technician_id", ID, nullable=True),
        sa.Column("visit_id", ID, nullable=True),
        sa.Column("lead_id", ID, nullable=True),
        sa.Column("sign_up_line_id", ID, nullable=True),
        sa.Column("request_ref", sa.String(length=80), nullable=True),
        sa.Column("alert_rule", sa.String(length=40), nullable=True),
        sa.Column("pm_plan_id", ID, nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("service_event_id", ID, nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_work_order_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["asset.id"], name=op.f("fk_work_order_asset_id_asset")
        ),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], name=op.f("fk_work_order_lead_id_lead")),
        sa.ForeignKeyConstraint(
            ["pm_plan_id"], ["pm_plan.id"], name=op.f("fk_work_order_pm_plan_id_pm_plan")
        ),
        sa.ForeignKeyConstraint(
            ["service_event_id"],
            ["service_event.id"],
            name=op.f("fk_work_order_service_event_id_service_event"),
        ),
        sa.ForeignKeyConstraint(
            ["sign_up_line_id"],
            ["sign_up_line.id"],
            name=op.f("fk_work_order_sign_up_line_id_sign_up_line"),
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_work_order_site_id_site")),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["user.id"], name=op.f("fk_work_order_technician_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_work_order_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order")),
        sa.UniqueConstraint(
            "pm_plan_id", "asset_id", "due_on", name=op.f("uq_work_order_pm_plan_id")
        ),
        sa.UniqueConstraint("sign_up_line_id", name=op.f("uq_work_order_sign_up_line_id")),
    )
    op.create_index(op.f("ix_work_order_account_id"), "work_order", ["account_id"], unique=False)
    op.create_index(
        "ix_work_order_asset_alert", "work_order", ["asset_id", "alert_rule"], unique=False
    )
    op.create_index(op.f("ix_work_order_lead_id"), "work_order", ["lead_id"], unique=False)
    op.create_index(op.f("ix_work_order_pm_plan_id"), "work_order", ["pm_plan_id"], unique=False)
    op.create_index("ix_work_order_status_due", "work_order", ["status", "due_on"], unique=False)
    op.create_index(
        op.f("ix_work_order_technician_id"), "work_order", ["technician_id"], unique=False
    )
    op.create_index(op.f("ix_work_order_visit_id"), "work_order", ["visit_id"], unique=False)
    op.create_table(
        "work_entry",
        sa.Column("work_order_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.Column("offering_id", ID, nullable=True),
        sa.Column("quantity", sa.Float(), nullable=True),
        sa.Column("photo_path", sa.String(length=200), nullable=True),
        sa.Column("content_type", sa.String(length=40), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["offering_id"], ["offering.id"], name=op.f("fk_work_entry_offering_id_offering")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_order.id"],
            name=op.f("fk_work_entry_work_order_id_work_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_entry")),
        sa.UniqueConstraint("client_key", name=op.f("uq_work_entry_client_key")),
    )
    op.create_index(
        op.f("ix_work_entry_work_order_id"), "work_entry", ["work_order_id"], unique=False
    )
    # Time of day and length of a visit; NULL (older rows): shown as "all day".
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("start_time", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("duration_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("duration_minutes")
        batch_op.drop_column("start_time")
    op.drop_index(op.f("ix_work_entry_work_order_id"), table_name="work_entry")
    op.drop_table("work_entry")
    op.drop_index(op.f("ix_work_order_visit_id"), table_name="work_order")
    op.drop_index(op.f("ix_work_order_technician_id"), table_name="work_order")
    op.drop_index("ix_work_order_status_due", table_name="work_order")
    op.drop_index(op.f("ix_work_order_pm_plan_id"), table_name="work_order")
    op.drop_index(op.f("ix_work_order_lead_id"), table_name="work_order")
    op.drop_index("ix_work_order_asset_alert", table_name="work_order")
    op.drop_index(op.f("ix_work_order_account_id"), table_name="work_order")
    op.drop_table("work_order")
    op.drop_index(op.f("ix_pm_plan_asset_id"), table_name="pm_plan")
    op.drop_index(op.f("ix_pm_plan_account_id"), table_name="pm_plan")
    op.drop_table("pm_plan")
    op.drop_index(op.f("ix_technician_skill_user_id"), table_name="technician_skill")
    op.drop_table("technician_skill")
