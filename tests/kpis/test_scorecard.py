"""The sales-service scorecard of a small world, every number by hand (January–June 2026)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from servitize.field.models import LeadRoute
from servitize.intelligence.models import Lead
from servitize.offers.models import BillingLine, Contract, ContractAsset
from servitize.sales.models import Opportunity
from servitize.trust.service import issue_token
from tests import builders as b


def _at(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 8, tzinfo=UTC)


def _lead(session: Any, account: Any, source: str, status: str = "open", day: int = 1) -> Lead:
    lead = Lead(
        account_id=account.id,
        offering_key="retrofit",
        asset_ids=[],
        source=source,
        rule="test",
        score=0.5,
        story="a story",
        evidence={},
        status=status,
        as_of=date(2026, 3, day),
        expires_on=date(2026, 12, 31),
    )
    session.add(lead)
    session.flush()
    return lead


def build(session: Any) -> Any:
    tech = b.user(session, role="technician", full_name="Tina Tech")
    owner = b.user(session, role="account_owner", full_name="Otto Owner")
    manager = b.user(session, role="sales_manager")
    x = b.account(session, name="X", owner_id=owner.id)
    y = b.account(session, name="Y")
    a1, a2 = b.asset(session, x), b.asset(session, x)
    b.asset(session, x, origin="competitor")
    # leads: two raised by the technician, two by the analytics
    l1 = _lead(session, x, "technician")
    session.add(
        LeadRoute(
            lead_id=l1.id,
            account_id=x.id,
            route="account_owner",
            reason="owner",
            stage="won",
            reported_by_id=tech.id,
            reported_at=_at(1),
            first_action_at=_at(3),  # 2 days
            proposal_at=_at(8),  # 5 days
            closed_at=_at(18),  # 10 days
        )
    )
    session.add(
        Opportunity(account_id=x.id, title="T", lead_id=l1.id, status="won", owner_id=owner.id)
    )
    l2 = _lead(session, x, "technician", day=5)
    session.add(
        LeadRoute(
            lead_id=l2.id,
            account_id=x.id,
            route="account_owner",
            reason="owner",
            stage="reported",
            reported_by_id=tech.id,
            reported_at=_at(5),
        )
    )
    _lead(session, x, "rule")
    _lead(session, y, "model", status="converted")
    # repairs: machine 1 on 1 Jan, 20 Jan (back within 30 days), 1 Apr; machine 2 on 1 Feb
    for asset, day in ((a1, date(2026, 1, 1)), (a1, date(2026, 1, 20)), (a1, date(2026, 4, 1))):
        b.service_event(session, asset, day=day)
    b.service_event(session, a2, day=date(2026, 2, 1))
    # machine sales: X on 1 Feb (a service order on 15 Mar: attached), Y on 1 Mar (none)
    machine = b.offering(session, shell="product", revenue_model="one_time")
    service = b.offering(session, shell="service", revenue_model="per_service")
    b.order(session, x, machine, day=date(2026, 2, 1), amount_cents=2_000_000)
    b.order(session, y, machine, day=date(2026, 3, 1), amount_cents=2_000_000)
    b.order(session, x, service, day=date(2026, 3, 15), amount_cents=90_000)
    b.order(session, x, service, day=date(2025, 2, 1), amount_cents=60_000)  # the baseline
    contract = Contract(
        number="C-SC1",
        account_id=x.id,
        kind="availability",
        name="Uptime",
        currency="EUR",
        fee_cents=0,
        period="month",
        start_on=date(2026, 1, 1),
        minimum_term_end=date(2027, 1, 1),
    )
    session.add(contract)
    session.flush()
    session.add(ContractAsset(contract_id=contract.id, asset_id=a1.id))
    for month, measured in (("2026-02", 98.5), ("2026-03", 97.0)):
        session.add(
            BillingLine(
                key=f"sc:{month}",
                period=month,
                account_id=x.id,
                contract_id=contract.id,
                kind="bonus",
                description="availability",
                amount_cents=0,
                currency="EUR",
                evidence={"measured_pct": measured, "target_pct": 98.0},
                created_at=_at(1, 4),
            )
        )
    session.flush()
    return manager, owner


def test_the_scorecard_by_hand(session, app_client) -> None:  # type: ignore[no-untyped-def]
    manager, owner = build(session)
    r = app_client.get(
        "/api/v1/kpis/scorecard?start=2026-01&end=2026-06",
        headers={"Authorization": f"Bearer {issue_token(session, manager)}"},
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    got = {m["key"]: m["figure"] for m in doc["measures"]}

    def v(key: str) -> Decimal | None:
        return None if got[key]["value"] is None else Decimal(str(got[key]["value"]))

    assert v("tech_leads") == 2
    assert v("taken_on") == Decimal("50.0")  # L1 became an opportunity, L2 was never acted on
    assert (v("to_action"), v("to_proposal"), v("to_close")) == (
        Decimal("2.0"),
        Decimal("5.0"),
        Decimal("10.0"),
    )
    assert v("conv_tech") == Decimal("50.0")  # L1 won of L1, L2
    assert v("conv_analytics") == Decimal("50.0")  # L4 converted of L3, L4
    # service revenue 900.00 against 600.00 a year before: +50.0 %
    assert v("uplift") == Decimal("50.0")
    assert v("ftfr") == Decimal("75.0")  # 3 of 4 repairs held 30 days
    # availability: (98.5 + 97.0) / 2 = 97.75 delivered against 98.00 promised; 1 of 2 on target
    assert v("availability_delivered") == Decimal("97.75")
    assert v("availability_promised") == Decimal("98.00")
    assert v("availability_on_target") == Decimal("50.0")
    assert v("attach") == Decimal("50.0")  # X's machine got a service within 90 days, Y's not
    assert v("coverage") == Decimal("50.0")  # machine 1 of our 2 is under contract
    assert doc["recognition"] == [
        {"user_id": owner.id, "name": "Otto Owner", "technician_leads_won": 1}
    ]
    # every figure names its method and period
    assert all(f["method"] and f["period"] for f in got.values())


def test_an_empty_scorecard_says_why(session, app_client) -> None:  # type: ignore[no-untyped-def]
    manager = b.user(session, role="service_manager")
    doc = app_client.get(
        "/api/v1/kpis/scorecard?start=2026-01&end=2026-06",
        headers={"Authorization": f"Bearer {issue_token(session, manager)}"},
    ).json()
    got = {m["key"]: m["figure"] for m in doc["measures"]}
    assert got["ftfr"]["value"] is None and got["ftfr"]["reason"] == "no repair in the period"
    assert got["uplift"]["reason"].startswith("no service revenue in the baseline")
    assert got["attach"]["reason"] == "no machine sold in the period"
