"""A contract's changes and the MRR they make; numbers by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from servitize.core.settings import Settings
from servitize.offers import billing, lifecycle
from servitize.offers.models import Contract, ContractChange
from servitize.trust.context import Context
from tests import builders as b

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def contract(session: Session, account, **kw) -> Contract:  # type: ignore[no-untyped-def]
    kw.setdefault("kind", "subscription")
    kw.setdefault("name", "Remote service")
    kw.setdefault("currency", "EUR")
    kw.setdefault("period", "month")
    kw.setdefault("start_on", date(2026, 1, 1))
    kw.setdefault("minimum_term_end", date(2026, 12, 31))
    kw.setdefault("notice_months", 3)
    c = Contract(account_id=account.id, number=f"C-L{account.id}-{kw['fee_cents']}", **kw)
    session.add(c)
    session.flush()
    return c


@pytest.fixture
def manager(session: Session) -> Context:
    return Context(session, b.user(session, role="sales_manager"), Settings(), NOW)


def test_an_upgrade_mid_month_is_prorated_by_the_billing_run(session: Session, manager) -> None:  # type: ignore[no-untyped-def]
    c = contract(session, b.account(session), fee_cents=6_200)
    lifecycle.amend(manager, c.id, 9_300, date(2026, 3, 22), "Pro package")
    admin = Context(session, b.user(session, role="admin"), Settings(), NOW)
    run = billing.run(admin, "2026-03", lambda *a: None, lambda *a: None)  # type: ignore[arg-type, return-value]
    # 62.00 × 21/31 = 42.00 and 93.00 × 10/31 = 30.00
    assert [ln.amount_cents for ln in run.written if ln.contract_id == c.id] == [4_200, 3_000]
    kinds = session.scalars(
        select(ContractChange.kind).where(ContractChange.contract_id == c.id)
    ).all()
    assert kinds == ["amend"]


def test_notice_never_ends_a_contract_before_its_minimum_term(session: Session, manager) -> None:  # type: ignore[no-untyped-def]
    early = contract(session, b.account(session), fee_cents=10_000)
    lifecycle.cancel(manager, early.id, date(2026, 5, 10))
    assert early.status == "cancelled"
    assert early.end_on == date(2026, 12, 31)
    late = contract(session, b.account(session), fee_cents=11_000)
    lifecycle.cancel(manager, late.id, date(2027, 5, 10))
    assert late.end_on == date(2027, 8, 10)
    with pytest.raises(Conflict, match="cannot be changed"):
        lifecycle.amend(manager, early.id, 12_000, date(2026, 6, 1))


def test_suspension_and_renewal(session: Session, manager) -> None:  # type: ignore[no-untyped-def]
    c = contract(session, b.account(session), fee_cents=10_000, renewal_on=date(2026, 12, 31))
    lifecycle.suspend(manager, c.id, date(2026, 3, 11))
    with pytest.raises(Conflict, match="suspended already"):
        lifecycle.suspend(manager, c.id, date(2026, 3, 12))
    with pytest.raises(InvalidInput, match="before the suspension"):
        lifecycle.resume(manager, c.id, date(2026, 3, 1))
    lifecycle.resume(manager, c.id, date(2026, 3, 21))
    lifecycle.renew(manager, c.id, 24)
    assert c.renewal_on == date(2028, 12, 31)


def test_bad_changes_name_the_field(session: Session, manager) -> None:  # type: ignore[no-untyped-def]
    c = contract(session, b.account(session), fee_cents=10_000)
    with pytest.raises(InvalidInput, match="effective_on"):
        lifecycle.amend(manager, c.id, 12_000, date(2025, 12, 1))
    with pytest.raises(InvalidInput, match="fee"):
        lifecycle.amend(manager, c.id, -1, date(2026, 2, 1))
    with pytest.raises(InvalidInput, match="months"):
        lifecycle.renew(manager, c.id, 0)
    tech = Context(session, b.user(session, role="technician"), Settings(), NOW)
    with pytest.raises((PermissionDenied, NotFound)):  # outside a technician's scope
        lifecycle.amend(tech, c.id, 12_000, date(2026, 2, 1))


def test_mrr_and_its_movements_add_up(session: Session) -> None:
    analyst = Context(session, b.user(session, role="analyst"), Settings(), NOW)
    manager = Context(session, b.user(session, role="sales_manager"), Settings(), NOW)
    a, bb, cc = b.account(session), b.account(session), b.account(session)
    contract(session, a, fee_cents=10_000)  # 100.00 from January
    yearly = contract(session, bb, fee_cents=240_000, period="year")  # 200.00 a month
    churning = contract(session, cc, fee_cents=5_000, start_on=date(2026, 2, 1))
    lifecycle.amend(manager, yearly.id, 120_000, date(2026, 3, 1))  # 200 → 100 a month
    churning.end_on = date(2026, 3, 15)
    session.flush()
    jan, feb, mar = lifecycle.mrr_movements(analyst, ["2026-01", "2026-02", "2026-03"])
    # January: 100 + 200 = 300, all new (nobody paid in 2025)
    assert (jan.opening_cents, jan.new_cents, jan.closing_cents) == (0, 30_000, 30_000)
    # February: C joins with 50
    assert (feb.new_cents, feb.closing_cents) == (5_000, 35_000)
    # March: B contracts by 100, C churns 50 → 200
    assert (mar.contraction_cents, mar.churn_cents, mar.closing_cents) == (-10_000, -5_000, 20_000)
    assert mar.arr_cents == 240_000


def test_mrr_is_in_the_company_currency_at_one_rate_and_names_what_it_cannot_convert(
    session: Session,
) -> None:
    from servitize.installed_base.models import ExchangeRate

    analyst = Context(session, b.user(session, role="analyst"), Settings(), NOW)
    a, s, n = b.account(session), b.account(session), b.account(session)
    contract(session, a, fee_cents=10_000)  # 100.00 EUR a month
    contract(session, s, fee_cents=100_000, currency="SEK")  # 1,000.00 SEK a month
    contract(session, n, fee_cents=50_000, currency="NOK")  # no NOK rate anywhere
    # SEK moves from 0.09 to 0.08 in February: constant currency uses the rate in force on the
    # window's last day (0.08) for every month, so the move is no contraction.
    session.add_all(
        [
            ExchangeRate(currency="SEK", day=date(2025, 12, 1), rate=0.09),
            ExchangeRate(currency="SEK", day=date(2026, 2, 1), rate=0.08),
        ]
    )
    session.flush()
    bridge = lifecycle.mrr_movements(analyst, ["2026-01", "2026-02", "2026-03"])
    # 100.00 EUR + 1,000.00 SEK x 0.08 = 100.00 + 80.00 = 180.00 EUR, every month
    assert [m.closing_cents for m in bridge] == [18_000, 18_000, 18_000]
    assert [m.contraction_cents for m in bridge] == [0, 0, 0]
    assert bridge.left_out == [f"C-L{n.id}-50000"]  # named, not summed as if it were EUR
