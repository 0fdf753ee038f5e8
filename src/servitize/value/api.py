"""REST routes of the value capability under /api/v1: open a value case for an account's
machines, read it (savings with evidence, alternatives, prices, sensitivity), edit its
assumptions. Bad input answers 422 naming the field."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field

from servitize.core.inputs import Id, Input, Number, Text
from servitize.trust.http import RequestContext
from servitize.value import service
from servitize.value.service import MAX_MACHINES

router = APIRouter(tags=["value"])

Name = Annotated[Text, Field(min_length=1, max_length=80)]
Assumptions = Annotated[dict[Name, Number | None], Field(max_length=60)]


class ValueCaseCreate(Input):
    """A new value case: the account, its machines (all when left out), where it comes from."""

    account_id: Id
    asset_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_MACHINES)] | None = None
    title: Annotated[Text, Field(min_length=1, max_length=200)] | None = None
    opportunity_id: Id | None = None
    lead_id: Id | None = None
    offering_id: Id | None = None
    assumptions: Assumptions = Field(default_factory=dict)


class AssumptionsEdit(Input):
    """Assumptions to change (a number, or null to go back to the default), on a version."""

    assumptions: Assumptions
    version: Annotated[int, Field(ge=1, le=2_147_483_647)] | None = None


@router.post("/value-cases", status_code=201)
def create_value_case(data: ValueCaseCreate, ctx: RequestContext) -> dict[str, Any]:
    """Open a value case for the account's machines; the case as read."""
    created = service.create_case(
        ctx,
        data.account_id,
        data.asset_ids,
        title=data.title,
        opportunity_id=data.opportunity_id,
        lead_id=data.lead_id,
        offering_id=data.offering_id,
        assumptions=data.assumptions,
    )
    return service.report(ctx, created).as_dict()


@router.get("/value-cases")
def list_value_cases(
    ctx: RequestContext,
    account_id: Id | None = None,
    opportunity_id: Id | None = None,
    lead_id: Id | None = None,
) -> list[dict[str, Any]]:
    """The value cases the user may see (of an account, opportunity or lead), newest first."""
    return [
        {
            "id": c.id,
            "title": c.title,
            "account_id": c.account_id,
            "opportunity_id": c.opportunity_id,
            "lead_id": c.lead_id,
            "machines": len(c.asset_ids),
            "version": c.version,
        }
        for c in service.cases(
            ctx, account_id=account_id, opportunity_id=opportunity_id, lead_id=lead_id
        )
    ]


@router.get("/value-cases/{case_id}")
def get_value_case(case_id: Id, ctx: RequestContext) -> dict[str, Any]:
    """A value case as read now."""
    return service.read(ctx, case_id).as_dict()


@router.patch("/value-cases/{case_id}")
def edit_value_case(case_id: Id, data: AssumptionsEdit, ctx: RequestContext) -> dict[str, Any]:
    """Change assumptions; each change is kept with the case."""
    edited = service.edit_assumptions(ctx, case_id, data.assumptions, data.version)
    return service.report(ctx, edited).as_dict()
