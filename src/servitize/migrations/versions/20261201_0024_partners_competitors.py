"""partners and dealers, competitors and their actions

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "partner",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("role", sa.String(length=300), nullable=False),
        sa.Column("boundary", sa.Text(), nullable=True),
        sa.Column("activity_codes", sa.JSON(), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=200), nullable=True),
        sa.Column("contact_phone", sa.String(length=60), nullable=True),
        sa.Column("dealer_account_id", ID, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dealer_account_id"], ["account.id"], name=op.f("fk_partner_dealer_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner")),
        sa.UniqueConstraint("dealer_account_id", name=op.f("uq_partner_dealer_account_id")),
        sa.UniqueConstraint("name", name=op.f("uq_partner_name")),
    )
    op.create_table(
        "partner_account",
        sa.Column("partner_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_partner_account_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_partner_account_partner_id_partner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_account")),
        sa.UniqueConstraint("partner_id", "account_id", name=op.f("uq_partner_account_partner_id")),
    )
    op.create_index(
        op.f("ix_partner_account_account_id"), "partner_account", ["account_id"], unique=False
    )
    op.create_table(
        "partner_offering",
        sa.Column("partner_id", ID, nullable=False),
        sa.Column("offering_id", ID, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["offering_id"], ["offering.id"], name=op.f("fk_partner_offering_offering_id_offering")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_partner_offering_partner_id_partner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_offering")),
        sa.UniqueConstraint(
            "partner_id", "offering_id", name=op.f("uq_partner_offering_partner_id")
        ),
    )
    op.create_index(
        op.f("ix_partner_offering_offering_id"), "partner_offering", ["offering_id"], unique=False
    )
    op.create_table(
        "partner_user",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("partner_id", ID, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_partner_user_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_partner_user_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_user")),
        sa.UniqueConstraint("user_id", name=op.f("uq_partner_user_user_id")),
    )
    op.create_index(
        op.f("ix_partner_user_partner_id"), "partner_user", ["partner_id"], unique=False
    )
    op.create_table(
        "partner_assignment",
        sa.Column("activity_id", ID, nullable=False),
        sa.Column("partner_id", ID, nullable=False),
        sa.Column("assigned_by", sa.String(length=80), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["sales_activity.id"],
            name=op.f("fk_partner_assignment_activity_id_sales_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_partner_assignment_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_assignment")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_partner_assignment_activity_id")),
    )
    op.create_index(
        op.f("ix_partner_assignment_partner_id"), "partner_assignment", ["partner_id"], unique=False
    )
    op.create_table(
        "competitor",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("products", sa.Text(), nullable=True),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitor")),
        sa.UniqueConstraint("name", name=op.f("uq_competitor_name")),
    )
    op.create_table(
        "competitor_action",
        sa.Column("competitor_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_competitor_action_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["competitor_id"],
            ["competitor.id"],
            name=op.f("fk_competitor_action_competitor_id_competitor"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitor_action")),
    )
    op.create_index(
        op.f("ix_competitor_action_account_id"), "competitor_action", ["account_id"], unique=False
    )
    op.create_index(
        "ix_competitor_action_competitor_on",
        "competitor_action",
        ["competitor_id", "observed_on"],
        unique=False,
    )
    op.create_table(
        "opportunity_competitor",
        sa.Column("opportunity_id", ID, nullable=False),
        sa.Column("competitor_id", ID, nullable=False),
        sa.Column("strengths", sa.String(length=300), nullable=True),
        sa.Column("weaknesses", sa.String(length=300), nullable=True),
        sa.Column("opportunities", sa.String(length=300), nullable=True),
        sa.Column("threats", sa.String(length=300), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["competitor_id"],
            ["competitor.id"],
            name=op.f("fk_opportunity_competitor_competitor_id_competitor"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_opportunity_competitor_opportunity_id_opportunity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_competitor")),
        sa.UniqueConstraint(
            "opportunity_id", "competitor_id", name=op.f("uq_opportunity_competitor_opportunity_id")
        ),
    )
    op.create_index(
        op.f("ix_opportunity_competitor_competitor_id"),
        "opportunity_competitor",
        ["competitor_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_opportunity_competitor_opportunity_id"),
        "opportunity_competitor",
        ["opportunity_id"],
        unique=False,
    )
    op.create_table(
        "competitor_sighting",
        sa.Column("competitor_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=24), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_competitor_sighting_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["competitor_id"],
            ["competitor.id"],
            name=op.f("fk_competitor_sighting_competitor_id_competitor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitor_sighting")),
        sa.UniqueConstraint(
            "competitor_id", "account_id", name=op.f("uq_competitor_sighting_competitor_id")
        ),
    )
    op.create_index(
        op.f("ix_competitor_sighting_account_id"),
        "competitor_sighting",
        ["account_id"],
        unique=False,
    )
    op.create_table(
        "competitor_alert",
        sa.Column("competitor_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seen_by", sa.String(length=80), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_competitor_alert_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["competitor_id"],
            ["competitor.id"],
            name=op.f("fk_competitor_alert_competitor_id_competitor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitor_alert")),
    )
    op.create_index(
        op.f("ix_competitor_alert_account_id"), "competitor_alert", ["account_id"], unique=False
    )


def downgrade() -> None:
    # Dropping a table drops its indexes too.
    op.drop_table("competitor_alert")
    op.drop_table("competitor_sighting")
    op.drop_table("opportunity_competitor")
    op.drop_table("competitor_action")
    op.drop_table("competitor")
    op.drop_table("partner_assignment")
    op.drop_table("partner_user")
    op.drop_table("partner_offering")
    op.drop_table("partner_account")
    op.drop_table("partner")
