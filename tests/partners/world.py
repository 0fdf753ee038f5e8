"""Builders for the partners' tests: opportunities with blueprint activities, partners and their
users, competitors, leads and sign-up sheets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from servitize.field.models import SignUpLine, SignUpSheet
from servitize.installed_base.models import Account
from servitize.intelligence.models import Lead
from servitize.partners.models import Competitor, Partner, PartnerAssignment, PartnerUser
from servitize.sales.models import Opportunity, SalesActivity
from servitize.trust.models import User
from servitize.trust.service import issue_token
from tests import builders as b

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def auth(session: Session, user: User) -> dict[str, str]:
    """The bearer header of a user."""
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def opportunity(
    session: Session, account: Account, owner: User | None = None, **kw: Any
) -> Opportunity:
    """An open opportunity of the account in phase 2 unless told."""
    kw.setdefault("title", "Press line retrofit")
    kw.setdefault("phase", 2)
    kw.setdefault("status", "open")
    opp = Opportunity(
        account_id=account.id,
        owner_id=owner.id if owner else None,
        currency="EUR",
        phase_entered_at=NOW,
        **kw,
    )
    session.add(opp)
    session.flush()
    return opp


def activity(session: Session, opp: Opportunity, **kw: Any) -> SalesActivity:
    """A blueprint activity of the opportunity: the partner's own, phase 2, unless told."""
    kw.setdefault("title", "Schedule operator training with the subcontractor")
    kw.setdefault("code", "training")
    kw.setdefault("phase", 2)
    kw.setdefault("actor", "partner")
    kw.setdefault("layer", "onstage")
    row = SalesActivity(opportunity_id=opp.id, status="open", **kw)
    session.add(row)
    session.flush()
    return row


def partner(session: Session, **kw: Any) -> Partner:
    """A subcontractor unless told."""
    kw.setdefault("name", f"Partner {b._next('P')}")
    kw.setdefault("kind", "subcontractor")
    kw.setdefault("role", "commissioning and training")
    kw.setdefault("activity_codes", [])
    p = Partner(**kw)
    session.add(p)
    session.flush()
    return p


def partner_user(session: Session, p: Partner, **kw: Any) -> User:
    """A user of role partner belonging to the partner (a dealer's with the dealer's scope)."""
    user = b.user(session, role="partner", **kw)
    session.add(PartnerUser(user_id=user.id, partner_id=p.id))
    if p.kind == "dealer":
        user.dealer_account_id = p.dealer_account_id
    session.flush()
    return user


def assign(session: Session, a: SalesActivity, p: Partner) -> None:
    """Assign an activity to a partner."""
    session.add(PartnerAssignment(activity_id=a.id, partner_id=p.id, assigned_by="test"))
    session.flush()


def competitor(
    session: Session,
    name: str,
    type_: str = "machine_manufacturer",
    aliases: list[str] | None = None,
) -> Competitor:
    """A competitor of the master (no baseline: tests that need one call the service)."""
    c = Competitor(name=name, type=type_, aliases=aliases or [])
    session.add(c)
    session.flush()
    return c


def lead(session: Session, account: Account, story: str = "Old press") -> Lead:
    """An open lead of the account."""
    row = Lead(
        account_id=account.id,
        offering_key="retrofit",
        asset_ids=[],
        source="rule",
        rule="aging_fleet",
        score=0.8,
        estimated_value_cents=1_000_000,
        currency="EUR",
        story=story,
        evidence={},
        status="open",
        as_of=date(2026, 11, 23),
        expires_on=date(2027, 2, 23),
    )
    session.add(row)
    session.flush()
    return row


def sheet(session: Session, account: Account, technician: User) -> SignUpSheet:
    """A proposed sign-up sheet with one line, of a visit at the account."""
    visit = b.visit(session, technician, account)
    row = SignUpSheet(
        visit_id=visit.id, account_id=account.id, technician_id=technician.id, status="proposed"
    )
    session.add(row)
    session.flush()
    offering = b.offering(session, sign_up_eligible=True, list_price_cents=50_000)
    session.add(
        SignUpLine(
            sheet_id=row.id,
            offering_id=offering.id,
            reason="worn seals",
            unit_price_cents=50_000,
            currency="EUR",
        )
    )
    session.flush()
    return row
