"""Builders for the organisation-type tests: assignments and segment labels, written directly."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from servitize.intelligence.models import SegmentAssignment
from servitize.org_types.models import TypeAssignment


def segment(session: Session, account_id: int, label: str) -> SegmentAssignment:
    """Give an account a segment label (the other scores are placeholders)."""
    row = SegmentAssignment(
        account_id=account_id,
        as_of=date(2026, 1, 1),
        label=label,
        readiness=0.5,
        digital_infrastructure=0.5,
        own_share=0.5,
        age_class="medium",
        priority=0.5,
        go_to_market="separate",
        reasons=[],
        scores={},
    )
    session.add(row)
    session.flush()
    return row


def assignment(
    session: Session, basis: str, value: str, org_type: int, **kw: Any
) -> TypeAssignment:
    """An assignment written directly (the service's checks are tested on their own)."""
    kw.setdefault("valid_from", date(2026, 1, 1))
    kw.setdefault("reason", "test")
    kw.setdefault("assigned_by", "Maria Schmidt")
    row = TypeAssignment(basis=basis, value=value, org_type=org_type, **kw)
    session.add(row)
    session.flush()
    return row
