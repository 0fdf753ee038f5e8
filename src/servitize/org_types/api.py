"""REST routes of the organisation types under /api/v1/org/types: the four types and what each
decides, the assignments per customer group (add, end), which type serves an account and why,
and the sellers at each desk. Bad input answers 4xx naming the field."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response
from pydantic import Field

from servitize.core.dates import SaneDate
from servitize.core.inputs import Id, Input, Text
from servitize.org_types import rules, service
from servitize.trust.http import RequestContext

router = APIRouter(tags=["org_types"])

Basis = Literal["account", "segment", "industry", "country"]
TypeNumber = Annotated[int, Field(ge=1, le=4)]
Desk = Literal["product", "service", "digital", "service_digital", "bundle", "subscription"]


class AssignmentCreate(Input):
    """A type for a customer group from a day: ``value`` names the segment, industry or country;
    ``accounts`` the account ids of a list (one assignment per account)."""

    basis: Basis
    org_type: TypeNumber
    value: Annotated[Text, Field(min_length=1, max_length=200)] | None = None
    accounts: Annotated[list[Id], Field(min_length=1, max_length=500)] | None = None
    valid_from: SaneDate | None = None
    reason: Annotated[Text, Field(min_length=1, max_length=2000)]


class AssignmentEnd(Input):
    """The first day an assignment no longer applies (today when left out), and why."""

    valid_to: SaneDate | None = None
    reason: Annotated[Text, Field(max_length=2000)] | None = None


class SellerCreate(Input):
    """A user (id or username) at a desk, for one territory or every territory (left out)."""

    user: Annotated[Text, Field(min_length=1, max_length=80)] | Id
    desk: Desk
    territory: Annotated[Text, Field(max_length=80)] | None = None


@router.get("/org/types")
def list_types(ctx: RequestContext) -> dict[str, Any]:
    """The four types, what each decides and how many accounts each serves today; the
    precedence of customer groups and the company default."""
    counts = service.counts(ctx)
    s = ctx.settings.org_types
    return {
        "types": [service.effects(n) | {"accounts": counts[n]} for n in rules.TYPE_NUMBERS],
        "precedence": [b.value for b in rules.PRECEDENCE],
        "default_type": s.default_type,
        "enforce_default": s.enforce_default,
    }


@router.get("/org/types/assignments")
def list_assignments(ctx: RequestContext) -> list[dict[str, Any]]:
    """Every assignment, newest start first, with whether it is in force today."""
    return [service.assignment_dict(a) for a in service.assignments(ctx)]


@router.post("/org/types/assignments", status_code=201)
def add_assignment(data: AssignmentCreate, ctx: RequestContext) -> list[dict[str, Any]]:
    """Assign a type to a customer group (sales managers and admins); 409 when an assignment
    of the same group shares a day with it."""
    if data.basis == "account":
        values = [str(x) for x in data.accounts or []]
    else:
        values = [data.value or ""]
    made = service.assign(ctx, data.basis, values, data.org_type, data.valid_from, data.reason)
    ids = {m.id for m in made}
    return [service.assignment_dict(a) for a in service.assignments(ctx) if a.row.id in ids]


@router.post("/org/types/assignments/{assignment_id}/end")
def end_assignment(assignment_id: Id, data: AssignmentEnd, ctx: RequestContext) -> dict[str, Any]:
    """End an assignment from a day on (sales managers and admins)."""
    row = service.end(ctx, assignment_id, data.valid_to, data.reason)
    return next(service.assignment_dict(a) for a in service.assignments(ctx) if a.row.id == row.id)


@router.get("/org/types/accounts/{account_id}")
def explain(account_id: Id, ctx: RequestContext) -> dict[str, Any]:
    """Which type serves the account today, why, and what the type decides."""
    return service.explain(ctx, account_id).as_dict()


@router.get("/org/types/effects/{org_type}")
def effects(org_type: TypeNumber, ctx: RequestContext) -> dict[str, Any]:
    """What one type decides, in words."""
    return service.effects(org_type)


@router.get("/org/types/sellers")
def list_sellers(ctx: RequestContext) -> list[dict[str, Any]]:
    """Who sits at which desk."""
    return [service.seller_dict(s, u) for s, u in service.sellers(ctx)]


@router.post("/org/types/sellers", status_code=201)
def add_seller(data: SellerCreate, ctx: RequestContext) -> dict[str, Any]:
    """Seat a seller at a desk (sales managers and admins)."""
    row = service.seat(ctx, data.user, data.desk, data.territory)
    return next(service.seller_dict(s, u) for s, u in service.sellers(ctx) if s.id == row.id)


@router.delete("/org/types/sellers/{seller_id}", status_code=204)
def remove_seller(seller_id: Id, ctx: RequestContext) -> Response:
    """Remove a seller from a desk (sales managers and admins)."""
    service.unseat(ctx, seller_id)
    return Response(status_code=204)
