"""The value case of the small world (tests/value/world.py), every figure computed by hand."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from servitize.core.errors import InvalidInput, PermissionDenied
from servitize.trust.context import context_of
from servitize.value import service
from tests import builders as b
from tests.value.world import DAY, build

# Annuity factor of 5 years at 8 %: (1 − 1.08^−5) / 0.08 (closed form).
A5 = (1 - 1.08**-5) / 0.08


def _case(session: Session, **assumptions: float) -> service.Report:
    w = build(session)
    ctx = context_of(session, w.owner, today=DAY)
    created = service.create_case(
        ctx, w.account.id, [m.id for m in w.machines], assumptions=assumptions
    )
    return service.report(ctx, created)


def test_savings_from_the_records_with_their_evidence(session: Session) -> None:
    r = _case(session, years=5)
    by = {s.key: s for s in r.savings}
    # Downtime: repairs 30 h + 6 h (the maintenance's 2 h is planned, the 2022 repair is
    # outside the 36 months) = 36 h ÷ 3 years = 12 h a year × 500.00 (settings) = 6,000.00;
    # 30 % avoided = 1,800.00.
    assert by["downtime"].cost_cents == 6_000_00
    assert by["downtime"].saving_cents == 1_800_00
    assert "36 h of repairs in 3 work orders" in by["downtime"].evidence
    # Parts 4,000 + 500 + 1,000 = 5,500.00; labour 10 + 4 + 5 = 19 h × 95.00 = 1,805.00;
    # 7,305.00 ÷ 3 years = 2,435.00 a year, all replaced by the fee.
    assert by["time_and_material"].saving_cents == 2_435_00
    # Risk: the fleet of VX-1 aged 5–10 years: 3 machines × 3 years = 9 machine-years, one
    # major failure (30 h ≥ 24 h): 1/9 = 11.1111 % a year per machine. Its cost: 4,000.00
    # parts + 10 h × 95.00 + 30 h × 500.00 = 19,950.00. Expected: 0.111111 × 2 × 19,950.00
    # = 4,433.33 a year; 30 % avoided = 1,330.00 (1,329.99867 to the cent).
    assert r.values["major_failure_pct_per_year"].number == pytest.approx(11.1111)
    assert r.values["major_failure_cost_cents"].number == 19_950_00
    assert by["risk"].cost_cents == 4_433_33
    assert by["risk"].saving_cents == 1_330_00
    # No energy, no scrap recorded: "no data", never zero.
    assert by["energy"].saving_cents is None and "no data" in by["energy"].evidence
    assert by["scrap"].saving_cents is None and "no data" in by["scrap"].evidence
    # 1,800 + 2,435 + 1,330 = 5,565.00 a year
    assert r.saving_cents == 5_565_00


def test_prices_and_margins(session: Session) -> None:
    r = _case(session, years=5)
    prices = {p.key: p for p in r.prices}
    # 30 % of 5,565.00 = 1,669.50
    assert prices["value"].cents == 1_669_50
    # cost to serve: 2,435.00 ÷ 1.25 = 1,948.00; cost-plus 1,948.00 × 1.25 = 2,435.00,
    # margin (2,435 − 1,948) ÷ 2,435 = 20 %; value-based margin (1,669.50 − 1,948) ÷ 1,669.50
    assert prices["cost_plus"].cents == 2_435_00
    assert prices["cost_plus"].margin_pct == 20.0
    assert prices["value"].margin_pct == round(100 * (1669.50 - 1948) / 1669.50, 2)
    assert prices["list"].cents is None  # no offering chosen


def test_alternatives_npv_irr_and_payback(session: Session) -> None:
    r = _case(session, years=5, setup_cents=8_000_00)
    alt = {a.key: a for a in r.alternatives}
    # Status quo a year: downtime 6,000 + parts and labour 2,435 + risk 4,433.33 = 12,868.33
    assert alt["buy_tm"].flows_cents == [0] + [-12_868_33] * 5
    assert alt["buy_tm"].npv_cents == round(-1_286_833 * A5)
    assert alt["buy_tm"].tco_cents == 5 * 12_868_33
    # Agreement a year: fee 1,669.50 + downtime left 4,200 + risk left 3,103.33 = 8,972.83,
    # and the set-up 8,000.00 now.
    assert alt["buy_agreement"].flows_cents == [-8_000_00] + [-8_972_83] * 5
    assert alt["buy_agreement"].npv_cents == round(-800_000 - 897_283 * A5)
    # The difference: −8,000 now, +3,895.50 a year: simple payback 8,000 ÷ 3,895.50 years.
    assert alt["buy_agreement"].payback_years == pytest.approx(800_000 / 389_550, abs=1e-4)
    # IRR of the difference: NPV zero where the annuity factor is 8,000 ÷ 3,895.50.
    irr = alt["buy_agreement"].irr_pct
    assert irr is not None
    x = irr / 100
    assert 389_550 * (1 - (1 + x) ** -5) / x == pytest.approx(800_000, rel=1e-6)
    # Discounted payback: year 2 still below zero, year 3 above; interpolated within year 3.
    d = [-800_000 + sum(389_550 / 1.08**t for t in range(1, k + 1)) for k in range(6)]
    assert alt["buy_agreement"].discounted_payback_years == pytest.approx(
        2 + -d[2] / (d[3] - d[2]), abs=1e-4
    )
    # Subscription: no machine price (owned already: 0), fee = agreement fee; no risk left.
    assert alt["subscription"].flows_cents == [-8_000_00] + [-(1_669_50 + 4_200_00)] * 5


def test_a_case_that_never_pays_back(session: Session) -> None:
    # A set-up of 100,000.00 against 3,895.50 a year for 5 years: never within the flows.
    r = _case(session, years=5, setup_cents=100_000_00)
    agreement = next(a for a in r.alternatives if a.key == "buy_agreement")
    assert agreement.payback_years is None
    assert agreement.payback_note is not None and "never pays back" in agreement.payback_note


def test_default_years_are_the_remaining_life(session: Session) -> None:
    r = _case(session)
    # installed 2018-06-01, on 2026-11-23: 3,097 days = 8.479 years; 20 − 8.479 = 11.52 → 12
    assert (DAY - __import__("datetime").date(2018, 6, 1)).days == 3097
    assert r.values["years"].number == 12


def test_sensitivity_tornado_and_break_even(session: Session) -> None:
    r = _case(session, years=5, setup_cents=8_000_00)
    s = r.sensitivity
    # base NPV of the difference: −8,000 + 3,895.50 × A5
    assert s.base_npv == pytest.approx(-8000 + 3895.50 * A5, abs=0.01)
    names = [bar[0] for bar in s.bars]
    assert names[0] == "downtime_avoided_pct"  # moves downtime and risk savings
    # break-even of the share avoided: yearly saving = 2,435 + 6,000 a + 4,433.33 a − 1,669.50
    # with NPV 0: (765.50 + 10,433.33 a) × A5 = 8,000
    a = (8000 / A5 - 765.50) / 10433.3289
    assert s.break_even_value == pytest.approx(100 * a, rel=1e-4)


def test_edits_are_kept_and_bad_input_names_the_field(session: Session) -> None:
    w = build(session)
    ctx = context_of(session, w.owner, today=DAY)
    case = service.create_case(ctx, w.account.id, None)
    service.edit_assumptions(ctx, case.id, {"downtime_cost_per_hour_cents": 800_00}, case.version)
    r = service.report(ctx, case)
    assert r.values["downtime_cost_per_hour_cents"].source == "entered"
    # 12 h × 800.00 × 30 % = 2,880.00
    assert next(s for s in r.savings if s.key == "downtime").saving_cents == 2_880_00
    assert [(e.name, e.before, e.after) for e in r.edits] == [
        ("downtime_cost_per_hour_cents", None, 80000)
    ]
    for bad, field in (
        ({"years": -1}, "years"),
        ({"downtime_cost_per_hour_cents": None}, "downtime_cost_per_hour_cents"),
        ({"discount_rate_pct": -100}, "discount_rate_pct"),
        ({"discount_rate_pct": -250}, "discount_rate_pct"),
        ({"nonsense": 1}, "nonsense"),
    ):
        with pytest.raises(InvalidInput, match=field):
            service.edit_assumptions(ctx, case.id, bad)


def test_a_technician_may_not_open_a_case(session: Session) -> None:
    w = build(session)
    tech = b.user(session, role="technician")
    with pytest.raises(PermissionDenied):
        service.create_case(context_of(session, tech, today=DAY), w.account.id, None)


def test_the_fleet_rates_are_kept_until_a_work_order_is_added(session: Session) -> None:
    from servitize.core.settings import Settings
    from servitize.installed_base.models import Asset

    w = build(session)
    ctx = context_of(session, w.owner, Settings(environment="development"), today=DAY)
    case = service.create_case(ctx, w.account.id, None, assumptions={"years": 5})
    assert service.report(ctx, case).values["major_failure_pct_per_year"].number == 11.1111
    # a second major failure in the fleet (the other account's VX-1): 2 in 9 machine-years
    other = session.query(Asset).filter(Asset.model == "VX-1", Asset.account_id != w.account.id)
    b.service_event(
        session, other.one(), day=DAY.replace(month=6), downtime_hours=48.0, labour_hours=2.0
    )
    assert service.report(ctx, case).values["major_failure_pct_per_year"].number == 22.2222


def test_a_case_without_records_says_no_data_and_still_compares(session: Session) -> None:
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    b.asset(session, account, model="NEW-1", install_date=None)
    ctx = context_of(session, owner, today=DAY)
    r = service.report(ctx, service.create_case(ctx, account.id, None))
    assert all(s.saving_cents is None and "no data" in s.evidence for s in r.savings)
    assert r.saving_cents == 0
    prices = {p.key: p for p in r.prices}
    assert prices["value"].cents == 0 and prices["cost_plus"].cents is None
    # no install date: the design life of 20 years; every alternative's flows are zero
    assert r.values["years"].number == 20
    assert all(a.npv_cents == 0 for a in r.alternatives)
    assert r.sensitivity.bars == []
