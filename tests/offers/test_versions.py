"""Differences between two revisions of a quote, and one availability contract per machine at a
time: pure rules, cases written out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

from servitize.offers.overlaps import InForce, doubly_covered, message, overlaps
from servitize.offers.versions import Change, LineFacts, Version, compare, in_words


def _line(name: str, key: int, cents: int, qty: str = "1", **kw) -> LineFacts:  # type: ignore[no-untyped-def]
    return LineFacts(
        (key, None, 1),
        name,
        f"{cents // 100:,} EUR / month, 36 months",
        cents,
        D(qty),
        kw.get("discount", D(0)),
        D(0),
        kw.get("machines", 0),
        kw.get("formula"),
    )


def _version(revision: int, lines: list[LineFacts], **kw) -> Version:  # type: ignore[no-untyped-def]
    monthly = sum(ln.unit_price_cents * int(ln.quantity) for ln in lines)
    return Version(
        revision,
        "EUR",
        kw.get("kind", "fixed"),
        36,
        kw.get("valid_until", date(2026, 12, 30)),
        kw.get("terms", {"payment_days": 30}),
        kw.get("clause"),
        {"monthly": monthly, "yearly": monthly * 12, "contract_value": monthly * 36},
        lines,
    )


def test_lines_added_removed_and_changed_with_totals_and_terms() -> None:
    old = _version(1, [_line("Monitoring", 1, 6_000, "2"), _line("Remote service", 2, 18_000)])
    new = _version(
        2,
        [_line("Monitoring", 1, 6_000, "3"), _line("Digital twin", 3, 65_000)],
        terms={"payment_days": 45},
        kind="fixed",
    )
    diff = compare(old, new)
    rows = [(c.what, c.part, c.item, c.before, c.after) for c in diff.changes]
    # monthly: 2 × 60 + 180 = 300.00 → 3 × 60 + 650 = 830.00; a year 3,600 → 9,960;
    # over 36 months 10,800 → 29,880
    assert rows == [
        ("removed", "line", "Remote service", "180 EUR / month, 36 months", ""),
        ("added", "line", "Digital twin", "", "650 EUR / month, 36 months"),
        ("changed", "line", "Monitoring: quantity", "2", "3"),
        ("changed", "total", "monthly recurring", "300.00 EUR", "830.00 EUR"),
        ("changed", "total", "yearly recurring", "3,600.00 EUR", "9,960.00 EUR"),
        ("changed", "total", "contract value", "10,800.00 EUR", "29,880.00 EUR"),
        ("changed", "term", "payment within (days)", "30", "45"),
    ]
    assert in_words(diff) == (
        "Against revision 1: removed Remote service; added Digital twin; "
        "Monitoring: quantity 2 → 3; monthly recurring 300.00 EUR → 830.00 EUR; "
        "yearly recurring 3,600.00 EUR → 9,960.00 EUR; "
        "contract value 10,800.00 EUR → 29,880.00 EUR; payment within (days) 30 → 45."
    )


def test_the_budget_becoming_the_fixed_offer_and_a_new_clause() -> None:
    before = _line("Fleet monitoring", 1, 369_619, formula="12 machines, size M")
    after = _line("Fleet monitoring", 1, 369_619, formula="12 machines, size L")
    old = _version(1, [before], kind="budget")
    new = _version(2, [after], clause="Availability target 98 %.", valid_until=date(2027, 1, 5))
    rows = [(c.what, c.item, c.before, c.after) for c in compare(old, new).changes]
    assert rows == [
        ("changed", "Fleet monitoring: formula", "12 machines, size M", "12 machines, size L"),
        ("changed", "offer", "budget offer", "fixed offer"),
        ("changed", "valid until", "2026-12-30", "2027-01-05"),
        ("added", "availability clause", "", "Availability target 98 %."),
    ]


def test_the_same_revision_twice_has_no_change() -> None:
    same = _version(1, [_line("Monitoring", 1, 6_000)])
    diff = compare(same, _version(2, [_line("Monitoring", 1, 6_000)]))
    assert diff.changes == [] and in_words(diff) == "Against revision 1: no change."
    assert Change("changed", "total", "x", "1", "2").detail == "1 → 2"


# ---------------------------------------------------------------- one contract per machine

MAY = datetime(2026, 5, 1, tzinfo=UTC)
DEC = datetime(2026, 12, 1, tzinfo=UTC)


def test_an_open_or_later_ending_contract_overlaps_an_earlier_one_does_not() -> None:
    open_ended = InForce("AV-DEMO-1", frozenset({"PX-1", "PX-2"}), MAY, None)
    ended = InForce("AV-OLD", frozenset({"PX-1"}), datetime(2025, 1, 1, tzinfo=UTC), MAY)
    later = InForce("AV-NEXT", None, datetime(2027, 1, 1, tzinfo=UTC), None)
    assert overlaps(open_ended, DEC) and overlaps(later, DEC)
    assert not overlaps(ended, MAY)  # the end is exclusive: it ends as the new one begins
    assert not overlaps(later, DEC, datetime(2027, 1, 1, tzinfo=UTC))
    found = doubly_covered({"PX-2", "PX-3"}, DEC, [open_ended, ended])
    assert found == [("PX-2", "AV-DEMO-1")]
    # a contract without a list covers every machine of its account
    assert doubly_covered(["PX-3", "PX-1"], DEC, [later]) == [
        ("PX-1", "AV-NEXT"),
        ("PX-3", "AV-NEXT"),
    ]
    assert message(found).startswith(
        "machine PX-2 is already under availability contract AV-DEMO-1 — a machine is under "
        "one availability contract at a time"
    )
