"""REST routes of telemetry under /api/v1: availability, consent, store statistics, gaps."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import ConfigDict, Field

from servitize.core.dates import SaneDateTime
from servitize.core.errors import InvalidInput, NotFound
from servitize.core.inputs import Id, Input, SaneMonth
from servitize.installed_base.access import EVERYTHING, get_account, require
from servitize.telemetry import consent, consent_api, records, stats
from servitize.telemetry.availability import Period, month_period
from servitize.telemetry.gaps import find_gaps
from servitize.telemetry.service import PURPOSE, Options, agreement_hint, compute, without_agreement
from servitize.telemetry.store import TelemetryStore
from servitize.trust.audit import actor_of
from servitize.trust.http import CurrentUser, DbSession, require_role, settings_of
from servitize.trust.models import Role

router = APIRouter(tags=["telemetry"])
router.include_router(consent_api.router)  # consent's own routes, staff and self-service
Month = Annotated[SaneMonth, Query(description="YYYY-MM, inside the accepted years")]


def store_of(request: Request) -> TelemetryStore:
    """The telemetry store of the app's settings (every edge that reads telemetry)."""
    return TelemetryStore(settings_of(request).telemetry_dir)


def period_of(month: str) -> Period:
    """A YYYY-MM month as a period; a bad one is the user's error (422)."""
    try:
        return month_period(month)
    except ValueError as exc:
        raise InvalidInput(f"not a month: {month}") from exc


@router.get("/availability")
def availability(
    request: Request, session: DbSession, user: CurrentUser, month: Month
) -> dict[str, Any]:
    """Availability per asset the user may see, for a month (consent: contract verification).

    Only the machines of the accounts in the user's scope are read (their status, downtime
    records and energy); ``without_agreement`` counts those of them that send telemetry but
    have no agreement for contract verification, with a ``hint`` on how to record one.
    """
    accounts = records.visible_account_ids_with_machines(session, user)
    options = Options(expected_interval_s=settings_of(request).telemetry_expected_interval_s)
    rows = compute(session, store_of(request), period_of(month), options, account_ids=accounts)
    missing = without_agreement(session, store_of(request), PURPOSE, accounts)
    return {
        "month": month,
        "assets": rows,
        "without_agreement": missing,
        "hint": agreement_hint(missing),
    }


class AgreementIn(Input):
    """A data-sharing agreement to record for an account."""

    model_config = ConfigDict(extra="forbid")
    account_id: Id
    data_kinds: list[Literal["status", "usage", "energy", "process"]] = Field(
        min_length=1, max_length=4
    )
    purposes: list[
        Literal["contract_verification", "service_offers", "product_development", "billing"]
    ] = Field(min_length=1, max_length=4)
    valid_from: SaneDateTime
    valid_to: SaneDateTime | None = None
    document: str | None = Field(default=None, max_length=300)


@router.post("/consent/agreements", status_code=201)
def record_agreement(session: DbSession, user: CurrentUser, body: AgreementIn) -> dict[str, Any]:
    """Record what an account agreed to share, for which purposes (admins, service and sales
    managers, the account's owner; audited)."""
    require(user, "consent.record")  # docs/access.md
    get_account(session, user, body.account_id)  # 404 outside the user's scope
    agreement = consent.record_agreement(
        session,
        actor_of(user),
        body.account_id,
        list(body.data_kinds),
        list(body.purposes),
        body.valid_from,
        body.valid_to,
        body.document,
    )
    return consent.agreement_dict(agreement)


@router.get("/telemetry/stats")
def telemetry_stats(request: Request, session: DbSession, user: CurrentUser) -> dict[str, object]:
    """Stored readings per serial and dead letters by reason (admins and analysts)."""
    require_role(user, Role.admin, Role.analyst, Role.service_manager)
    result = stats.stats(store_of(request))
    if user.role in EVERYTHING:
        return result
    # A service manager of a territory sees the serials of the machines of their accounts;
    # dead letters are counted by reason only, which names no machine.
    mine = set(records.visible_serials(session, user))
    per = {s: n for s, n in result["per_serial"].items() if s in mine}  # type: ignore[attr-defined]
    result["per_serial"] = per
    result["totals"] = {k: sum(v[k] for v in per.values()) for k in ("status", "measure")}
    return result


@router.get("/telemetry/gaps")
def telemetry_gaps(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    month: Month,
    serial: Annotated[str | None, Query(max_length=80)] = None,
) -> dict[str, Any]:
    """Telemetry gaps in a month of the machines the user may see (one machine with ``serial``;
    a serial outside the user's scope answers 404)."""
    require_role(user, Role.admin, Role.analyst, Role.service_manager)
    serials = records.visible_serials(session, user, serial)
    if serial is not None and not serials:
        raise NotFound(f"machine {serial!r} not found")
    period = period_of(month)
    found = (
        find_gaps(
            store_of(request),
            serials,
            period.start,
            period.end,
            settings_of(request).telemetry_expected_interval_s,
        )
        if serials
        else []
    )
    return {"month": month, "gaps": [g.as_dict() for g in found]}
