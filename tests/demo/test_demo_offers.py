"""Price terms of the demo catalogue: recurring items by their unit, floors and costs, and the
availability offering's clause inside the sales policy's borderline. Numbers by hand."""

from __future__ import annotations

from servitize.contracts.clauses import clause_from
from servitize.core.settings import Settings
from servitize.demo.catalogue import OFFERING_INDEX, OFFERINGS
from servitize.demo.offers import price_terms
from servitize.offers import rules
from servitize.offers.price_models import RevenueModel
from servitize.sales.process import policy_of
from servitize.sales.rules import terms_outside_borderline


def terms_of(external_id: str):  # type: ignore[no-untyped-def]
    return price_terms(OFFERINGS[OFFERING_INDEX[external_id]])


def test_yearly_and_monthly_subscriptions_follow_their_unit() -> None:
    # preventive maintenance: 1,400 EUR per asset-year; floor 80 % = 1,120, cost 55 % = 770
    model, terms, floor, cost, term = terms_of("S-PM")
    assert model == "subscription"
    assert terms == {
        "period": "year",
        "minimum_term_months": 36,
        "notice_months": 3,
        "indexation_pct": "2.5",
    }
    assert (floor, cost, term) == (112_000, 77_000, 36)
    # condition monitoring: 45 EUR per asset-month; floor 36, cost 25 % = 11.25
    model, terms, floor, cost, _ = terms_of("D-CM")
    assert terms["period"] == "month" and terms["minimum_term_months"] == 12
    assert (floor, cost) == (3_600, 1_125)


def test_licences_and_machines() -> None:
    # digital twin: 650 EUR a month; floor 75 % = 487.50, cost 15 % = 97.50
    assert terms_of("D-TWIN") == ("licence", {"per_project": False}, 48_750, 9_750, 36)
    # centrifugal pump: 18,000 EUR once; floor 85 % = 15,300, cost 70 % = 12,600
    assert terms_of("M-HP") == ("one_time", {}, 1_530_000, 1_260_000, 0)


def test_the_availability_offering_promises_the_borderline_and_no_more() -> None:
    model, terms, floor, cost, _ = terms_of("B-UPTIME")
    assert model == "availability_contract"
    assert terms["period"] == "year" and terms["notice_months"] == 6
    assert terms["clause"]["target_pct"] == "98"
    clause_from(terms["clause"]["kind"], terms["clause"])  # a complete clause
    borderline = policy_of(Settings()).borderline
    asked = rules.quote_terms_for_borderline({"penalty_cap_pct": 10}, terms["clause"])
    assert terms_outside_borderline(asked, borderline) == []
    assert (floor, cost) == (520_000, 357_500)  # 6,500 EUR: 80 % and 55 %


def test_every_catalogue_item_gets_terms_its_price_model_accepts() -> None:
    for o in OFFERINGS:
        model, terms, floor, _cost, _term = price_terms(o)
        price = round(o.price * 100)
        rules.price_model(RevenueModel(model), price, terms)
        assert 0 < floor < price or price == 0, o.external_id
