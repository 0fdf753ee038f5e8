"""The sample company's organisation types, so /org/types and every account 360 have content.

The head of sales (the first sales manager) serves the biggest segment as type 2 (service and
digital integrated) from 90 days ago, the two first "Digital partner" accounts as type 4 (a
subscription of the whole Smart PSS) from 30 days ago, and leaves the rest on the company
default (type 1). Four account owners sit at the desks (digital, service-and-digital, bundle,
subscription) for every territory. Run again, it adds nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.intelligence.models import SegmentAssignment
from servitize.org_types import service
from servitize.org_types.models import TypeAssignment
from servitize.trust.context import context_of
from servitize.trust.models import User

DESKS = ("digital", "service_digital", "bundle", "subscription")


def demo_org_types(session: Session, settings: Settings, today: date) -> dict[str, object]:
    """Assign the demo's types and seat its desk sellers; what was done (empty: already)."""
    if session.scalar(select(TypeAssignment.id).limit(1)) is not None:
        return {}
    head = session.scalar(
        select(User).where(User.role == "sales_manager", User.active).order_by(User.id)
    )
    if head is None:
        return {}
    ctx = context_of(session, head, settings, today)
    labels = Counter(session.scalars(select(SegmentAssignment.label)))
    done: dict[str, object] = {"segment": None, "accounts": [], "sellers": 0}
    if labels:
        biggest = labels.most_common(1)[0][0]
        service.assign(
            ctx,
            "segment",
            [biggest],
            2,
            today - timedelta(days=90),
            "most of them already buy service contracts and connect their machines",
        )
        done["segment"] = biggest
    partners = list(
        session.scalars(
            select(SegmentAssignment.account_id)
            .where(SegmentAssignment.label == "Digital partner")
            .order_by(SegmentAssignment.account_id)
            .limit(2)
        )
    )
    if partners:
        service.assign(
            ctx,
            "account",
            [str(x) for x in partners],
            4,
            today - timedelta(days=30),
            "pilot: the whole Smart PSS as one subscription",
        )
        done["accounts"] = partners
    owners = list(
        session.scalars(
            select(User.username)
            .where(User.role == "account_owner", User.active)
            .order_by(User.id)
            .limit(len(DESKS))
        )
    )
    for username, desk in zip(owners, DESKS, strict=False):
        service.seat(ctx, username, desk, None)
    done["sellers"] = min(len(owners), len(DESKS))
    return done


def in_words(result: dict[str, object]) -> str:
    """One line for the demo builder's console."""
    if not result:
        return "organisation types: already assigned (or no sales manager)"
    accounts = result["accounts"]
    count = len(accounts) if isinstance(accounts, list) else 0
    return (
        f"organisation types: segment {result['segment']!r} type 2, {count} accounts type 4, "
        f"the rest type 1 (the default); {result['sellers']} sellers at desks"
    )
