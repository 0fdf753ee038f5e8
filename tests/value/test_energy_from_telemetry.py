"""Energy in the value case from the customer's own consented telemetry: the kWh the machines
metered in the last year, annualised over the days the readings cover; without an agreement
for energy data the case says "no data" and uses none of it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.telemetry.models import DataSharingAgreement
from servitize.telemetry.store import Batch, TelemetryStore
from servitize.trust.context import context_of
from servitize.value import service
from tests.value.world import DAY, build


def _us(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) * 1_000_000


def _meter(root: Path, readings: list[tuple[str, str, float]]) -> None:
    batch = Batch()
    for serial, ts, kwh in readings:
        batch.add_measure(serial, _us(ts), "energy_kwh", kwh, "kWh", _us("2026-11-01T00:00"), "t")
    TelemetryStore(root).write(batch)


def _case(session: Session, tmp_path: Path, kinds: list[str]) -> service.Report:
    w = build(session)
    session.add(
        DataSharingAgreement(
            account_id=w.account.id,
            data_kinds=kinds,
            purposes=["service_offers"],
            valid_from=datetime(2020, 1, 1, tzinfo=UTC),
            valid_to=None,
            recorded_by="test",
        )
    )
    session.flush()
    m1, m2 = w.machines
    # Machine 1: 1,000 kWh on 2026-05-27 and 1,500 kWh on 2026-08-25; machine 2: 500 kWh on
    # 2026-07-01; one reading of machine 1 before the year read (2025-01-01) is left out.
    _meter(
        tmp_path / "telemetry",
        [
            (m1.serial, "2025-01-01T00:00", 9_999.0),
            (m1.serial, "2026-05-27T00:00", 1_000.0),
            (m1.serial, "2026-08-25T00:00", 1_500.0),
            (m2.serial, "2026-07-01T00:00", 500.0),
        ],
    )
    ctx = context_of(session, w.owner, Settings(data_dir=tmp_path), today=DAY)
    created = service.create_case(
        ctx, w.account.id, [m.id for m in w.machines], assumptions={"years": 5}
    )
    return service.report(ctx, created)


def test_energy_comes_from_consented_telemetry_annualised_over_the_days_it_covers(
    session: Session, tmp_path: Path
) -> None:
    r = _case(session, tmp_path, ["status", "energy"])
    kwh = r.values["energy_kwh_per_year"]
    # 1,000 + 1,500 + 500 = 3,000 kWh from 2026-05-27 to 2026-08-25: 90 days;
    # 3,000 × 365.25 ÷ 90 = 12,175 kWh a year.
    assert kwh.source == "records"
    assert kwh.number == 12_175
    assert "3,000 kWh metered in consented telemetry of 2 of 2 machines over 90 days" in (
        kwh.evidence
    )


def test_without_an_energy_agreement_the_case_uses_none_of_it(
    session: Session, tmp_path: Path
) -> None:
    r = _case(session, tmp_path, ["status"])  # status shared, energy not
    energy = next(s for s in r.savings if s.key == "energy")
    assert r.values["energy_kwh_per_year"].number is None
    assert energy.saving_cents is None and "no data" in energy.evidence
