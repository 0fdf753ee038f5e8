"""What changed from one revision of a quote to the next, in words and as a table. No I/O.

A revision is described by plain facts (``Version``): its kind, term, validity, contract terms,
clause in words, totals and lines. ``compare`` lists every difference — lines added, removed or
changed (quantity, price, discounts, bundle, formula parameters), totals and terms — and
``in_words`` says it in one sentence, as the quote page shows above the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

# The totals compared, in the order shown.
TOTALS = (
    ("one_time", "one-time total"),
    ("monthly", "monthly recurring"),
    ("yearly", "yearly recurring"),
    ("usage", "usage estimate per month"),
    ("contract_value", "contract value"),
)
TERM_WORDS = {
    "payment_days": "payment within (days)",
    "liability_cap_pct": "liability cap %",
    "penalty_cap_pct": "penalty cap %",
    "warranty_months": "warranty (months)",
    "delivery_weeks": "delivery (weeks)",
}


@dataclass(frozen=True)
class LineFacts:
    """One line as a revision shows it."""

    key: tuple[int, str | None, int]  # catalogue item, bundle, occurrence
    name: str
    price: str  # in words
    unit_price_cents: int
    quantity: Decimal
    discount_pct: Decimal
    bundle_discount_pct: Decimal
    machines: int = 0
    formula: str | None = None  # the formula's parameters in words


@dataclass(frozen=True)
class Version:
    """One revision as plain facts."""

    revision: int
    currency: str
    kind: str
    term_months: int
    valid_until: date
    terms: Mapping[str, Any]
    clause: str | None
    totals: Mapping[str, int]  # cents, by the names of TOTALS
    lines: list[LineFacts] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    """One row of the table: a line, a total or a term, before and after."""

    what: str  # added, removed, changed
    part: str  # line, total, term
    item: str
    before: str
    after: str

    @property
    def detail(self) -> str:
        return f"{self.before} → {self.after}" if self.before and self.after else ""


@dataclass(frozen=True)
class Diff:
    """Every difference of ``new`` against ``old``."""

    old: int
    new: int
    changes: list[Change]

    def of(self, part: str) -> list[Change]:
        return [c for c in self.changes if c.part == part]


def money(cents: int, currency: str) -> str:
    return f"{Decimal(cents) / 100:,.2f} {currency}"


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _line_changes(a: LineFacts, b: LineFacts, currency: str) -> list[tuple[str, str, str]]:
    out = []
    if a.unit_price_cents != b.unit_price_cents:
        out.append(("price", a.price, b.price))
    if a.quantity != b.quantity:
        out.append(("quantity", _number(a.quantity), _number(b.quantity)))
    if a.discount_pct != b.discount_pct:
        out.append(("discount", f"{_number(a.discount_pct)} %", f"{_number(b.discount_pct)} %"))
    if a.bundle_discount_pct != b.bundle_discount_pct:
        out.append(
            (
                "bundle discount",
                f"{_number(a.bundle_discount_pct)} %",
                f"{_number(b.bundle_discount_pct)} %",
            )
        )
    if a.machines != b.machines:
        out.append(("machines", str(a.machines), str(b.machines)))
    if (a.formula or "") != (b.formula or ""):
        out.append(("formula", a.formula or "none", b.formula or "none"))
    return out


def compare(old: Version, new: Version) -> Diff:
    """Lines added, removed and changed; totals and terms that differ."""
    changes: list[Change] = []
    a = {ln.key: ln for ln in old.lines}
    b = {ln.key: ln for ln in new.lines}
    for key in sorted(a.keys() - b.keys(), key=lambda k: a[k].name):
        changes.append(Change("removed", "line", a[key].name, a[key].price, ""))
    for key in sorted(b.keys() - a.keys(), key=lambda k: b[k].name):
        changes.append(Change("added", "line", b[key].name, "", b[key].price))
    for key in sorted(a.keys() & b.keys(), key=lambda k: b[k].name):
        for label, before, after in _line_changes(a[key], b[key], new.currency):
            changes.append(Change("changed", "line", f"{b[key].name}: {label}", before, after))
    for name, label in TOTALS:
        x, y = old.totals.get(name, 0), new.totals.get(name, 0)
        if x != y:
            changes.append(
                Change("changed", "total", label, money(x, old.currency), money(y, new.currency))
            )
    changes += _term_changes(old, new)
    return Diff(old.revision, new.revision, changes)


def _term_changes(old: Version, new: Version) -> list[Change]:
    out = []
    if old.kind != new.kind:
        out.append(Change("changed", "term", "offer", _kind(old.kind), _kind(new.kind)))
    if old.term_months != new.term_months:
        out.append(
            Change(
                "changed",
                "term",
                "contract term",
                f"{old.term_months} months",
                f"{new.term_months} months",
            )
        )
    if old.valid_until != new.valid_until:
        out.append(
            Change(
                "changed",
                "term",
                "valid until",
                old.valid_until.isoformat(),
                new.valid_until.isoformat(),
            )
        )
    for key in sorted(set(old.terms) | set(new.terms)):
        x, y = old.terms.get(key), new.terms.get(key)
        if str(x) != str(y):
            what = "added" if x is None else "removed" if y is None else "changed"
            label = TERM_WORDS.get(key, key.replace("_", " "))
            out.append(Change(what, "term", label, "" if x is None else str(x), _or(y)))
    if (old.clause or "") != (new.clause or ""):
        what = "added" if not old.clause else "removed" if not new.clause else "changed"
        out.append(Change(what, "term", "availability clause", old.clause or "", _or(new.clause)))
    return out


def _or(value: object) -> str:
    return "" if value is None else str(value)


def _kind(kind: str) -> str:
    return "budget offer" if kind == "budget" else "fixed offer"


def in_words(diff: Diff) -> str:
    """One sentence: "Against revision 1: added Pump PX-200; removed Condition monitoring;
    contract value 2,160.00 EUR → 10,000.00 EUR." (or "no change")."""
    if not diff.changes:
        return f"Against revision {diff.old}: no change."
    parts = []
    for c in diff.changes:
        if c.what == "added":
            parts.append(f"added {c.item}" + (f" ({c.after})" if c.part == "term" else ""))
        elif c.what == "removed":
            parts.append(f"removed {c.item}")
        else:
            parts.append(f"{c.item} {c.before} → {c.after}")
    return f"Against revision {diff.old}: " + "; ".join(parts) + "."
