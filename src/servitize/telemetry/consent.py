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
from servitize.core.errors import InvalidInput, NotFound
from servitize.installed_base import repository as installed_base
from servitize.telemetry import repository
from servitize.telemetry.models import DataSharingAgreement
from servitize.telemetry.records import serial_table
from servitize.trust import audit

DATA_KINDS = ("status", "usage", "energy", "process")
PURPOSES = ("contract_verification", "service_offers", "product_development", "billing")
FIELDS = (
    "account_id",
    "data_kinds",
    "purposes",
    "valid_from",
    "valid_to",
    "recorded_by",
    "document",
)


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
) -> DataSharingAgreement:
    """Record what an account agreed to share, audited."""
    bad = [k for k in data_kinds if k not in DATA_KINDS] + [
        p for p in purposes if p not in PURPOSES
    ]
    if bad or not data_kinds or not purposes:
        raise InvalidInput(
            f"unknown or missing data kinds/purposes: {', '.join(bad) or 'none given'}; "
            f"kinds {', '.join(DATA_KINDS)}, purposes {', '.join(PURPOSES)}"
        )
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
    return agreement


def agreements_of(session: Session, account_id: int) -> list[DataSharingAgreement]:
    """An account's agreements, oldest first (the account's data-sharing page)."""
    return repository.agreements_of_account(session, account_id)


def revoke(
    session: Session, actor: audit.Actor, agreement_id: int, at: datetime | None = None
) -> DataSharingAgreement:
    """End an agreement now (or at ``at``); the next computation no longer uses the data."""
    agreement = repository.agreement_by_id(session, agreement_id)
    if agreement is None:
        raise NotFound(f"data-sharing agreement {agreement_id} not found")
    before = agreement_dict(agreement)
    agreement.valid_to = at or utcnow()
    repository.saved(session)
    audit.record(
        session,
        actor,
        "revoke",
        "data_sharing_agreement",
        agreement.id,
        before=before,
        after=agreement_dict(agreement),
    )
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
    accounts = consenting_accounts(session, purpose, data_kind, at)
    if account_ids is not None:
        accounts &= set(account_ids)
    if not accounts:
        return []
    machines = installed_base.machines_with_serial(session, account_ids=accounts)
    return sorted((m.asset_id, m.serial) for m in machines)


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
