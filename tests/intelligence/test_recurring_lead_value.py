"""A lead for a recurring offering is worth its fee over the standard term, not one period."""

from servitize.core.settings import IntelligenceSettings
from servitize.intelligence.leads import candidate
from servitize.intelligence.rules import Hit

REMOTE = {
    "offering_id": 7,
    "external_id": "D-REMOTE",
    "name": "Remote service subscription",
    "family": "remote_service",
    "shell": "digital_service",
    "list_price_cents": 18_000,
    "revenue_model": "subscription",
    "unit": "month",
}


def _hits(n: int) -> list[Hit]:
    return [
        Hit(
            "downtime_without_monitoring",
            1,
            100 + i,
            0.9,
            0,
            {
                "downtime_hours": 41,
                "window_days": 365,
                "repairs_12m": 3,
                "connectivity": "none",
                "serial": f"P-{i}",
            },
        )
        for i in range(n)
    ]


def test_a_subscription_lead_is_worth_36_months_per_machine():
    lead = candidate("downtime_without_monitoring", _hits(2), REMOTE, IntelligenceSettings(), "EUR")
    # 180.00 a month × 36 months × 2 machines = 12,960.00 — above the 5,000 routing threshold,
    # so it goes to the account owner, not as a "180 EUR" one-off to a technician
    assert lead.value_cents == 1_296_000
    assert lead.evidence["price"] == "180 EUR / month, 36 months"


def test_a_one_off_lead_is_worth_its_list_price():
    repair = REMOTE | {
        "revenue_model": "per_service",
        "unit": "session",
        "list_price_cents": 22_000,
    }
    lead = candidate("downtime_without_monitoring", _hits(1), repair, IntelligenceSettings(), "EUR")
    assert lead.value_cents == 22_000
    assert "price" not in lead.evidence
