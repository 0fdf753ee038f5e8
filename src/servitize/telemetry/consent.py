"""Data-sharing agreements and the one gate every telemetry computation passes: ``consented``.

Data arrives regardless of consent; a computation for a purpose sees only the assets whose
account has an agreement covering that purpose and data kind at the moment it runs.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import ibis
import ibis.expr.types as ir
from sqlalchemy.orm import Session

from servitize.core.db import as_utc, utcnow
from servitize.core.errors import Conflict, InvalidInput, NotFound
from servitize.installed_base import repository as installed_base
from servitize.installed_base.repository import SerialMachine
from servitize.telemetry import consent_repository, repository
from servitize.telemetry import consent_rules as rules
from servitize.telemetry.consent_rules import DATA_KINDS, PURPOSES
from servitize.telemetry.models import DataSharingAgreement, DataSharingChange
from servitize.telemetry.records import serial_table
from servitize.trust import audit

__all__ = ["DATA_KINDS", "PURPOSES"]
FIELDS = (
    "account_id",
    "data_kinds",
    "purposes",
    "valid_from",
    "valid_to",
    "recorded_by",
    "document",
    "revoked_at",
    "revoked_by",
    "narrowed_at",
)
TERMS = ("data_kinds", "purposes", "valid_from", "valid_to")


def agreement_dict(a: DataSharingAgreement) -> dict[str, object]:
    """An agreement as plain data."""
    return {"id": a.id} | {f: getattr(a, f) for f in FIELDS}


def record_agreement(
    session: Session,
    actor: audit.Actor,
    account_id: int,
    data_kinds: list[str],
    purposes: list[str],
    valid_from: datetime,
    valid_to: datetime | None = None,
    document: str | None = None,
    by_customer: bool = False,
) -> DataSharingAgreement:
    """Record what an account agreed to share (a grant: audited and in the account's history)."""
    _check_known(data_kinds, purposes)
    if account_id not in installed_base.accounts_by_id(session, {account_id}):
        raise NotFound(f"account {account_id} not found")
    if valid_to is not None and as_utc(valid_to) <= as_utc(valid_from):
        raise InvalidInput("valid_to must be after valid_from")
    agreement = DataSharingAgreement(
        account_id=account_id,
        data_kinds=sorted(set(data_kinds)),
        purposes=sorted(set(purposes)),
        valid_from=valid_from,
        valid_to=valid_to,
        recorded_by=actor.name,
        document=document,
    )
    repository.add_agreement(session, agreement)
    audit.record(
        session,
        actor,
        "create",
        "data_sharing_agreement",
        agreement.id,
        after=agreement_dict(agreement),
    )
    _history(session, actor, agreement, "grant", None, by_customer)
    return agreement


def grant_now(
    session: Session,
    actor: audit.Actor,
    account_id: int,
    data_kinds: list[str],
    purposes: list[str],
    valid_to: datetime | None = None,
    by_customer: bool = True,
) -> DataSharingAgreement:
    """A grant from now on (the customer's self-service: never for a moment already past)."""
    now = utcnow()
    if valid_to is not None and as_utc(valid_to) <= now:
        raise InvalidInput("valid_to: the period must end after now")
    return record_agreement(
        session, actor, account_id, data_kinds, purposes, now, valid_to, None, by_customer
    )


def _check_known(data_kinds: list[str], purposes: list[str]) -> None:
    """InvalidInput naming the field of an unknown or missing kind or purpose."""
    for field, bad in rules.unknown(data_kinds, purposes).items():
        allowed = DATA_KINDS if field == "data_kinds" else PURPOSES
        raise InvalidInput(f"{field}: unknown {', '.join(bad)}; known: {', '.join(allowed)}")
    if not data_kinds:
        raise InvalidInput("data_kinds: choose at least one data kind (or revoke the agreement)")
    if not purposes:
        raise InvalidInput("purposes: choose at least one purpose (or revoke the agreement)")


def terms_of(a: DataSharingAgreement) -> dict[str, object]:
    """The terms of an agreement as plain data (the before and after of its history)."""
    return {f: audit.jsonable(getattr(a, f)) for f in TERMS}


def _history(
    session: Session,
    actor: audit.Actor,
    agreement: DataSharingAgreement,
    change: str,
    before: dict[str, object] | None,
    by_customer: bool,
    at: datetime | None = None,
) -> None:
    consent_repository.add_change(
        session,
        DataSharingChange(
            agreement_id=agreement.id,
            account_id=agreement.account_id,
            change=change,
            at=at or utcnow(),
            actor=actor.name,
            actor_id=actor.user_id,
            by_customer=by_customer,
            before=before,
            after=terms_of(agreement),
        ),
    )


def state(agreement: DataSharingAgreement, now: datetime | None = None) -> str:
    """active, narrowed, upcoming, revoked or expired at ``now`` (default now)."""
    return rules.state_of(
        as_utc(agreement.valid_from),
        as_utc(agreement.valid_to),
        agreement.revoked_at,
        agreement.narrowed_at,
        as_utc(now) or utcnow(),
    )


def agreement_of(session: Session, agreement_id: int) -> DataSharingAgreement:
    """One agreement (NotFound when there is none; the edge checks the account's scope)."""
    agreement = repository.agreement_by_id(session, agreement_id)
    if agreement is None:
        raise NotFound(f"data-sharing agreement {agreement_id} not found")
    return agreement


def change(
    session: Session,
    actor: audit.Actor,
    agreement_id: int,
    data_kinds: list[str],
    purposes: list[str],
    valid_to: datetime | None,
    by_customer: bool = False,
    now: datetime | None = None,
) -> tuple[DataSharingAgreement, str | None]:
    """Narrow an agreement (fewer kinds or purposes, an earlier end) or widen its period (a later
    end, or none), from now on; audited and in the history. More kinds or purposes are a new
    agreement (a grant from today, so that no past month is read under terms agreed later).
    Answers the agreement and 'narrow', 'widen' or None (nothing changed)."""
    now = as_utc(now) or utcnow()
    _check_known(data_kinds, purposes)
    agreement = agreement_of(session, agreement_id)
    current = state(agreement, now)
    if current in ("revoked", "expired"):
        raise Conflict(f"agreement {agreement_id} is {current}: grant a new one instead")
    valid_to = as_utc(valid_to)
    if valid_to is not None and valid_to <= max(now, as_utc(agreement.valid_from)):
        raise InvalidInput(
            "valid_to: the period must end after today and after its start "
            "(revoke to stop sharing now)"
        )
    before_terms = rules.Terms(
        frozenset(agreement.data_kinds), frozenset(agreement.purposes), as_utc(agreement.valid_to)
    )
    after_terms = rules.Terms(frozenset(data_kinds), frozenset(purposes), valid_to)
    for field, added in rules.more_than(before_terms, after_terms).items():
        raise InvalidInput(
            f"{field}: sharing more ({', '.join(added)}) is a new agreement from today: "
            "grant it instead"
        )
    kind = rules.kind_of_change(before_terms, after_terms)
    if kind is None:
        return agreement, None
    before, before_terms_dict = agreement_dict(agreement), terms_of(agreement)
    agreement.data_kinds = sorted(after_terms.data_kinds)
    agreement.purposes = sorted(after_terms.purposes)
    agreement.valid_to = valid_to
    if kind == "narrow":
        agreement.narrowed_at = now
    repository.saved(session)
    audit.record(
        session,
        actor,
        kind,
        "data_sharing_agreement",
        agreement.id,
        before=before,
        after=agreement_dict(agreement),
        note="by the customer" if by_customer else None,
    )
    _history(session, actor, agreement, kind, before_terms_dict, by_customer, now)
    return agreement, kind


def agreements_of(session: Session, account_id: int) -> list[DataSharingAgreement]:
    """An account's agreements, oldest first (the account's data-sharing page)."""
    return repository.agreements_of_account(session, account_id)


def revoke(
    session: Session,
    actor: audit.Actor,
    agreement_id: int,
    at: datetime | None = None,
    by_customer: bool = False,
) -> DataSharingAgreement:
    """End an agreement now (or at ``at``); the next computation no longer uses the data.

    An agreement that already ended keeps its end (a revoke never lengthens it)."""
    agreement = agreement_of(session, agreement_id)
    if agreement.revoked_at is not None:
        raise Conflict(f"agreement {agreement_id} is already revoked")
    before, before_terms = agreement_dict(agreement), terms_of(agreement)
    end = as_utc(at) or utcnow()
    old_end = as_utc(agreement.valid_to)
    agreement.valid_to = end if old_end is None else min(old_end, end)
    agreement.revoked_at = utcnow()
    agreement.revoked_by = actor.name
    repository.saved(session)
    audit.record(
        session,
        actor,
        "revoke",
        "data_sharing_agreement",
        agreement.id,
        before=before,
        after=agreement_dict(agreement),
        note="by the customer" if by_customer else None,
    )
    _history(session, actor, agreement, "revoke", before_terms, by_customer)
    return agreement


def consenting_accounts(
    session: Session, purpose: str, data_kind: str, at: datetime | None = None
) -> set[int]:
    """Accounts with a valid agreement for the purpose and data kind at ``at`` (default now)."""
    if purpose not in PURPOSES or data_kind not in DATA_KINDS:
        raise InvalidInput(f"unknown purpose {purpose!r} or data kind {data_kind!r}")
    at = as_utc(at) or utcnow()
    out = set()
    for a in repository.all_agreements(session):
        if (
            purpose in a.purposes
            and data_kind in a.data_kinds
            and as_utc(a.valid_from) <= at
            and (a.valid_to is None or at < as_utc(a.valid_to))
        ):
            out.add(a.account_id)
    return out


def consenting_assets(
    session: Session,
    purpose: str,
    data_kind: str,
    at: datetime | None = None,
    account_ids: Collection[int] | None = None,
) -> list[tuple[int, str]]:
    """(asset id, serial) of the assets whose account consents, of ``account_ids`` when given."""
    machines = consenting_machines(session, purpose, data_kind, at, account_ids)
    return sorted((m.asset_id, m.serial) for m in machines)


def consenting_machines(
    session: Session,
    purpose: str,
    data_kind: str,
    at: datetime | None = None,
    account_ids: Collection[int] | None = None,
    consenting: Collection[int] | None = None,
) -> list[SerialMachine]:
    """The machines (asset, account, serial) whose account consents, of ``account_ids`` when
    given: what a computation reads, and whose accounts its record of use names.

    ``consenting``: the consenting accounts when the caller has just worked them out with
    ``consenting_accounts`` for the same purpose, data kind and moment (many computations, one
    reading of the agreements); otherwise worked out here."""
    if consenting is None:
        accounts = consenting_accounts(session, purpose, data_kind, at)
    else:
        accounts = set(consenting)
    if account_ids is not None:
        accounts &= set(account_ids)
    if not accounts:
        return []
    return installed_base.machines_with_serial(session, account_ids=accounts)


def consenting_serials(
    session: Session, purpose: str, data_kind: str, at: datetime | None = None
) -> list[str]:
    """Serials of the assets whose account consents (see ``consenting_accounts``)."""
    return sorted({serial for _id, serial in consenting_assets(session, purpose, data_kind, at)})


def consented(
    session: Session,
    table: ir.Table,
    purpose: str,
    data_kind: str,
    at: datetime | None = None,
    serials: Collection[str] | None = None,
) -> ir.Table:
    """THE gate: ``table`` (with a ``serial`` column) limited to consenting assets.

    ``serials``: the consenting serials when the caller has just worked them out (with
    ``consenting_assets`` for the same purpose, data kind and moment, possibly narrowed to some
    accounts or machines), so one computation gates several tables; otherwise worked out here.
    """
    if serials is None:
        serials = consenting_serials(session, purpose, data_kind, at)
    allowed = ibis.memtable(serial_table(sorted(set(serials))))
    return table.semi_join(allowed, table.serial == allowed.serial)
