"""The billing run on the real database: fees, proration, indexation, amendments, suspension,
usage with and without an agreement, settlements, one-time items; idempotent and locked.
Every amount worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servitize.contracts.models import AvailabilityContract
from servitize.core.errors import Conflict, PermissionDenied
from servitize.core.settings import Settings
from servitize.offers import billing
from servitize.offers.models import BillingLine, Contract, ContractAsset, ContractChange
from servitize.trust.context import Context
from tests import builders as b

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def contract(session: Session, account, **kw) -> Contract:  # type: ignore[no-untyped-def]
    kw.setdefault("number", f"C-T{next(_n)}")
    kw.setdefault("kind", "subscription")
    kw.setdefault("name", "Condition monitoring")
    kw.setdefault("currency", "EUR")
    kw.setdefault("period", "month")
    kw.setdefault("start_on", date(2026, 1, 1))
    kw.setdefault("minimum_term_end", date(2029, 1, 1))
    c = Contract(account_id=account.id, **kw)
    session.add(c)
    session.flush()
    return c


_n = iter(range(1, 10_000))


def change(session: Session, c: Contract, kind: str, on: date, before=None, after=None) -> None:  # type: ignore[no-untyped-def]
    session.add(
        ContractChange(
            contract_id=c.id,
            kind=kind,
            effective_on=on,
            fee_before_cents=before,
            fee_after_cents=after,
            by="test",
            at=NOW,
        )
    )
    session.flush()


def no_meter(contract, asset_ids, span):  # type: ignore[no-untyped-def]
    raise AssertionError("no usage contract here")


def no_settlement(availability_id, period):  # type: ignore[no-untyped-def]
    return None


def lines(result: billing.RunResult, contract: Contract) -> list[tuple[str, int]]:
    return [(ln.kind, ln.amount_cents) for ln in result.written if ln.contract_id == contract.id]


@pytest.fixture
def admin_ctx(session: Session) -> Context:
    return Context(session, b.user(session, role="admin"), Settings(), NOW)


def test_fees_are_prorated_indexed_and_split_at_a_change(session: Session, admin_ctx) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    late_start = contract(session, acc, fee_cents=9_000, start_on=date(2026, 4, 11))
    yearly = contract(
        session,
        acc,
        kind="service_agreement",
        fee_cents=324_000,
        period="year",
        start_on=date(2025, 3, 1),
        indexation_pct=D(3),
    )
    amended = contract(session, acc, fee_cents=9_300)
    change(session, amended, "amend", date(2026, 3, 22), 6_200, 9_300)
    paused = contract(session, acc, fee_cents=10_000)
    change(session, paused, "suspend", date(2026, 3, 11))
    change(session, paused, "resume", date(2026, 3, 21))

    march = billing.run(admin_ctx, "2026-03", no_meter, no_settlement)
    # not started yet in March
    assert lines(march, late_start) == []
    # second contract year from 1 March 2026: 3,240.00 + 3 % = 3,337.20 a year → 278.10 a month
    assert lines(march, yearly) == [("fee", 27_810)]
    # 62.00 for 21 of 31 days = 42.00, then 93.00 for 10 of 31 days = 30.00
    assert lines(march, amended) == [("fee", 4_200), ("fee", 3_000)]
    # active 1–10 and 21–31 March: 100.00 × 10/31 = 32.26, × 11/31 = 35.48
    assert lines(march, paused) == [("fee", 3_226), ("fee", 3_548)]

    april = billing.run(admin_ctx, "2026-04", no_meter, no_settlement)
    # from 11 April: 20 of 30 days of 90.00 = 60.00
    assert lines(april, late_start) == [("fee", 6_000)]
    # the amendment holds for the whole of April
    assert lines(april, amended) == [("fee", 9_300)]


def test_usage_is_rated_by_tiers_and_never_billed_without_an_agreement(
    session: Session, admin_ctx
) -> None:  # type: ignore[no-untyped-def]
    acc, other = b.account(session), b.account(session)
    terms = {
        "metric": "operating hour",
        "tiers": [{"up_to": 100, "unit_cents": 200}, {"up_to": None, "unit_cents": 150}],
    }
    metered = contract(session, acc, kind="usage", fee_cents=0, terms=terms, name="Hours")
    silent = contract(session, other, kind="usage", fee_cents=0, terms=terms, name="Hours")
    pump = b.asset(session, acc)
    session.add(ContractAsset(contract_id=metered.id, asset_id=pump.id))
    session.flush()
    seen = {}

    def meter(c, asset_ids, span):  # type: ignore[no-untyped-def]
        seen[c.id] = asset_ids
        if c.account_id == other.id:
            return billing.Metered(D(500), False, {"reason": "no billing agreement"})
        return billing.Metered(D(160), True, {"operating_hours": "160"})

    run = billing.run(admin_ctx, "2026-05", meter, no_settlement)
    # 100 h × 2.00 + 60 h × 1.50 = 290.00
    assert lines(run, metered) == [("usage", 29_000)]
    assert seen[metered.id] == [pump.id]
    unbilled = [ln for ln in run.written if ln.contract_id == silent.id]
    assert len(unbilled) == 1
    assert (unbilled[0].billable, unbilled[0].amount_cents) == (False, 0)
    assert "not billable: no agreement" in unbilled[0].description


def test_settlements_are_lines_with_their_evidence(session: Session, admin_ctx) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    ac = AvailabilityContract(
        external_id="AC-BILL",
        account_id=acc.id,
        name="Uptime 97",
        target_pct=97.0,
        calendar={"kind": "24/7"},
        fee_cents=650_000,
        currency="EUR",
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    session.add(ac)
    session.flush()
    covered = contract(session, acc, fee_cents=650_000, availability_contract_id=ac.id)
    plain = contract(session, acc, fee_cents=10_000)
    asked = []

    def settle(availability_id, period):  # type: ignore[no-untyped-def]
        asked.append((availability_id, period))
        return billing.Settled(-40_000, "penalty", {"measured_pct": 97.2})

    run = billing.run(admin_ctx, "2026-06", no_meter, settle)
    assert lines(run, covered) == [("fee", 650_000), ("penalty", -40_000)]
    assert lines(run, plain) == [("fee", 10_000)]  # no availability clause: no settlement
    assert asked == [(ac.id, "2026-06")]
    penalty = next(ln for ln in run.written if ln.kind == "penalty")
    assert penalty.evidence == {"measured_pct": 97.2}


def test_a_rerun_changes_nothing_and_a_closed_month_is_locked(session: Session, admin_ctx) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    c = contract(session, acc, fee_cents=12_000)
    first = billing.run(admin_ctx, "2026-07", no_meter, no_settlement)
    assert lines(first, c) == [("fee", 12_000)]
    again = billing.run(admin_ctx, "2026-07", no_meter, no_settlement)
    assert again.written == []
    assert again.already >= 1
    count = session.scalar(
        select(func.count()).select_from(BillingLine).where(BillingLine.contract_id == c.id)
    )
    assert count == 1
    billing.close(admin_ctx, "2026-07")
    with pytest.raises(Conflict, match="closed"):
        billing.run(admin_ctx, "2026-07", no_meter, no_settlement)
    fix = billing.correct(admin_ctx, first.written[0].id, -2_000, "wrong start day", "2026-08")
    assert (fix.period, fix.amount_cents, fix.kind) == ("2026-08", -2_000, "correction")


def test_an_open_or_future_month_is_refused(session: Session, admin_ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict, match="has not ended yet"):
        billing.run(admin_ctx, "2026-11", no_meter, no_settlement)
    with pytest.raises(Conflict, match="has not ended yet"):
        billing.run(admin_ctx, "2027-02", no_meter, no_settlement)


def test_only_admins_bill(session: Session) -> None:
    ctx = Context(session, b.user(session, role="sales_manager"), Settings(), NOW)
    with pytest.raises(PermissionDenied):
        billing.run(ctx, "2026-03", no_meter, no_settlement)


def test_the_set_based_run_writes_what_it_returns_with_ids_and_evidence(
    session: Session, admin_ctx
) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    # a name with a tab, a line break, a backslash and an accent: the bulk write keeps it as is
    odd = contract(session, acc, fee_cents=31_000, name="Pumpe\tNord\nA\\B é")
    yearly = contract(session, acc, fee_cents=120_000, period="year", kind="licence")
    ended = contract(
        session, acc, fee_cents=9_999, start_on=date(2025, 1, 1), end_on=date(2026, 1, 1)
    )
    terms = {"metric": "operating hour", "tiers": [{"up_to": None, "unit_cents": 100}]}
    hours = contract(session, acc, kind="usage", fee_cents=0, terms=terms, name="Hours")
    pump = b.asset(session, acc)
    session.add(ContractAsset(contract_id=hours.id, asset_id=pump.id))
    session.flush()

    def meter(c, asset_ids, span):  # type: ignore[no-untyped-def]
        assert asset_ids == [pump.id]
        return billing.Metered(D("12.5"), True, {"operating_hours": {"ü\\x": 12.5}})

    run = billing.run(admin_ctx, "2026-09", meter, no_settlement)
    # September: 310.00 a month in full; 1,200.00 a year = 100.00 a month; ended in January:
    # nothing; 12.5 h × 1.00 = 12.50
    assert lines(run, odd) == [("fee", 31_000)]
    assert lines(run, yearly) == [("fee", 10_000)]
    assert lines(run, ended) == []
    assert lines(run, hours) == [("usage", 1_250)]
    stored = {
        ln.id: ln
        for ln in session.scalars(select(BillingLine).where(BillingLine.period == "2026-09"))
    }
    assert len(stored) == len(run.written) == 3
    for ln in run.written:
        row = stored[ln.id]  # every returned line carries the id of its stored row
        assert (row.key, row.amount_cents, row.description, row.kind, row.billable) == (
            ln.key,
            ln.amount_cents,
            ln.description,
            ln.kind,
            ln.billable,
        )
        assert row.evidence == ln.evidence
    fee = next(ln for ln in run.written if ln.contract_id == odd.id)
    assert stored[fee.id].description.startswith("Pumpe\tNord\nA\\B é (")
    usage = next(ln for ln in run.written if ln.contract_id == hours.id)
    assert stored[usage.id].quantity == D("12.5")
    assert stored[usage.id].evidence == {"operating_hours": {"ü\\x": 12.5}}
    # the fee line's evidence: 31,000 a month, first contract year, 30 of 30 days
    assert stored[fee.id].evidence == {
        "fee_per_period_cents": 31_000,
        "period": "month",
        "contract_year": 1,
        "days": 30,
        "days_in_month": 30,
    }

    again = billing.run(admin_ctx, "2026-09", meter, no_settlement)
    assert (again.written, again.already) == ([], 3)


def test_a_correction_after_a_set_based_run_is_a_new_line(session: Session, admin_ctx) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    c = contract(session, acc, fee_cents=5_000, start_on=date(2026, 5, 16))
    run = billing.run(admin_ctx, "2026-05", no_meter, no_settlement)
    # from 16 May: 16 of 31 days of 50.00 = 25.806… → 25.81
    assert lines(run, c) == [("fee", 2_581)]
    billing.close(admin_ctx, "2026-05")
    first = billing.correct(admin_ctx, run.written[0].id, -81, "round to the day", "2026-06")
    second = billing.correct(admin_ctx, run.written[0].id, 10, "one more", "2026-06")
    assert (first.key, second.key) == (
        f"correction:{run.written[0].id}:1",
        f"correction:{run.written[0].id}:2",
    )
    june = billing.run(admin_ctx, "2026-06", no_meter, no_settlement)
    # June in full: 50.00; the corrections stay lines of their own
    assert lines(june, c) == [("fee", 5_000)]
    total = session.scalar(
        select(func.sum(BillingLine.amount_cents)).where(BillingLine.contract_id == c.id)
    )
    assert total == 2_581 - 81 + 10 + 5_000
