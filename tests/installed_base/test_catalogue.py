"""What a catalogue item is worth as a lead, a sheet line, a quote line; by hand."""

from servitize.installed_base.catalogue import (
    period_months,
    price_words,
    sign_up_eligible,
    term_value_cents,
)


def test_a_recurring_item_is_worth_its_fee_over_the_standard_term():
    # 180.00 a month × 36 = 6,480.00; a yearly 1,400.00 over 36 months = 4,200.00
    assert term_value_cents("subscription", 18_000, "month") == 648_000
    assert term_value_cents("subscription", 140_000, "asset-year") == 420_000
    assert term_value_cents("licence", 65_000, "licence-month") == 2_340_000
    # a one-off is its list price
    assert term_value_cents("per_service", 69_000, "visit") == 69_000
    assert period_months("asset-quarter") == 3


def test_prices_read_as_a_technician_tells_them():
    assert price_words("subscription", 6_000, "EUR", "month") == "60 EUR / month, 36 months"
    assert price_words("subscription", 450_50, "EUR", "asset-year") == (
        "450.50 EUR / year, 36 months"
    )
    assert price_words("one_time", 380_000, "EUR", "each") == "3,800 EUR"


def test_a_recurring_item_never_goes_on_a_sign_up_sheet():
    assert sign_up_eligible("per_service", True)
    assert not sign_up_eligible("subscription", True)  # the demo's energy dashboard
    assert not sign_up_eligible("one_time", False)


def test_the_sheet_catalogue_leaves_out_recurring_items(session) -> None:  # type: ignore[no-untyped-def]
    from servitize.installed_base.repository import sign_up_offerings
    from tests import builders as b

    check = b.offering(session, revenue_model="per_service", sign_up_eligible=True)
    dashboard = b.offering(session, revenue_model="subscription", sign_up_eligible=True)
    offered = {o.id for o in sign_up_offerings(session)}
    assert check.id in offered
    assert dashboard.id not in offered
