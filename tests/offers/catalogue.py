"""A catalogue for quote page tests: a machine, a yearly service agreement and a monthly
monitoring subscription, priced so that the totals are easy to check by hand."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from servitize.installed_base.models import Account, Asset, Offering
from servitize.offers.models import OfferingPrice
from tests import builders as b


@dataclass
class Catalogue:
    machine: Offering  # one-time, 10,000.00 EUR
    agreement: Offering  # service agreement, 2,400.00 EUR a year, 12 months minimum
    monitoring: Offering  # subscription, 90.00 EUR a month, 12 months minimum


def catalogue(session: Session) -> Catalogue:
    machine = b.offering(
        session,
        name="Pump PX-200",
        shell="product",
        revenue_model="one_time",
        list_price_cents=10_000_00,
    )
    agreement = b.offering(
        session,
        name="Full service agreement",
        family="full_service",
        shell="service",
        revenue_model="subscription",
        list_price_cents=2_400_00,
    )
    monitoring = b.offering(
        session,
        name="Condition monitoring",
        shell="digital_service",
        revenue_model="subscription",
        list_price_cents=90_00,
    )
    session.add_all(
        [
            OfferingPrice(
                offering_id=agreement.id,
                model="subscription",
                terms={"period": "year", "minimum_term_months": 12},
            ),
            OfferingPrice(
                offering_id=monitoring.id,
                model="subscription",
                terms={"period": "month", "minimum_term_months": 12},
            ),
        ]
    )
    session.flush()
    return Catalogue(machine, agreement, monitoring)


def pumps(session: Session, account: Account, n: int = 2) -> list[Asset]:
    return [b.asset(session, account, serial=f"PX-{i + 1:03d}") for i in range(n)]
