"""REST routes of consent under /api/v1: the staff side (``consent.record``) and the customer's
self-service under /api/v1/portal/consent (``consent.self_service``, only their accounts)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ConfigDict, Field

from servitize.core.dates import SaneDateTime
from servitize.core.errors import InvalidInput
from servitize.core.inputs import Id, Input
from servitize.installed_base.access import get_account, require
from servitize.kit.brand import Brand
from servitize.telemetry import consent, consent_list, consent_record
from servitize.telemetry.consent_pdf import record_pdf
from servitize.trust.audit import actor_of
from servitize.trust.http import CurrentUser, DbSession, require_role, settings_of
from servitize.trust.models import Role, User

router = APIRouter(tags=["consent"])

Kind = Literal["status", "usage", "energy", "process"]
Purpose = Literal["contract_verification", "service_offers", "product_development", "billing"]
State = Literal["active", "narrowed", "upcoming", "revoked", "expired"]


class ChangeIn(Input):
    """New terms of an agreement: fewer kinds or purposes, or another end (None: open-ended)."""

    model_config = ConfigDict(extra="forbid")
    data_kinds: list[Kind] = Field(min_length=1, max_length=4)
    purposes: list[Purpose] = Field(min_length=1, max_length=4)
    valid_to: SaneDateTime | None = None


class GrantIn(ChangeIn):
    """What a customer agrees to share for one of their accounts, from now on."""

    account_id: Id


def _agreement_in_scope(session: DbSession, user: User, agreement_id: int) -> int:
    """The agreement's account, if the user may see it (404 otherwise, never which)."""
    agreement = consent.agreement_of(session, agreement_id)
    get_account(session, user, agreement.account_id)
    return agreement.account_id


def _changed(agreement: Any, kind: str | None) -> dict[str, Any]:
    return consent.agreement_dict(agreement) | {"change": kind, "state": consent.state(agreement)}


# ---------------------------------------------------------------- staff


@router.get("/consent/agreements")
def list_agreements(
    session: DbSession,
    user: CurrentUser,
    state: Annotated[State | None, Query()] = None,
    kind: Annotated[Kind | None, Query()] = None,
    purpose: Annotated[Purpose | None, Query()] = None,
    account_id: Annotated[Id | None, Query()] = None,
) -> dict[str, Any]:
    """The agreements of the accounts the user may see, filtered by state, kind and purpose."""
    if account_id is not None:
        get_account(session, user, account_id)
    rows = consent_list.agreements(session, user, state, kind, purpose, account_id)
    return {"agreements": [consent_list.row_dict(r) for r in rows]}


@router.get("/accounts/{account_id}/consent")
def account_consent(session: DbSession, user: CurrentUser, account_id: Id) -> dict[str, Any]:
    """An account's agreements with their state, their history and last month's use."""
    account = get_account(session, user, account_id)
    return consent_record.as_dict(
        consent_record.records_of(session, [(account.id, account.name)])[0]
    )


@router.post("/consent/agreements/{agreement_id}/change")
def change_agreement(
    session: DbSession, user: CurrentUser, agreement_id: Id, body: ChangeIn
) -> dict[str, Any]:
    """Narrow an agreement, or lengthen its period (audited, in the account's history)."""
    require(user, "consent.record")  # docs/access.md
    _agreement_in_scope(session, user, agreement_id)
    agreement, kind = consent.change(
        session,
        actor_of(user),
        agreement_id,
        list(body.data_kinds),
        list(body.purposes),
        body.valid_to,
    )
    return _changed(agreement, kind)


@router.post("/consent/agreements/{agreement_id}/revoke")
def revoke_agreement(session: DbSession, user: CurrentUser, agreement_id: Id) -> dict[str, Any]:
    """End an agreement now: the next computation no longer reads the data."""
    require(user, "consent.record")  # docs/access.md
    _agreement_in_scope(session, user, agreement_id)
    return _changed(consent.revoke(session, actor_of(user), agreement_id), "revoke")


@router.get("/consent/agreements.csv")
def agreements_csv(
    session: DbSession,
    user: CurrentUser,
    state: Annotated[State | None, Query()] = None,
    kind: Annotated[Kind | None, Query()] = None,
    purpose: Annotated[Purpose | None, Query()] = None,
) -> Response:
    """The filtered agreements as CSV (the /consent page's export)."""
    rows = consent_list.agreements(session, user, state, kind, purpose)
    return Response(
        consent_list.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="agreements.csv"'},
    )


# ---------------------------------------------------------------- the customer's self-service


def _customer(user: User) -> None:
    require_role(user, Role.customer)


@router.get("/portal/consent")
def portal_consent(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """The customer's accounts with their agreements, history and last month's use, and what
    each purpose and data kind is used for."""
    _customer(user)
    records = consent_record.records_of(session, consent_list.customer_accounts(session, user))
    return {
        "accounts": [consent_record.as_dict(r) for r in records],
        "purposes": consent_record.purposes_in_words(),
        "data_kinds": consent_record.kinds_in_words(),
    }


@router.post("/portal/consent/agreements", status_code=201)
def portal_grant(session: DbSession, user: CurrentUser, body: GrantIn) -> dict[str, Any]:
    """Agree to share data of one of your accounts from now on."""
    require(user, "consent.self_service")  # docs/access.md
    get_account(session, user, body.account_id)
    agreement = consent.grant_now(
        session,
        actor_of(user),
        body.account_id,
        list(body.data_kinds),
        list(body.purposes),
        body.valid_to,
        by_customer=True,
    )
    return _changed(agreement, "grant")


@router.post("/portal/consent/agreements/{agreement_id}/change")
def portal_change(
    session: DbSession, user: CurrentUser, agreement_id: Id, body: ChangeIn
) -> dict[str, Any]:
    """Share less (fewer kinds or purposes, a shorter period), or for longer."""
    require(user, "consent.self_service")  # docs/access.md
    _agreement_in_scope(session, user, agreement_id)
    agreement, kind = consent.change(
        session,
        actor_of(user),
        agreement_id,
        list(body.data_kinds),
        list(body.purposes),
        body.valid_to,
        by_customer=True,
    )
    return _changed(agreement, kind)


@router.post("/portal/consent/agreements/{agreement_id}/revoke")
def portal_revoke(session: DbSession, user: CurrentUser, agreement_id: Id) -> dict[str, Any]:
    """Stop sharing under an agreement now."""
    require(user, "consent.self_service")  # docs/access.md
    _agreement_in_scope(session, user, agreement_id)
    agreement = consent.revoke(session, actor_of(user), agreement_id, by_customer=True)
    return _changed(agreement, "revoke")


def record_file(
    session: DbSession, user: User, account_id: int, fmt: str, brand: Brand
) -> Response:
    """The record of an account's agreements as CSV or PDF (one account the user may see); the
    PDF under the company's letterhead (``brand``: name, logo, colours)."""
    account = get_account(session, user, account_id)
    record = consent_record.records_of(session, [(account.id, account.name)])[0]
    name = f"data-sharing-{account.id}"
    if fmt == "csv":
        return Response(
            consent_record.to_csv(record),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt != "pdf":
        raise InvalidInput(f"format: csv or pdf, not {fmt[:10]!r}")
    return Response(
        record_pdf(record, brand.name, brand=brand),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )


@router.get("/portal/consent/record.{fmt}")
def portal_record(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    fmt: Literal["csv", "pdf"],
    account_id: Annotated[Id, Query()],
) -> Response:
    """The record of an account's agreements, changes and use, as CSV or PDF."""
    _customer(user)
    return record_file(session, user, account_id, fmt, Brand.of(settings_of(request)))
