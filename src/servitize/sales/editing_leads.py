"""Open an opportunity from a lead with one button: prefilled, the lead converted, its clock
stopped.

The opportunity takes the lead's account, its estimated value in the lead's currency, a title
from what the lead offers, the offering type its catalogue item's revenue model points to, and
the lead's story and evidence. The lead is marked converted and every clock kept on it stops
in the same transaction (intelligence.conversion: the field inboxes close its route as won,
the turnaround clock ending at the conversion). A second press answers 409 naming the
opportunity opened the first time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from servitize.core.db import utcnow
from servitize.core.errors import Conflict
from servitize.core.formats import label
from servitize.installed_base import repository as installed_base
from servitize.installed_base.access import get_account, require
from servitize.intelligence import conversion
from servitize.intelligence.models import Lead
from servitize.intelligence.queries import visible_lead
from servitize.kit.money import from_cents
from servitize.sales import repository as repo
from servitize.sales import service
from servitize.sales.models import OfferingType, Opportunity, Source
from servitize.sales.schemas import OpportunityCreate
from servitize.trust.audit import actor_of
from servitize.trust.models import User

# The offering type (and so the process template) a lead's revenue model points to.
OFFERING_TYPE_OF = {
    "subscription": OfferingType.subscription,
    "licence": OfferingType.subscription,
    "usage": OfferingType.subscription,
    "availability_contract": OfferingType.service_agreement,
    "per_service": OfferingType.service_agreement,
}


def offering_type_of(session: Session, lead: Lead) -> OfferingType:
    """The deal's kind from the lead's catalogue item; a project when it names none."""
    if lead.offering_id is None:
        return OfferingType.project
    offering = installed_base.offerings_by_id(session, [lead.offering_id]).get(lead.offering_id)
    model = offering.revenue_model if offering is not None else None
    return OFFERING_TYPE_OF.get(str(model), OfferingType.project)


def prefilled(session: Session, user: User, lead: Lead) -> OpportunityCreate:
    """The opportunity a lead becomes, before anyone changes it."""
    account = get_account(session, user, lead.account_id)
    what = label(lead.offering_key.removeprefix("tech:"))
    return OpportunityCreate(
        account_id=account.id,
        title=f"{what} for {account.name}"[:200],
        source=Source.lead,
        offering_type=offering_type_of(session, lead),
        value=from_cents(lead.estimated_value_cents) if lead.estimated_value_cents else None,
        currency=lead.currency,
        lead_id=lead.id,
        lead_story=(lead.story or "")[:5000] or None,
        lead_evidence=lead.evidence or None,
    )


def open_from_lead(
    session: Session, user: User, lead_id: int, now: datetime | None = None
) -> Opportunity:
    """Open the lead's opportunity, mark the lead converted and stop its clock; audited."""
    now = now or utcnow()
    lead = visible_lead(session, user, lead_id)  # 404 when the user may not see it
    require(user, "opportunity.create")
    twin = repo.open_pursuing_lead(session, lead.account_id, lead.id)
    if twin is not None:
        raise Conflict(
            f"lead {lead.id} is already pursued by opportunity {twin.id} ({twin.title!r}); "
            "nothing was added"
        )
    if lead.status != "open":
        raise Conflict(f"lead {lead.id} is {lead.status}, not open; nothing was opened")
    opp = service.create(session, user, prefilled(session, user, lead), now=now)
    conversion.convert(session, actor_of(user), lead, opp.id)
    return opp
