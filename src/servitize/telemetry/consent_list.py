"""The agreements across the accounts a user may see (the staff page /consent, its CSV and the
API list), filtered by state, data kind and purpose; and a customer's own accounts."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from servitize.core.cells import safe_row
from servitize.core.db import utcnow
from servitize.core.errors import InvalidInput
from servitize.installed_base import repository as installed_base
from servitize.installed_base.access import visible_account_ids
from servitize.telemetry import consent_repository
from servitize.telemetry.consent_record import AgreementLine, line_of
from servitize.telemetry.consent_rules import DATA_KINDS, PURPOSES, STATES
from servitize.trust.models import User

LIMIT = 2000  # rows a page or file lists; the filters narrow it


@dataclass(frozen=True)
class Row:
    """An agreement with its account's name."""

    account_name: str
    agreement: AgreementLine


def agreements(
    session: Session,
    user: User,
    state: str | None = None,
    kind: str | None = None,
    purpose: str | None = None,
    account_id: int | None = None,
    now: datetime | None = None,
) -> list[Row]:
    """The agreements of the accounts ``user`` may see that match the filters, by account."""
    now = now or utcnow()
    out = []
    for a, name in consent_repository.agreements_with_accounts(
        session, visible_account_ids(user), kind, purpose, account_id
    ):
        line = line_of(a, now)
        if state is None or line.state == state:
            out.append(Row(name, line))
            if len(out) >= LIMIT:
                break
    return out


def row_dict(r: Row) -> dict[str, Any]:
    """A row as JSON-ready data."""
    a = r.agreement
    return {
        "id": a.id,
        "account_id": a.account_id,
        "account_name": r.account_name,
        "data_kinds": a.data_kinds,
        "purposes": a.purposes,
        "valid_from": a.valid_from.isoformat(),
        "valid_to": a.valid_to.isoformat() if a.valid_to else None,
        "state": a.state,
        "recorded_by": a.recorded_by,
    }


def to_csv(rows: list[Row]) -> str:
    """The rows as CSV, one agreement a line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ("id", "account_id", "account", "state", "data_kinds", "purposes", "valid_from", "valid_to")
    )
    for r in rows:
        a = r.agreement
        writer.writerow(
            safe_row(
                (
                    a.id,
                    a.account_id,
                    r.account_name,
                    a.state,
                    " ".join(a.data_kinds),
                    " ".join(a.purposes),
                    a.valid_from.date().isoformat(),
                    a.valid_to.date().isoformat() if a.valid_to else "",
                )
            )
        )
    return out.getvalue()


def check_filters(state: str | None, kind: str | None, purpose: str | None) -> None:
    """InvalidInput naming the filter that is none of its known values."""
    for name, value, known in (
        ("state", state, STATES),
        ("kind", kind, DATA_KINDS),
        ("purpose", purpose, PURPOSES),
    ):
        if value is not None and value not in known:
            raise InvalidInput(f"{name}: one of {', '.join(known)}, not {value[:40]!r}")


def every_agreement(
    session: Session,
    state: str | None = None,
    kind: str | None = None,
    purpose: str | None = None,
    account_id: int | None = None,
) -> list[Row]:
    """The agreements of every account (the operator's command line), filtered."""
    now = utcnow()
    rows = consent_repository.agreements_with_accounts(session, None, kind, purpose, account_id)
    lines = [Row(name, line_of(a, now)) for a, name in rows]
    return [r for r in lines if state is None or r.agreement.state == state]


def account_names(session: Session, ids: list[int]) -> list[tuple[int, str]]:
    """(id, name) of these accounts, in the order given."""
    names = installed_base.account_names(session, set(ids))
    return [(i, names[i]) for i in ids if i in names]


def customer_accounts(session: Session, user: User) -> list[tuple[int, str]]:
    """(id, name) of the accounts a customer's user was given, by name."""
    return [(a.id, a.name) for a in installed_base.account_choices(session, user)]
