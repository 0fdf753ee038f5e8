"""Builders for portal tests (and the role × action table's portal cells)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from servitize.contracts.models import AvailabilityContract
from servitize.installed_base.models import Account, Asset, CustomerAccount, Offering
from servitize.offers.models import Quote, QuoteLine
from servitize.portal.models import DowntimeDispute, ServiceRequest
from servitize.telemetry.models import DataSharingAgreement, DowntimePeriod
from servitize.trust.models import User
from tests import builders as b

MONTH = "2026-10"
# A 30-day month of 720 hours; one machine stopped 36 hours by a downtime record: 95.0 %.
STOP_START = datetime(2026, 10, 10, 6, 0, tzinfo=UTC)
STOP_END = datetime(2026, 10, 11, 18, 0, tzinfo=UTC)
_seq = iter(range(1, 10_000_000))


def customer_of(session: Session, account: Account, **kw: Any) -> User:
    """A customer's user who sees this account."""
    kw.setdefault("role", "customer")
    user = b.user(session, **kw)
    session.add(CustomerAccount(user_id=user.id, account_id=account.id))
    session.flush()
    return user


@dataclass
class Contracted:
    """An availability contract of one machine with one recorded unplanned stop."""

    contract: AvailabilityContract
    asset: Asset
    downtime: DowntimePeriod


def contracted(session: Session, account: Account, note: str | None = None) -> Contracted:
    """The account's machine under an availability contract (target 98 %, 1 % of the 10,000 EUR
    fee per 0.5 points below, capped at 10 %), status data shared for contract verification,
    and an unplanned stop of 36 hours in October 2026 recorded with a cause and a note."""
    n = next(_seq)
    asset = b.asset(session, account, serial=f"SN-P{n}")
    session.add(
        DataSharingAgreement(
            account_id=account.id,
            data_kinds=["status", "usage", "energy"],
            purposes=["contract_verification"],
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
            recorded_by="test",
        )
    )
    contract = AvailabilityContract(
        external_id=f"AC-P{n}",
        account_id=account.id,
        name="Press availability",
        target_pct=98.0,
        calendar={"kind": "24/7"},
        fee_cents=1_000_000,
        currency="EUR",
        penalty_pct_per_step=1.0,
        penalty_step_points=0.5,
        penalty_cap_pct=10.0,
        serials=[asset.serial],
        min_coverage_pct=0.0,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    session.add(contract)
    session.flush()
    stop = DowntimePeriod(
        asset_id=asset.id,
        account_id=account.id,
        start=STOP_START,
        end=STOP_END,
        planned=False,
        cause="bearing seized after the customer skipped greasing",
        note=note,
    )
    session.add(stop)
    session.flush()
    return Contracted(contract, asset, stop)


def quote(
    session: Session, account: Account, owner: User, status: str = "sent", notes: str | None = None
) -> Quote:
    """A quote of one one-time line (500.00 EUR) owned by ``owner``."""
    offering = session.query(Offering).filter_by(external_id="PORTAL-RETRO").one_or_none()
    if offering is None:
        offering = b.offering(
            session,
            external_id="PORTAL-RETRO",
            family="retrofit",
            list_price_cents=50_000,
            currency="EUR",
        )
    q = Quote(
        number=f"Q-P{next(_seq)}",
        revision=1,
        account_id=account.id,
        owner_id=owner.id,
        title="Retrofit of the press",
        status=status,
        kind="fixed",
        currency="EUR",
        term_months=12,
        valid_until=date(2030, 1, 1),
        terms={},
        approval_reasons=["discount above authority"],
        override_reason="internal: the customer is strategic",
        notes=notes,
    )
    session.add(q)
    session.flush()
    monitoring = session.query(Offering).filter_by(external_id="PORTAL-MON").one_or_none()
    if monitoring is None:
        monitoring = b.offering(
            session,
            external_id="PORTAL-MON",
            shell="digital_service",
            family="condition_monitoring",
            revenue_model="subscription",
            list_price_cents=6_000,
            currency="EUR",
        )
    session.add_all(
        [
            QuoteLine(
                quote_id=q.id,
                offering_id=offering.id,
                position=1,
                name="Retrofit",
                model="one_time",
                terms={},
                unit_price_cents=50_000,
            ),
            QuoteLine(
                quote_id=q.id,
                offering_id=monitoring.id,
                position=2,
                name="Condition monitoring",
                model="subscription",
                terms={"period": "month", "minimum_term_months": 12},
                unit_price_cents=6_000,
            ),
        ]
    )
    session.flush()
    return q


def open_dispute(session: Session, c: Contracted, customer: User) -> DowntimeDispute:
    """An open dispute of the contract's recorded stop (the customer says: excluded)."""
    d = DowntimeDispute(
        account_id=c.contract.account_id,
        contract_id=c.contract.id,
        month=MONTH,
        asset_id=c.asset.id,
        serial=c.asset.serial,
        start=STOP_START,
        end=STOP_END,
        state="down",
        asked_state="excluded",
        source="record",
        downtime_period_id=c.downtime.id,
        reason="the power grid failed",
        status="open",
        opened_by_id=customer.id,
        currency="EUR",
        amount_before_cents=-100_000,
    )
    session.add(d)
    session.flush()
    return d


def service_request(
    session: Session, account: Account, customer: User | None = None
) -> ServiceRequest:
    """An open service request of the account."""
    r = ServiceRequest(
        account_id=account.id,
        text="The press squeaks at start-up",
        status="open",
        created_by_id=customer.id if customer else None,
    )
    session.add(r)
    session.flush()
    return r
