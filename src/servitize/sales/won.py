"""An accepted quote wins its opportunity; a contract's end opens its renewal in good time."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from servitize.core.errors import Conflict, NotFound
from servitize.sales import repository as repo
from servitize.sales.models import OfferingType, Opportunity, OpportunityStatus
from servitize.sales.schemas import OpportunityCreate
from servitize.sales.service import create, snapshot
from servitize.trust import audit
from servitize.trust.models import User


def win_by_quote(
    session: Session,
    actor: audit.Actor,
    opportunity_id: int,
    contract_value_cents: int,
    currency: str,
    quote_number: str,
    now: datetime,
) -> Opportunity:
    """Mark the opportunity won with the accepted quote's contract value (the customer's
    acceptance is the decision; the win/loss analysis can still be recorded afterwards)."""
    opp = repo.locked(session, opportunity_id)
    if opp is None:
        raise NotFound(f"opportunity {opportunity_id} not found")
    if opp.status not in {OpportunityStatus.open, OpportunityStatus.won}:
        raise Conflict(
            f"opportunity {opp.id} is closed as {opp.status.replace('_', ' ')}; "
            "reopen it before accepting its quote"
        )
    before = snapshot(opp)
    opp.status = OpportunityStatus.won
    opp.closed_at = opp.closed_at or now
    opp.contract_value_cents = contract_value_cents
    opp.value_cents = contract_value_cents
    opp.currency = currency
    session.flush()
    audit.record(
        session,
        actor,
        "win",
        "opportunity",
        opp.id,
        before,
        snapshot(opp),
        note=f"quote {quote_number} accepted",
    )
    return opp


def open_renewal(
    session: Session,
    owner: User,
    account_id: int,
    title: str,
    offering_type: str,
    value_cents: int,
    currency: str,
    expected_close: date,
    story: str,
    now: datetime,
) -> Opportunity:
    """A renewal opportunity for a contract's end, its story the contract's record."""
    return create(
        session,
        owner,
        OpportunityCreate(
            account_id=account_id,
            title=title,
            offering_type=OfferingType(offering_type),
            value=Decimal(value_cents) / 100,
            currency=currency,
            expected_close=expected_close,
            lead_story=story,
        ),
        now=now,
    )
