"""Usage billed from real telemetry: operating hours under a billing agreement, and the
"not billable: no agreement" line without one. Hours and money by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.offers import billing
from servitize.offers.metering import telemetry_meter
from servitize.offers.models import Contract, ContractAsset
from servitize.telemetry import consent
from servitize.telemetry.store import Batch, TelemetryStore
from servitize.trust import audit
from servitize.trust.context import Context
from tests import builders as b
from tests.telemetry.helpers import us, utc

ACTOR = audit.Actor("test")
TIERS = {
    "metric": "operating hour",
    "tiers": [{"up_to": 100, "unit_cents": 200}, {"up_to": None, "unit_cents": 150}],
}


def _events(batch: Batch, serial: str) -> None:
    """Running from 30 September to 21 October 00:00, then idle until 1 November."""
    day = utc("2026-09-30T00:00")
    while day <= utc("2026-11-01T00:00"):
        state = "running" if day < utc("2026-10-21T00:00") else "idle"
        batch.add_status(
            serial, us(day.strftime("%Y-%m-%dT%H:%M")), state, None, us("2026-11-01T01:00"), "t"
        )
        day += timedelta(days=1)


def _usage_contract(session: Session, account, asset) -> Contract:  # type: ignore[no-untyped-def]
    c = Contract(
        number=f"C-M{account.id}",
        account_id=account.id,
        kind="usage",
        name="Pumping hours",
        currency="EUR",
        fee_cents=0,
        period="month",
        terms=TIERS,
        start_on=date(2026, 1, 1),
        minimum_term_end=date(2028, 1, 1),
    )
    session.add(c)
    session.flush()
    session.add(ContractAsset(contract_id=c.id, asset_id=asset.id))
    session.flush()
    return c


def test_operating_hours_are_billed_only_under_a_billing_agreement(
    session: Session, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    agreed, silent = b.account(session), b.account(session)
    pump = b.asset(session, agreed, serial=f"PU-{agreed.id}")
    other = b.asset(session, silent, serial=f"PU-{silent.id}")
    store = TelemetryStore(tmp_path / "telemetry")
    batch = Batch()
    _events(batch, pump.serial)
    _events(batch, other.serial)
    store.write(batch)
    since = utc("2026-01-01T00:00")
    consent.record_agreement(session, ACTOR, agreed.id, ["status"], ["billing"], since)
    consent.record_agreement(
        session, ACTOR, silent.id, ["status"], ["contract_verification"], since
    )
    billed = _usage_contract(session, agreed, pump)
    unbilled = _usage_contract(session, silent, other)
    ctx = Context(
        session, b.user(session, role="admin"), Settings(), datetime(2026, 11, 30, tzinfo=UTC)
    )

    run = billing.run(ctx, "2026-10", telemetry_meter(session, store, "billing"), lambda *a: None)

    lines = {ln.contract_id: ln for ln in run.written}
    # 1–21 October running: 20 days × 24 h = 480 h; 100 h × 2.00 + 380 h × 1.50 = 770.00
    assert lines[billed.id].quantity == 480
    assert lines[billed.id].amount_cents == 77_000
    assert lines[billed.id].evidence["operating_hours"] == {pump.serial: 480.0}
    # no billing agreement: listed, not billed, never a silent zero
    assert lines[unbilled.id].billable is False
    assert "not billable: no agreement" in lines[unbilled.id].description
