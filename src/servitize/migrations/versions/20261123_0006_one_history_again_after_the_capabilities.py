"""one history again after the capabilities

Revision ID: 0006
Revises: 0002, 0003, 0005
Create Date: 2026-11-23 12:49:40.222623
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | Sequence[str] | None = ("0002", "0003", "0005")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
