"""The type rules on hand-made cases: who owns which family, quote structures, lead routing,
which assignment serves an account, overlapping periods."""

from __future__ import annotations

from datetime import date

import pytest

from servitize.org_types import rules
from servitize.org_types.rules import Assigned, Basis, Desk, Facts, Family, QuoteLine, Seller


def test_owners_per_type_follow_the_seed() -> None:
    # type 1: three separate sellers; type 2: one service-and-digital owner beside product;
    # type 3: one bundle owner for everything; type 4: the subscription team for everything.
    assert [rules.desk_for(1, f) for f in (Family.product, Family.service, Family.digital)] == [
        Desk.product,
        Desk.service,
        Desk.digital,
    ]
    assert rules.desk_for(2, Family.service) == rules.desk_for(2, Family.digital)
    assert rules.desk_for(2, Family.service) == Desk.service_digital
    assert rules.desk_for(2, Family.product) == Desk.product
    assert {rules.desk_for(3, f) for f in Family} == {Desk.bundle}
    assert {rules.desk_for(4, f) for f in Family} == {Desk.subscription}
    assert [rules.TYPES[n].process_template for n in (1, 2, 3, 4)] == [
        "project",
        "service_agreement",
        "project",
        "subscription",
    ]


def test_every_shell_has_a_family() -> None:
    assert rules.family_of_shell("spare_parts") is Family.product
    assert rules.family_of_shell("digital_service") is Family.digital
    assert rules.family_of_shell("smart_pss_bundle") is Family.bundle
    assert rules.family_of_shell("nonsense") is None


def test_an_unknown_type_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="type: choose 1, 2, 3 or 4"):
        rules.org_type(5)


PRESS = QuoteLine("Press", "product", "one_time")
KIT = QuoteLine("Spare parts kit", "spare_parts", "one_time")
MAINTENANCE = QuoteLine("Maintenance", "service", "subscription")
MONITORING = QuoteLine("Monitoring", "digital_service", "subscription")
SMART = QuoteLine("Smart press", "smart_pss_bundle", "subscription")


def test_type_1_wants_one_family_per_quote_and_no_bundle() -> None:
    assert rules.quote_breaks(1, [PRESS, KIT]) is None  # both product
    assert rules.quote_breaks(1, [MAINTENANCE]) is None
    mixed = rules.quote_breaks(1, [MAINTENANCE, MONITORING])
    assert mixed is not None and mixed.startswith("account served by type 1: separate quotes")
    assert "line 'Maintenance' (service) and line 'Monitoring' (digital)" in mixed
    bundle = rules.quote_breaks(1, [SMART])
    assert bundle is not None and "line 'Smart press' is a Smart PSS bundle" in bundle
    grouped = rules.quote_breaks(1, [QuoteLine("Maintenance", "service", "subscription", "B1")])
    assert grouped is not None and "part of the bundle 'B1'" in grouped


def test_type_2_puts_service_and_digital_together_and_the_product_apart() -> None:
    assert rules.quote_breaks(2, [MAINTENANCE, MONITORING]) is None
    apart = rules.quote_breaks(2, [PRESS, MONITORING])
    assert apart is not None and "(product)" in apart and "(service and digital)" in apart
    assert rules.quote_breaks(2, [SMART]) is not None


def test_type_3_allows_a_bundle_with_component_revenue_models() -> None:
    assert rules.quote_breaks(3, [PRESS, MAINTENANCE, MONITORING, SMART]) is None


def test_type_4_wants_every_line_recurring() -> None:
    assert rules.quote_breaks(4, [MAINTENANCE, MONITORING, SMART]) is None
    refused = rules.quote_breaks(4, [MONITORING, KIT])
    assert refused == (
        "account served by type 4: one subscription quote for the whole Smart PSS: every line "
        "recurs; line 'Spare parts kit' is one-time"
    )


SELLERS = [
    Seller(7, "Dana Digital", Desk.digital, "north"),
    Seller(3, "Alex Anywhere", Desk.digital, None),
    Seller(5, "Sam Service", Desk.service, None),
    Seller(9, "Iris Integrated", Desk.service_digital, "south"),
]


def test_a_lead_goes_to_the_seller_of_its_family_in_the_territory() -> None:
    north = rules.seller_for(1, Family.digital, "north", SELLERS, owner_id=1)
    assert north.user_id == 7 and north.desk is Desk.digital
    assert (
        north.reason
        == "type 1: digital lead to the digital seller Dana Digital (for territory north)"
    )
    # no digital seller for the west: the one for every territory
    assert rules.seller_for(1, Family.digital, "west", SELLERS, owner_id=1).user_id == 3
    assert rules.seller_for(1, Family.service, "north", SELLERS, owner_id=1).user_id == 5


def test_without_a_seller_at_the_desk_the_owner_gets_the_lead_and_the_reason_says_so() -> None:
    # type 2 routes digital to the integrated desk; its only seller is in the south
    chosen = rules.seller_for(2, Family.digital, "north", SELLERS, owner_id=1)
    assert chosen.user_id == 1 and chosen.desk is Desk.service_digital
    assert chosen.reason.endswith("but none for territory north: the account owner")
    assert rules.seller_for(4, Family.product, None, SELLERS, owner_id=None).user_id is None


def _a(
    id_: int, basis: Basis, value: str, number: int, start: date, end: date | None = None
) -> Assigned:
    return Assigned(id_, basis, value, number, start, end, "Maria Schmidt", "why")


def test_choose_follows_the_precedence_and_the_later_start_wins() -> None:
    day = date(2026, 5, 1)
    found = rules.index(
        [
            _a(1, Basis.country, "DE", 2, date(2026, 1, 1)),
            _a(2, Basis.industry, "Food", 3, date(2026, 1, 1)),
            _a(3, Basis.industry, "Food", 4, date(2026, 4, 1)),  # same group, later start
            _a(4, Basis.segment, "Developing", 1, date(2026, 6, 1)),  # not yet in force
        ],
        day,
    )
    food_de = Facts(10, "Developing", "Food", "DE")
    chosen = rules.choose(food_de, found)
    assert chosen is not None and chosen.id == 3
    assert rules.choose(Facts(11, None, None, "DE"), found).id == 1  # type: ignore[union-attr]
    assert rules.choose(Facts(12, None, None, "FR"), found) is None


def test_overlap_means_a_shared_day() -> None:
    old = [_a(1, Basis.segment, "Developing", 2, date(2026, 1, 1), date(2026, 3, 1))]
    assert rules.overlapping(old, Basis.segment, "Developing", date(2026, 3, 1), None) is None
    assert rules.overlapping(old, Basis.segment, "Developing", date(2026, 2, 28), None) is not None
    assert rules.overlapping(old, Basis.segment, "Other", date(2026, 2, 1), None) is None
    assert (
        rules.overlapping(old, Basis.segment, "Developing", date(2025, 1, 1), date(2026, 1, 1))
        is None
    )


def test_an_assignment_ended_on_its_first_day_never_applies_nor_overlaps() -> None:
    called_off = _a(1, Basis.country, "DE", 4, date(2026, 7, 1), date(2026, 7, 1))
    assert not called_off.in_force(date(2026, 7, 1))
    assert rules.overlapping([called_off], Basis.country, "DE", date(2026, 1, 1), None) is None
