"""REST routes of availability contracts under /api/v1: evaluation and the monthly report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from servitize.contracts import editing_api
from servitize.contracts import report as rp
from servitize.contracts import service as contracts
from servitize.core.inputs import Id, SaneMonth
from servitize.telemetry.api import period_of, store_of
from servitize.trust.http import CurrentUser, DbSession, require_role, settings_of

router = APIRouter(tags=["telemetry"])  # as before the split: the OpenAPI document is unchanged
Month = Annotated[SaneMonth, Query(description="YYYY-MM, inside the accepted years")]


@router.get("/contracts/evaluation")
def contract_results(
    request: Request, session: DbSession, user: CurrentUser, period: Month
) -> dict[str, Any]:
    """Measured availability, band and penalty/bonus of the contracts the user may see (the
    roles that see contract pages; only the contracts of their accounts are evaluated)."""
    require_role(user, *rp.REPORT_ROLES)
    mine = [c for c, _account in rp.visible_contracts(session, user)]
    results = contracts.evaluate_all(
        session,
        store_of(request),
        period_of(period),
        among=mine,
        expected_interval_s=settings_of(request).telemetry_expected_interval_s,
    )
    return {"period": period, "contracts": [r.as_dict() for r in results]}


@router.get("/contracts/{contract_id}/report")
def contract_report(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    contract_id: Id,
    period: Annotated[SaneMonth | None, Query(description="YYYY-MM")] = None,
    months: Annotated[int, Query(ge=1, le=rp.MAX_MONTHS)] = rp.DEFAULT_MONTHS,
) -> dict[str, Any]:
    """The monthly operation report of a contract whose account the user may see (else 404)."""
    require_role(user, *rp.REPORT_ROLES)
    contract = rp.visible_contract(session, user, contract_id)
    return rp.build_report(
        session,
        store_of(request),
        contract,
        period or rp.last_complete_month(),
        months,
        supplier=settings_of(request).company_name,
        expected_interval_s=settings_of(request).telemetry_expected_interval_s,
    ).as_dict()


# Creating an availability contract (contracts.editing_api).
router.include_router(editing_api.router)
