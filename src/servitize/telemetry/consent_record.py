"""An account's consent as one record: its agreements with their state, the history of every
change, and what used the data last month and this month. The portal, the 360's panel, the API,
the CSV and the PDF all show this one record, so they show the same facts."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from servitize.core.cells import safe_row
from servitize.core.db import as_utc, utcnow
from servitize.telemetry import consent, consent_repository, consent_usage
from servitize.telemetry.consent_rules import KIND_TEXT, PURPOSE_TEXT
from servitize.telemetry.models import DataSharingAgreement, DataSharingChange


@dataclass(frozen=True)
class AgreementLine:
    """An agreement as the pages, files and API show it."""

    id: int
    account_id: int
    data_kinds: list[str]
    purposes: list[str]
    valid_from: datetime
    valid_to: datetime | None
    state: str
    recorded_by: str
    document: str | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class ChangeLine:
    """One change of an agreement: what, when, by whom, before and after in words."""

    agreement_id: int
    change: str
    at: datetime
    actor: str
    by: str  # "customer" or "staff"
    before: str
    after: str


@dataclass
class AccountConsent:
    """Everything about one account's consent."""

    account_id: int
    account_name: str
    agreements: list[AgreementLine] = field(default_factory=list)
    history: list[ChangeLine] = field(default_factory=list)
    uses: list[consent_usage.Use] = field(default_factory=list)
    last_month: str = ""
    this_month: str = ""

    def shared_now(self) -> set[tuple[str, str]]:
        """(data kind, purpose) pairs an agreement covers now (the portal's picture)."""
        return {
            (k, p)
            for a in self.agreements
            if a.state in ("active", "narrowed")
            for k in a.data_kinds
            for p in a.purposes
        }


def line_of(a: DataSharingAgreement, now: datetime) -> AgreementLine:
    """An agreement with its state at ``now``."""
    return AgreementLine(
        a.id,
        a.account_id,
        list(a.data_kinds),
        list(a.purposes),
        as_utc(a.valid_from),
        as_utc(a.valid_to),
        consent.state(a, now),
        a.recorded_by,
        a.document,
        as_utc(a.revoked_at),
    )


def _day(value: object) -> str:
    return str(value)[:10] if value else "open-ended"


def terms_text(terms: dict[str, Any] | None) -> str:
    """Terms (kinds, purposes, period) in a line of words; '' for none."""
    if not terms:
        return ""
    kinds = ", ".join(terms.get("data_kinds") or []) or "—"
    purposes = ", ".join(p.replace("_", " ") for p in terms.get("purposes") or []) or "—"
    start = _day(terms.get("valid_from")) if terms.get("valid_from") else "?"
    return f"{kinds} for {purposes}, {start} to {_day(terms.get('valid_to'))}"


def _change_line(c: DataSharingChange) -> ChangeLine:
    return ChangeLine(
        c.agreement_id,
        c.change,
        as_utc(c.at),
        c.actor,
        "customer" if c.by_customer else "staff",
        terms_text(c.before),
        terms_text(c.after) if c.after else "",
    )


def records_of(
    session: Session, accounts: list[tuple[int, str]], now: datetime | None = None
) -> list[AccountConsent]:
    """The consent record of each (account id, name): three statements for any number."""
    now = as_utc(now) or utcnow()
    last, this = consent_usage.recent_months(now)
    ids = [i for i, _n in accounts]
    out = {i: AccountConsent(i, name, last_month=last, this_month=this) for i, name in accounts}
    for a in consent_repository.agreements_of_accounts(session, ids):
        out[a.account_id].agreements.append(line_of(a, now))
    for c in consent_repository.changes_of(session, ids):
        out[c.account_id].history.append(_change_line(c))
    for u in consent_usage.uses_of(session, ids, (last, this)):
        out[u.account_id].uses.append(u)
    return [out[i] for i in ids]


def as_dict(r: AccountConsent) -> dict[str, Any]:
    """The record as JSON-ready data (the API)."""

    def moment(d: datetime | None) -> str | None:
        return d.isoformat() if d else None

    return {
        "account_id": r.account_id,
        "account_name": r.account_name,
        "agreements": [
            {
                "id": a.id,
                "data_kinds": a.data_kinds,
                "purposes": a.purposes,
                "valid_from": moment(a.valid_from),
                "valid_to": moment(a.valid_to),
                "state": a.state,
                "recorded_by": a.recorded_by,
                "document": a.document,
                "revoked_at": moment(a.revoked_at),
            }
            for a in r.agreements
        ],
        "history": [
            {
                "agreement_id": c.agreement_id,
                "change": c.change,
                "at": moment(c.at),
                "actor": c.actor,
                "by": c.by,
                "before": c.before,
                "after": c.after,
            }
            for c in r.history
        ],
        "uses": [
            {
                "month": u.month,
                "purpose": u.purpose,
                "computation": u.computation,
                "label": u.label,
                "runs": u.runs,
                "last_used_at": moment(u.last_used_at),
            }
            for u in r.uses
        ],
    }


def purposes_in_words() -> list[dict[str, str]]:
    """Each purpose with what it is used for (the same sentence on every page and file)."""
    return [{"purpose": p, "text": t} for p, t in PURPOSE_TEXT.items()]


def kinds_in_words() -> list[dict[str, str]]:
    """Each data kind with what it holds."""
    return [{"kind": k, "text": t} for k, t in KIND_TEXT.items()]


def runs_text(runs: int) -> str:
    """'1 run', '3 runs'."""
    return f"{runs} run" if runs == 1 else f"{runs} runs"


CSV_HEADER = ("section", "agreement", "what", "when", "who", "detail")


def to_csv(r: AccountConsent) -> str:
    """The record as CSV: one line per agreement, per change and per use."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for a in r.agreements:
        terms = {
            "data_kinds": a.data_kinds,
            "purposes": a.purposes,
            "valid_from": a.valid_from,
            "valid_to": a.valid_to,
        }
        writer.writerow(
            safe_row(
                ("agreement", a.id, a.state, a.valid_from.date(), a.recorded_by, terms_text(terms))
            )
        )
    for c in r.history:
        detail = f"{c.before} -> {c.after}" if c.before else c.after
        writer.writerow(
            safe_row(
                (
                    "change",
                    c.agreement_id,
                    c.change,
                    c.at.isoformat(),
                    f"{c.actor} ({c.by})",
                    detail,
                )
            )
        )
    for u in r.uses:
        writer.writerow(
            safe_row(
                (
                    "use",
                    "",
                    u.label,
                    u.month,
                    u.purpose,
                    f"{runs_text(u.runs)}, last {u.last_used_at:%Y-%m-%d}",
                )
            )
        )
    return out.getvalue()
