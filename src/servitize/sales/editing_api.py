"""REST routes: open an opportunity from a lead; an opportunity's value in other currencies."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter
from pydantic import BaseModel

from servitize.core.inputs import Id
from servitize.sales import editing, editing_leads, service
from servitize.sales import repository as repo
from servitize.sales.schemas import OpportunityRead
from servitize.trust.http import RequestContext

router = APIRouter(tags=["solution sales"])


class EquivalentRead(BaseModel):
    """The value in another currency at the rates in force today; ``amount`` null: no rate."""

    currency: str
    amount: Decimal | None


@router.post("/from-lead/{lead_id}", response_model=OpportunityRead, status_code=201)
def open_from_lead(lead_id: Id, ctx: RequestContext) -> OpportunityRead:
    """Open an opportunity from a lead, prefilled (title, value, currency, account, offering
    type, story); the lead is converted and its clock stops. 409 when it is not open."""
    opp = editing_leads.open_from_lead(ctx.session, ctx.user, lead_id, ctx.now)
    return service.read_one(ctx.session, ctx.user, opp)


@router.get("/{opportunity_id}/equivalents", response_model=list[EquivalentRead])
def equivalents(opportunity_id: Id, ctx: RequestContext) -> list[EquivalentRead]:
    """The value in the account's currency and in the company currency (where they differ from
    the opportunity's own), at the rates in force today."""
    opp = repo.get(ctx.session, ctx.user, opportunity_id)
    found = editing.equivalents(
        ctx.session, ctx.user, opp, ctx.settings.company_currency, ctx.today
    )
    return [EquivalentRead(currency=e.currency, amount=e.amount) for e in found]
