"""A quote from first line to acceptance, on the real database; numbers by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.contracts.models import AvailabilityContract
from servitize.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from servitize.core.settings import Settings
from servitize.installed_base.models import Asset, Order
from servitize.offers import acceptance, quotes
from servitize.offers.models import Contract, ContractAsset, OfferingPrice, QuoteStatus
from servitize.offers.schemas import (
    ClauseIn,
    FormulaIn,
    FormulaLineIn,
    LineIn,
    QuoteCreate,
    QuoteTerms,
)
from servitize.sales.models import Opportunity
from servitize.trust.context import Context
from tests import builders as b

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def ctx(session: Session, user, now: datetime = NOW) -> Context:  # type: ignore[no-untyped-def]
    return Context(session, user, Settings(), now)


@pytest.fixture
def world(session: Session):  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    manager = b.user(session, role="sales_manager")
    account = b.account(session, owner_id=owner.id)
    pumps = [b.asset(session, account) for _ in range(2)]
    machine = b.offering(
        session, shell="product", revenue_model="one_time", list_price_cents=2_400_000
    )
    agreement = b.offering(
        session,
        shell="service",
        family="maintenance_contract",
        revenue_model="subscription",
        list_price_cents=360_000,
    )
    monitoring = b.offering(
        session,
        shell="digital_service",
        family="condition_monitoring",
        revenue_model="subscription",
        list_price_cents=6_000,
    )
    session.add_all(
        [
            OfferingPrice(
                offering_id=agreement.id,
                model="subscription",
                terms={"period": "year", "minimum_term_months": 36, "notice_months": 3},
                floor_cents=300_000,
                cost_cents=150_000,
            ),
            OfferingPrice(
                offering_id=monitoring.id,
                model="subscription",
                terms={"period": "month", "minimum_term_months": 36},
                cost_cents=1_500,
            ),
            OfferingPrice(offering_id=machine.id, model="one_time", cost_cents=1_500_000),
        ]
    )
    opp = Opportunity(
        account_id=account.id, title="Pumping as a service", owner_id=owner.id, phase=3
    )
    session.add(opp)
    session.flush()
    return {
        "owner": owner,
        "manager": manager,
        "account": account,
        "pumps": pumps,
        "machine": machine,
        "agreement": agreement,
        "monitoring": monitoring,
        "opp": opp,
    }


def bundle_quote(session: Session, w, **kw):  # type: ignore[no-untyped-def]
    c = ctx(session, w["owner"])
    q = quotes.create_quote(
        c,
        QuoteCreate(
            account_id=w["account"].id,
            opportunity_id=w["opp"].id,
            title="Pumping as a service",
            term_months=36,
            clause=ClauseIn(kind="linear", target_pct=D(97), pct_per_point=D(5), cap_pct=D(10)),
            **kw,
        ),
    )
    ids = [p.id for p in w["pumps"]]
    for ref, qty in ((w["machine"], 1), (w["agreement"], 1), (w["monitoring"], 2)):
        quotes.add_line(
            c,
            q.id,
            LineIn(
                offering=ref.external_id,
                quantity=D(qty),
                bundle="Pumping as a service",
                bundle_discount_pct=D(10),
                asset_ids=ids,
            ),
        )
    return q


def test_a_bundle_quote_adds_up_by_revenue_stream(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    q = bundle_quote(session, world)
    read = quotes.read(ctx(session, world["owner"]), q)
    # one-time 24,000 × 0.9; monthly (3,600/12 + 2 × 60) × 0.9 = 378; over 36 months
    # 21,600 + 36 × 378 = 35,208.00 (the same bundle as the pure rule's test)
    assert read.totals.one_time == D("21600.00")
    assert read.totals.monthly_recurring == D("378.00")
    assert read.totals.contract_value == D("35208.00")
    # 3,600 EUR a year over the 36 months' term (the lead's and the sheet's words)
    assert read.lines[1].price == "3,600 EUR / year, 36 months, 3 months' notice"
    assert read.clause_words.startswith("Availability target 97 %.")


def test_a_discount_beyond_authority_needs_a_manager_whose_authority_covers_it(
    session: Session, world
) -> None:  # type: ignore[no-untyped-def]
    q = bundle_quote(session, world)
    submitted = quotes.submit(ctx(session, world["owner"]), q.id)
    # 10 % bundle discount is within the owner's 10 %; margin: cost 15,000 + 36/12 × 1,500 × 1
    # + 36 × 15 × 2 = 15,000 + 4,500 + 1,080 = 20,580 of 35,208 → 41.5 % > 25 %: no approval
    assert submitted.status == QuoteStatus.approved
    assert submitted.approval_reasons == []


def test_terms_outside_the_borderline_are_listed_and_need_an_override_reason(
    session: Session, world
) -> None:  # type: ignore[no-untyped-def]
    q = bundle_quote(session, world, terms=QuoteTerms(payment_days=90, penalty_cap_pct=D(20)))
    # a clause promising 98.5 % is above the policy's 98 % (the demo's old mistake)
    q.clause = {"kind": "linear", "target_pct": "98.5", "pct_per_point": "5", "cap_pct": "10"}
    session.flush()
    q = quotes.submit(ctx(session, world["owner"]), q.id)
    assert q.status == QuoteStatus.pending_approval
    outside = [r for r in q.approval_reasons if r.startswith("term outside")]
    assert len(outside) == 3  # payment 90 > 60 days, penalty cap 20 > 10 %, availability 98.5
    assert any("guaranteed availability 98.5" in r for r in outside)
    with pytest.raises(PermissionDenied):
        quotes.approve(ctx(session, world["owner"]), q.id, "fine")  # owners do not approve
    with pytest.raises(InvalidInput, match="override reason"):
        quotes.approve(ctx(session, world["manager"]), q.id)
    q = quotes.approve(ctx(session, world["manager"]), q.id, "strategic account; CFO agreed")
    assert q.status == QuoteStatus.approved
    assert q.override_reason == "strategic account; CFO agreed"


def test_bad_lines_name_the_field(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    q = bundle_quote(session, world)
    c = ctx(session, world["owner"])
    with pytest.raises(InvalidInput, match="offering: no catalogue item"):
        quotes.add_line(c, q.id, LineIn(offering="NOPE"))
    with pytest.raises(
        InvalidInput, match=r"unit_price: 2,000\.00 EUR is below the floor price 3,000\.00 EUR"
    ):
        quotes.add_line(
            c, q.id, LineIn(offering=world["agreement"].external_id, unit_price=D("2000"))
        )
    with pytest.raises(InvalidInput, match="discount_pct: at most 50"):
        quotes.add_line(
            c, q.id, LineIn(offering=world["agreement"].external_id, discount_pct=D(60))
        )
    other = b.asset(session, b.account(session))
    with pytest.raises(InvalidInput, match="asset_ids"):
        quotes.add_line(
            c, q.id, LineIn(offering=world["machine"].external_id, asset_ids=[other.id])
        )


def test_acceptance_creates_what_was_sold(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    q = bundle_quote(session, world)
    quotes.submit(ctx(session, world["owner"]), q.id)
    q, token = quotes.send(ctx(session, world["owner"]), q.id)
    done = acceptance.accept_by_link(session, Settings(), token, "Dr. Anna Berg", NOW)
    assert done.quote.status == QuoteStatus.accepted
    # the machine is an order at 24,000 × 0.9
    order = session.get(Order, done.orders[0])
    assert (order.amount_cents, order.account_id) == (2_160_000, world["account"].id)
    # two contracts: the yearly agreement 3,240.00 a year (3,600 × 0.9), monitoring 108.00 a
    # month (2 × 60 × 0.9)
    by_kind = {c.kind.value: c for c in done.contracts}
    assert by_kind["service_agreement"].fee_cents == 324_000
    assert by_kind["service_agreement"].period.value == "year"
    assert by_kind["subscription"].fee_cents == 10_800
    assert by_kind["service_agreement"].renewal_on == date(2029, 11, 30)
    covered = set(
        session.scalars(
            select(ContractAsset.asset_id).where(
                ContractAsset.contract_id == by_kind["service_agreement"].id
            )
        )
    )
    assert covered == {p.id for p in world["pumps"]}
    for pump in world["pumps"]:
        session.refresh(pump)
        assert (pump.coverage, pump.contract_end) == ("maintenance", date(2029, 11, 30))
    # the clause became an availability contract on the two pumps, linked
    ac = session.get(AvailabilityContract, done.availability_contract_id)
    assert ac.target_pct == 97.0
    assert ac.clause["kind"] == "linear"
    assert sorted(ac.serials) == sorted(p.serial for p in world["pumps"])
    # the opportunity is won with the contract value; a renewal opens 120 days before the end
    opp = session.get(Opportunity, world["opp"].id)
    assert (opp.status, opp.contract_value_cents) == ("won", 3_520_800)
    renewal = session.get(Opportunity, done.renewal_opportunity_id)
    assert renewal.expected_close == date(2029, 8, 2)
    assert "Renewal" in renewal.title


def test_a_quote_is_accepted_once_and_only_while_valid(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    q = bundle_quote(session, world)
    with pytest.raises(Conflict, match="once approved"):
        acceptance.accept(ctx(session, world["owner"]), q.id, "Anna")
    quotes.submit(ctx(session, world["owner"]), q.id)
    q, token = quotes.send(ctx(session, world["owner"]), q.id)
    later = datetime(2027, 1, 15, tzinfo=UTC)
    with pytest.raises(Conflict, match="expired"):
        acceptance.accept_by_link(session, Settings(), token, "Anna", later)
    new = quotes.revise(ctx(session, world["owner"]), q.id)
    with pytest.raises(NotFound):  # the old link died with the revision
        acceptance.accept_by_link(session, Settings(), token, "Anna", NOW)
    with pytest.raises(Conflict, match="superseded"):
        acceptance.accept(ctx(session, world["owner"]), q.id, "Anna")
    assert new.revision == 2
    assert new.contract_value_cents == q.contract_value_cents
    assert session.scalars(select(Contract)).all() == []
    assert session.scalars(select(Asset.coverage).where(Asset.coverage != "none")).all() == []


def test_a_second_overlapping_availability_contract_on_a_machine_is_refused(
    session: Session, world
) -> None:  # type: ignore[no-untyped-def]
    first = bundle_quote(session, world)
    quotes.submit(ctx(session, world["owner"]), first.id)
    acceptance.accept(ctx(session, world["owner"]), first.id, "Anna")
    # a second quote with a clause on one of the same pumps, a month later: 409, naming the
    # machine and the contract it is already under; nothing is written
    later = datetime(2026, 12, 30, 10, tzinfo=UTC)
    c = ctx(session, world["owner"], later)
    pump = world["pumps"][1]
    second = quotes.create_quote(
        c,
        QuoteCreate(
            account_id=world["account"].id,
            title="More uptime",
            clause=ClauseIn(kind="linear", target_pct=D(97), pct_per_point=D(5), cap_pct=D(10)),
        ),
    )
    quotes.add_line(
        c, second.id, LineIn(offering=world["monitoring"].external_id, asset_ids=[pump.id])
    )
    quotes.submit(c, second.id)
    contracts_before = len(session.scalars(select(Contract)).all())
    with pytest.raises(Conflict) as refused:
        acceptance.accept(c, second.id, "Anna")
    assert f"machine {pump.serial} is already under availability contract" in str(refused.value)
    assert first.number in str(refused.value)  # the contract is named by its external id
    assert len(session.scalars(select(Contract)).all()) == contracts_before
    assert len(session.scalars(select(AvailabilityContract)).all()) == 1
    # once the first contract ends (before the second starts), the second is accepted
    ac = session.scalars(select(AvailabilityContract)).one()
    ac.valid_to = datetime(2026, 12, 30, tzinfo=UTC)
    session.flush()
    done = acceptance.accept(c, second.id, "Anna")
    assert done.availability_contract_id is not None and done.availability_contract_id != ac.id


# ---------------------------------------------------------------- standard price formulas

FORMULA_TERMS = {
    "period": "year",
    "minimum_term_months": 12,
    "formula": {
        "base_by_size_cents": {"S": 15_000, "M": 25_000},
        "hourly_cents": "12",
        "volume_steps": {"5": "5", "10": "10"},
        "term_steps": {"36": "4", "60": "8"},
        "region_factors": {"NO": "1.15"},
        "budget_spread_pct": "15",
    },
}


@pytest.fixture
def fleet_monitoring(session: Session, world):  # type: ignore[no-untyped-def]
    offering = b.offering(
        session,
        name="Fleet monitoring",
        shell="digital_service",
        revenue_model="subscription",
        list_price_cents=300_000,
    )
    session.add(
        OfferingPrice(
            offering_id=offering.id,
            model="subscription",
            terms=FORMULA_TERMS,
            cost_cents=120_000,  # per machine and year
        )
    )
    session.flush()
    return offering


def _budget_quote(session: Session, world, kind: str = "budget"):  # type: ignore[no-untyped-def]
    return quotes.create_quote(
        ctx(session, world["owner"]),
        QuoteCreate(
            account_id=world["account"].id, title="Fleet monitoring", kind=kind, term_months=36
        ),
    )


def test_the_formula_gives_a_budget_range_and_the_fixed_line_keeps_its_evidence(
    session: Session, world, fleet_monitoring
) -> None:  # type: ignore[no-untyped-def]
    q = _budget_quote(session, world)
    c = ctx(session, world["owner"])
    params = {
        "offering": fleet_monitoring.external_id,
        "machines": 12,
        "size_class": "M",
        "operating_hours_per_year": D(6000),
        "region": "NO",
    }
    offer = quotes.price_by_formula(c, q.id, FormulaIn(**params))
    # per machine 250.00 + 0.12 × 6,000 / 12 = 310.00; × 12 = 3,720.00; − 10 % volume =
    # 3,348.00; × 1.15 = 3,850.20; − 4 % (36 months, the quote's term) = 3,696.19
    # budget ± 15 %: 3,141.76 → 3,142; 4,250.62 → 4,251
    assert offer.evidence["monthly_cents"] == 369_619
    assert offer.budget == "budget 3,142 – 4,251 EUR / month (± 15 %, indicative)"
    assert offer.steps.endswith("= 3,696.19 EUR / month")
    assert quotes.read(c, q).lines == []  # a budget price writes nothing

    quotes.add_formula_line(c, q.id, FormulaLineIn(**params))
    read = quotes.read(c, q)
    line = read.lines[0]
    assert line.unit_price == D("3696.19") and line.quantity == 1
    assert line.price == "3,696.19 EUR / month, 36 months, 3 months' notice"
    assert line.formula is not None and line.formula["machines"] == 12
    assert line.formula["budget_low_cents"] == 314_200
    assert line.formula_words.startswith("12 machines, size M, 6,000 operating hours a year")
    # monthly 3,696.19; over 36 months 133,062.84
    assert read.totals.monthly_recurring == D("3696.19")
    assert read.totals.contract_value == D("133062.84")


def test_the_fixed_offer_prices_the_formula_lines_again_and_the_diff_says_so(
    session: Session, world, fleet_monitoring
) -> None:  # type: ignore[no-untyped-def]
    q = _budget_quote(session, world)
    c = ctx(session, world["owner"])
    quotes.add_formula_line(
        c,
        q.id,
        FormulaLineIn(
            offering=fleet_monitoring.external_id,
            machines=12,
            size_class="M",
            operating_hours_per_year=D(6000),
            region="NO",
        ),
    )
    # the catalogue's size M base rises to 274.00 before the fixed offer
    price = session.scalars(
        select(OfferingPrice).where(OfferingPrice.offering_id == fleet_monitoring.id)
    ).one()
    terms = dict(price.terms)
    terms["formula"] = terms["formula"] | {"base_by_size_cents": {"S": 15_000, "M": 27_400}}
    price.terms = terms
    session.flush()
    fixed = quotes.revise(c, q.id, kind="fixed")
    assert fixed.kind.value == "fixed"
    # 274.00 + 60.00 = 334.00; × 12 = 4,008.00; − 10 % = 3,607.20; × 1.15 = 4,148.28;
    # − 4 % = 3,982.3488 → 3,982.35 a month; over 36 months 143,364.60
    assert fixed.monthly_cents == 398_235
    assert fixed.contract_value_cents == 14_336_460
    changes = quotes.diff(c, q.id, fixed.id)
    rows = {(ch.part, ch.item): (ch.before, ch.after) for ch in changes.changes}
    assert rows[("term", "offer")] == ("budget offer", "fixed offer")
    assert rows[("line", "Fleet monitoring: price")] == (
        "3,696.19 EUR / month, 36 months, 3 months' notice",
        "3,982.35 EUR / month, 36 months, 3 months' notice",
    )
    # 133,062.84 → 143,364.60
    assert rows[("total", "contract value")] == ("133,062.84 EUR", "143,364.60 EUR")
    assert rows[("total", "monthly recurring")] == ("3,696.19 EUR", "3,982.35 EUR")


def test_formula_bad_input_names_the_field(session: Session, world, fleet_monitoring) -> None:  # type: ignore[no-untyped-def]
    q = _budget_quote(session, world)
    c = ctx(session, world["owner"])
    ref = fleet_monitoring.external_id
    with pytest.raises(InvalidInput, match="size class"):
        quotes.price_by_formula(c, q.id, FormulaIn(offering=ref, machines=2, size_class="XL"))
    with pytest.raises(InvalidInput, match=r"^region: unknown region 'SE'"):
        quotes.price_by_formula(
            c, q.id, FormulaIn(offering=ref, machines=2, size_class="S", region="SE")
        )
    with pytest.raises(InvalidInput, match=r"^offering: .* has no standard price formula"):
        quotes.price_by_formula(
            c, q.id, FormulaIn(offering=world["monitoring"].external_id, machines=2, size_class="S")
        )
    with pytest.raises(InvalidInput, match=r"^machines: 3 in the formula but 1 covered"):
        quotes.add_formula_line(
            c,
            q.id,
            FormulaLineIn(
                offering=ref, machines=3, size_class="S", asset_ids=[world["pumps"][0].id]
            ),
        )
    assert quotes.read(c, q).lines == []


def test_an_availability_line_is_stored_on_both_databases(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    # "availability_contract" has 21 characters: PostgreSQL once refused it in a 16-character
    # column (SQLite never checks a length)
    uptime = b.offering(
        session,
        name="Uptime contract",
        shell="service",
        family="availability_contract",
        revenue_model="availability_contract",
        list_price_cents=650_000,
    )
    session.add(
        OfferingPrice(
            offering_id=uptime.id,
            model="availability_contract",
            terms={"period": "year", "minimum_term_months": 36},
        )
    )
    session.flush()
    q = _budget_quote(session, world, kind="fixed")
    quotes.add_line(ctx(session, world["owner"]), q.id, LineIn(offering=uptime.external_id))
    line = quotes.read(ctx(session, world["owner"]), q).lines[0]
    # 6,500 a year over 36 months: 19,500.00
    assert (line.revenue_model, line.price) == (
        "availability_contract",
        "6,500 EUR / year, 36 months, 3 months' notice",
    )
    assert quotes.read(ctx(session, world["owner"]), q).totals.contract_value == D("19500.00")
