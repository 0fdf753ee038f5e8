"""Stories a technician can tell: the model's reasons in plain units."""

from __future__ import annotations


def test_model_reasons_read_as_money_shares_and_counts() -> None:
    from servitize.intelligence.stories import shown

    assert shown({"value": 5382340.0, "unit": "cents"}, "EUR") == "53,823 EUR"
    assert shown({"value": 0.25, "unit": "share"}, "EUR") == "25%"
    assert shown({"value": 412.0, "unit": "days"}, "EUR") == "412 days"
    assert shown({"value": 2.5, "unit": "years"}, "EUR") == "2.5 years"
    assert shown({"value": 9.0, "unit": "count"}, "EUR") == "9"
    assert shown({"value": 1234.0}, "EUR") == "1,234"
