"""Meter readings: the month's quantity from cumulative readings (by hand), the import of a CSV
or Parquet file (every row landed or rejected with its reason), and usage lines billed from the
readings under the contract, with their evidence. Both backends."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servitize.core.errors import InvalidInput, PermissionDenied
from servitize.core.settings import Settings
from servitize.offers import billing, readings
from servitize.offers.metering import telemetry_meter
from servitize.offers.models import Contract, ContractAsset, MeterReading
from servitize.offers.readings_import import import_file
from servitize.telemetry.store import TelemetryStore
from servitize.trust.context import Context
from tests import builders as b

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
HEADER = ["contract", "serial", "read_at", "reading", "unit"]
TIERS = {
    "metric": "operating hour",
    "tiers": [{"up_to": 100, "unit_cents": 200}, {"up_to": None, "unit_cents": 150}],
}


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- the convention, by hand -------------------------------------------------------------


def test_a_month_is_closing_minus_opening_reading() -> None:
    oct_start, nov_start = t("2026-10-01T00:00"), t("2026-11-01T00:00")
    values = [
        (t("2026-09-15T08:00"), D(1000)),
        (t("2026-09-30T18:00"), D(1180)),  # the last at or before 1 October: the opening
        (t("2026-10-12T09:00"), D(1400)),
        (t("2026-10-31T17:00"), D(1655)),  # the last at or before 1 November: the closing
        (t("2026-11-03T10:00"), D(1700)),
    ]
    month = readings.month_quantity(values, oct_start, nov_start)
    assert month is not None
    assert (month.opening, month.closing, month.quantity) == (D(1180), D(1655), D(475))
    # a reading exactly at the boundary closes October and opens November: never twice
    edge = [(t("2026-10-01T00:00"), D(10)), (t("2026-11-01T00:00"), D(70))]
    edge_next = [*edge, (t("2026-11-20T00:00"), D(95))]
    assert readings.month_quantity(edge, oct_start, nov_start).quantity == 60  # type: ignore[union-attr]
    november = readings.month_quantity(edge_next, nov_start, t("2026-12-01T00:00"))
    assert november is not None and november.quantity == 25  # 95 − 70
    # a new meter opens with its first reading in the month: 130 − 100 = 30
    new = [(t("2026-10-10T00:00"), D(100)), (t("2026-10-20T00:00"), D(130))]
    assert readings.month_quantity(new, oct_start, nov_start).quantity == 30  # type: ignore[union-attr]
    # … and a single reading of a new meter closes nothing
    assert readings.month_quantity(new[:1], oct_start, nov_start) is None
    # no reading inside the month: no quantity (not zero)
    assert readings.month_quantity(values[:2], oct_start, nov_start) is None


def test_units_match_the_contract_metric_in_their_usual_spellings() -> None:
    assert readings.unit_matches("h", "operating hour")
    assert readings.unit_matches("Operating  Hours", "operating hour")
    assert readings.unit_matches("KWH", "kWh")
    assert readings.unit_matches("units", "unit produced")
    assert not readings.unit_matches("kWh", "operating hour")
    assert (
        readings.parse_reading("-3")
        == "reading: -3 is negative; a meter reading counts up from zero"
    )
    assert readings.parse_time("1850-01-01", (1900, 2100)) == (
        "read_at: 1850-01-01 is outside the accepted years 1900 to 2100"
    )
    assert readings.parse_time("2026-10-05T06:30", (1900, 2100)) == t("2026-10-05T06:30")
    assert readings.parse_time("2026-10-05T08:30+02:00", (1900, 2100)) == t("2026-10-05T06:30")


# --- the import ----------------------------------------------------------------------------


@pytest.fixture
def admin_ctx(session: Session) -> Context:
    return Context(session, b.user(session, role="admin"), Settings(), NOW)


_numbers = iter(range(1, 10_000))


def usage_contract(session: Session, account, machines, terms=TIERS, kind="usage") -> Contract:  # type: ignore[no-untyped-def]
    c = Contract(
        number=f"C-R{next(_numbers):05d}",
        account_id=account.id,
        kind=kind,
        name="Pumping hours",
        currency="EUR",
        fee_cents=0 if kind == "usage" else 10_000,
        period="month",
        terms=terms,
        start_on=date(2026, 1, 1),
        minimum_term_end=date(2028, 1, 1),
    )
    session.add(c)
    session.flush()
    for m in machines:
        session.add(ContractAsset(contract_id=c.id, asset_id=m.id))
    session.flush()
    return c


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def rejects_of(path: Path) -> dict[int, str]:
    with path.with_name(path.name + ".rejects.csv").open(encoding="utf-8") as fh:
        return {int(r["line"]): r["reason"] for r in csv.DictReader(fh)}


def test_an_import_lands_good_rows_and_keeps_every_bad_one_with_its_reason(
    session: Session, admin_ctx, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    pump, press, stranger = b.asset(session, acc), b.asset(session, acc), b.asset(session, acc)
    hours = usage_contract(session, acc, [pump, press])
    kwh = usage_contract(session, acc, [press], terms={**TIERS, "metric": "kWh"})
    flat = usage_contract(session, acc, [pump], kind="subscription")
    rows = [
        [hours.number, pump.serial, "2026-09-30", "1000", "h"],  # line 2: lands
        [hours.number, pump.serial, "2026-10-31T18:00", "1480", "operating hours"],  # 3: lands
        [hours.number, pump.serial, "2026-10-15", "900", "h"],  # 4: below 1000 before it
        [hours.number, press.serial, "2026-10-31", "-5", "h"],  # 5: negative
        ["C-NOPE", pump.serial, "2026-10-31", "5", "h"],  # 6: unknown contract
        [hours.number, "SN-NOPE", "2026-10-31", "5", "h"],  # 7: unknown serial
        [hours.number, stranger.serial, "2026-10-31", "5", "h"],  # 8: not covered
        [kwh.number, press.serial, "2026-10-31", "5", "h"],  # 9: unit is not kWh
        [hours.number, press.serial, "1850-10-31", "5", "h"],  # 10: outside the years
        [flat.number, pump.serial, "2026-10-31", "5", "h"],  # 11: not a usage contract
        [kwh.number, press.serial, "2026-10-31", "7.25", "kWh"],  # 12: lands
        [hours.number, press.serial, "2026-10-31", "lots", "h"],  # 13: not a number
    ]
    path = write_csv(tmp_path / "readings.csv", rows)

    result = import_file(admin_ctx, path)

    # 12 rows read = 3 landed + 9 rejected
    assert (result.read, result.landed, result.inserted, result.rejected) == (12, 3, 3, 9)
    reasons = rejects_of(path)
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 10, 11, 13]
    assert "below the earlier reading 1000" in reasons[4]
    assert reasons[5].startswith("reading: -5 is negative")
    assert reasons[6] == "contract: unknown contract C-NOPE"
    assert reasons[7] == "serial: unknown serial SN-NOPE"
    assert reasons[8] == f"serial: {stranger.serial} is not a machine of contract {hours.number}"
    assert reasons[9] == f"unit: 'h' is not the meter of contract {kwh.number} (kWh)"
    assert "outside the accepted years" in reasons[10]
    assert "not a usage contract" in reasons[11]
    assert reasons[13] == "reading: 'lots' is not a number"
    stored = session.scalars(
        select(MeterReading)
        .where(MeterReading.contract_id == hours.id)
        .order_by(MeterReading.read_at)
    ).all()
    assert [(r.read_at, r.reading) for r in stored] == [
        (t("2026-09-30T00:00"), D(1000)),
        (t("2026-10-31T18:00"), D(1480)),
    ]

    # the same file again: the good rows are unchanged (nothing written twice), the bad ones
    # rejected again; a different reading at a stored time is rejected
    again = import_file(admin_ctx, path)
    assert (again.read, again.inserted, again.unchanged, again.rejected) == (12, 0, 3, 9)
    clash = write_csv(
        tmp_path / "clash.csv", [[hours.number, pump.serial, "2026-09-30", "999", "h"]]
    )
    third = import_file(admin_ctx, clash)
    assert (third.read, third.landed, third.rejected) == (1, 0, 1)
    assert "already stored" in rejects_of(clash)[2]
    count = session.scalar(select(func.count()).select_from(MeterReading))
    assert count == 3


def test_a_parquet_file_and_a_reading_above_a_later_stored_one(
    session: Session, admin_ctx, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    pump = b.asset(session, acc)
    c = usage_contract(session, acc, [pump])
    first = write_csv(
        tmp_path / "first.csv", [[c.number, pump.serial, "2026-10-31", "500", "h"]], ";"
    )
    assert import_file(admin_ctx, first).inserted == 1
    table = pa.table(
        {
            "Contract": [c.number, c.number, c.number],
            "Serial": [pump.serial, pump.serial, pump.serial],
            "Read_At": ["2026-09-30", "2026-10-15", "2026-11-30"],
            "Reading": ["100", "600", "650"],
            "Unit": ["h", "h", "h"],
        }
    )
    path = tmp_path / "readings.parquet"
    pq.write_table(table, path)
    result = import_file(admin_ctx, path)
    # 3 read = 2 landed (100 before 500, 650 after it) + 1 rejected (600 on 15 Oct > 500 on 31 Oct)
    assert (result.read, result.landed, result.rejected) == (3, 2, 1)
    assert "above the later reading 500" in rejects_of(path)[3]


def test_a_file_without_the_columns_is_refused_and_only_admins_import(
    session: Session, admin_ctx, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    path.write_text("contract,serial,reading\nC-1,S,4\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="lacks read_at, unit"):
        import_file(admin_ctx, path)
    ctx = Context(session, b.user(session, role="account_owner"), Settings(), NOW)
    with pytest.raises(PermissionDenied):
        import_file(ctx, write_csv(tmp_path / "ok.csv", []))


# --- billing from readings ----------------------------------------------------------------


def test_usage_is_billed_from_readings_under_the_contract(
    session: Session, admin_ctx, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)  # no data-sharing agreement at all
    pump, press, idle = b.asset(session, acc), b.asset(session, acc), b.asset(session, acc)
    c = usage_contract(session, acc, [pump, press, idle])
    other = usage_contract(session, b.account(session), [b.asset(session, acc)])
    rows = [
        [c.number, pump.serial, "2026-09-30T20:00", "1200", "h"],
        [c.number, pump.serial, "2026-10-31T20:00", "1330", "h"],
        [c.number, press.serial, "2026-10-05", "40", "h"],  # a new meter in October
        [c.number, press.serial, "2026-10-30", "75.5", "h"],
        [c.number, idle.serial, "2026-09-01", "7", "h"],  # nothing in October
    ]
    import_file(admin_ctx, write_csv(tmp_path / "r.csv", rows))
    store = TelemetryStore(tmp_path / "telemetry")  # empty: readings need no telemetry

    run = billing.run(
        admin_ctx, "2026-10", telemetry_meter(session, store, "billing"), lambda *a: None
    )

    line = next(ln for ln in run.written if ln.contract_id == c.id)
    # pump 1330 − 1200 = 130 h; press 75.5 − 40 = 35.5 h; together 165.5 h
    # 100 h × 2.00 + 65.5 h × 1.50 = 200.00 + 98.25 = 298.25
    assert (line.quantity, line.amount_cents, line.billable) == (D("165.5"), 29_825, True)
    assert line.evidence["source"] == "imported meter readings"
    assert line.evidence["convention"] == readings.CONVENTION
    assert line.evidence["readings"][pump.serial] == {
        "opening_at": "2026-09-30T20:00:00+00:00",
        "opening": "1200",
        "closing_at": "2026-10-31T20:00:00+00:00",
        "closing": "1330",
        "quantity": "130",
    }
    assert line.evidence["no_reading"] == [idle.serial]
    # a usage contract without readings is metered from telemetry: no agreement, not billable
    unbilled = next(ln for ln in run.written if ln.contract_id == other.id)
    assert unbilled.billable is False

    # September: the pump's meter opened on 30 Sep and the idle machine's on 1 Sep, neither
    # closed in September: no line, not a zero (a run after more readings bills it)
    early = billing.run(
        admin_ctx, "2026-09", telemetry_meter(session, store, "billing"), lambda *a: None
    )
    assert [ln for ln in early.written if ln.contract_id == c.id] == []
    # a re-run of October with the same readings writes nothing
    again = billing.run(
        admin_ctx, "2026-10", telemetry_meter(session, store, "billing"), lambda *a: None
    )
    assert again.written == []
