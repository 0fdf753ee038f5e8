"""The demo's availability contract keeps to the sales policy: it promises the borderline's 98 %,
not more (it once promised 98.5 % against a 98 % maximum)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from servitize.contracts.demo import demo_contract
from servitize.core.settings import Settings
from servitize.sales.process import policy_of
from servitize.sales.rules import terms_outside_borderline
from servitize.telemetry.store import TelemetryStore
from servitize.trust import audit
from tests import builders as b


def test_the_demo_contract_promises_no_more_than_the_borderline(session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    account = b.account(session)
    for _ in range(3):
        b.asset(session, account)

    contract = demo_contract(
        session, TelemetryStore(tmp_path / "telemetry"), audit.Actor("test"), date(2026, 11, 30)
    )

    assert contract is not None
    assert contract.target_pct == 98.0
    borderline = policy_of(Settings()).borderline
    assert terms_outside_borderline({"availability_pct": contract.target_pct}, borderline) == []
