"""The audit trail as people read it: each change as "field: before → after" with labels,
filtered by who, what kind of record, which action and when, a page at a time, and as CSV.
The page, the API and the CLI show the same rows from here."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from servitize.core.cells import safe_row
from servitize.core.dates import check_date_in_range
from servitize.core.errors import InvalidInput
from servitize.core.formats import label
from servitize.kit.pagination import PageParams
from servitize.trust import admin_repository
from servitize.trust.admin_repository import AuditQuery
from servitize.trust.models import AuditEntry

# The CSV export holds at most this many rows (the newest); narrow the filters for older ones.
EXPORT_MAX_ROWS = 100_000
ARROW = "→"

# Field names whose plain label ("Owner id") would read wrong.
LABELS = {
    "id": "Id",
    "user_id": "User",
    "owner_id": "Owner",
    "account_id": "Account",
    "asset_id": "Machine",
    "technician_id": "Technician",
    "external_id": "External id",
    "email": "Email",
    "full_name": "Full name",
    "value_cents": "Value (cents)",
    "estimated_value_cents": "Estimated value (cents)",
    "unit_price_cents": "Unit price (cents)",
    "list_price_cents": "List price (cents)",
    "must_change_password": "Must change password",
    "revoked": "Revoked",
    "active": "Active",
}
# The columns that name a record, the first with a value wins (a user: full name, else user
# name, else email); for some kinds several together (a machine: model and serial).
NAME_COLUMNS = (
    "full_name",
    "name",
    "title",
    "username",
    "email",
    "subject",
    "external_id",
    "label",
)
NAMED_TOGETHER = {"asset": ("model", "serial")}
# "record": the record in words as the page, the API and the CLI name it (``record_names``)
CSV_HEADER = ("id", "at (UTC)", "actor", "action", "record", "record id", "changes", "note")


@dataclass(frozen=True)
class Change:
    """One field of one change: its label and the values before and after, as words."""

    field: str
    label: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.label}: {self.before} {ARROW} {self.after}"


def field_label(name: str) -> str:
    """A stored field's name as people read it: ``territory`` → ``Territory``."""
    return LABELS.get(name) or label(name)


def words(value: Any) -> str:
    """A stored value in words: nothing is a dash, booleans yes/no, lists and maps spelled out."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(words(v) for v in value) if value else "—"
    if isinstance(value, dict):
        return "; ".join(f"{field_label(str(k))} {words(v)}" for k, v in value.items()) or "—"
    return str(value)


def changes(entry: AuditEntry) -> list[Change]:
    """What an entry changed, one field per line, in the order the fields were stored."""
    before, after = entry.before or {}, entry.after or {}
    names = list(before) + [k for k in after if k not in before]
    return [
        Change(name, field_label(name), words(before.get(name)), words(after.get(name)))
        for name in names
    ]


def described(entry: AuditEntry) -> str:
    """Every change of an entry on one line: ``Role: analyst → admin; Territory: — → north``."""
    return "; ".join(str(c) for c in changes(entry))


def record_name(entry: AuditEntry, name: str | None = None) -> str:
    """The kind of record in words with its own name and its id: ``User Olga Berger (#12)``
    (``name``: from ``record_names``); without a name ``User #12``."""
    kind = label(entry.entity)
    if name and entry.entity_id:
        return f"{kind} {name} (#{entry.entity_id})"
    if name:
        return f"{kind} {name}"
    return f"{kind} #{entry.entity_id}" if entry.entity_id else kind


def own_name(entity: str, values: dict[str, Any]) -> str | None:
    """A record's own name from its columns (``NAMES``): a user's full name (else user name,
    else email), an account's name, a machine's model and serial; None when it has none."""
    if entity in NAMED_TOGETHER:
        found = [str(values[c]).strip() for c in NAMED_TOGETHER[entity] if values.get(c)]
        return " ".join(f for f in found if f) or None
    for column in NAME_COLUMNS:
        value = values.get(column)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def record_names(session: Session, entries: Iterable[AuditEntry]) -> dict[int, str]:
    """Each entry's record in words (``record_name``), named as it is now, or as the entry
    itself wrote it when the record is gone: entry id → words. One read per kind of record."""
    entries = list(entries)
    ids: dict[str, set[int]] = {}
    for e in entries:
        if e.entity_id and e.entity_id.isdigit():
            ids.setdefault(e.entity, set()).add(int(e.entity_id))
    columns: dict[str, tuple[str, ...]] = {
        entity: NAMED_TOGETHER.get(entity, NAME_COLUMNS) for entity in ids
    }
    rows = admin_repository.record_rows(session, ids, columns)
    out = {}
    for e in entries:
        now = rows.get((e.entity, e.entity_id or ""))
        name = own_name(e.entity, now) if now is not None else None
        if name is None:  # gone, or a kind without a table: the entry's own record of it
            name = own_name(e.entity, e.after or {}) or own_name(e.entity, e.before or {})
        out[e.id] = record_name(e, name)
    return out


def _text(value: str | None, field: str, limit: int) -> str | None:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput(f"{field}: must not hold a NUL character")
    if len(value) > limit:
        raise InvalidInput(f"{field}: at most {limit} characters")
    return value or None


def query(
    actor: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> AuditQuery:
    """The filters as the page, the API and the CLI take them: ``since`` and ``until`` are days
    (UTC), both included."""
    for name, day in (("since", since), ("until", until)):
        reason = None if day is None else check_date_in_range(day)
        if reason:
            raise InvalidInput(f"{name}: {reason}")
    if since is not None and until is not None and until < since:
        raise InvalidInput(f"until: {until} is before since {since}")
    return AuditQuery(
        actor=_text(actor, "actor", 80),
        entity=_text(entity, "entity", 64),
        entity_id=_text(entity_id, "entity_id", 80),
        action=_text(action, "action", 32),
        since=None if since is None else datetime.combine(since, time(), UTC),
        until=None if until is None else datetime.combine(until + timedelta(days=1), time(), UTC),
    )


def page(session: Session, filters: AuditQuery, params: PageParams) -> tuple[list[AuditEntry], int]:
    """One page of the matching entries, newest first, and how many match in all."""
    return admin_repository.audit_page(session, filters, params)


def csv_text(session: Session, filters: AuditQuery) -> str:
    """The matching entries as CSV (newest first, at most ``EXPORT_MAX_ROWS``), every cell safe
    to open in a spreadsheet; each record named as the page names it."""
    entries = admin_repository.audit_rows(session, filters, EXPORT_MAX_ROWS)
    return csv_of(entries, record_names(session, entries))


def csv_row(entry: AuditEntry, record: str | None = None) -> list[Any]:
    """One entry as a row of the CSV export (the columns of ``CSV_HEADER``; ``record``: its
    record in words, from ``record_names``)."""
    return [
        entry.id,
        entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        entry.actor,
        entry.action,
        record or record_name(entry),
        entry.entity_id or "",
        described(entry),
        entry.note or "",
    ]


def csv_of(entries: Iterable[AuditEntry], names: dict[int, str] | None = None) -> str:
    """Entries as CSV text with a header row (``names``: entry id → record in words)."""
    names = names or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for entry in entries:
        writer.writerow(safe_row(csv_row(entry, names.get(entry.id))))
    return out.getvalue()
