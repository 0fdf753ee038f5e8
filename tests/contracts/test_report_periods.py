"""A contract's months evaluated at once equal the months evaluated one by one, and a case by hand.

The hand case: machine H of one account, a contract on a two-shift calendar (Mon–Fri
06:00–22:00 UTC, 16 h a scheduled day) from 1 Jul 2026: target 98 %, penalty 2 % of the
10,000 EUR fee per full 0.5 point below (cap 10 %), bonus 1 % per full 0.5 point above (cap 3 %).
H reports "running" every six hours; the account's agreement lapsed for August (1 Aug – 1 Sep)
and nothing of H was kept then.

July (23 weekdays, 368 h): down Wed 15 Jul 10:00–18:00 (8 h); down Sat 18 Jul 10:00–14:00 (no
shift: not counted); down Mon 20 Jul 20:00 – Tue 21 Jul 08:00 (20–22 h and 06–08 h: 4 h, one
stop). Down 12 h, 2 failures, 356 / 368 = 96.7391 %: 1.26 points below, 2 steps, −400 EUR.
August (21 weekdays, 336 h): the last report, Fri 31 Jul 18:00, holds its 7-day horizon to Fri
7 Aug 18:00: Mon 3 – Thu 6 Aug (64 h) and Fri 7 Aug 06:00–18:00 (12 h) are known, 76 of 336 h =
22.6 %: not measurable, 22 % of hours known, no money.
September (22 weekdays, 352 h): down Wed 30 Sep 18:00 – Thu 1 Oct 10:00, across the month's end:
18–22 h in September (4 h, the failure), 348 / 352 = 98.8636 %: 1 step above, +100 EUR.
October (22 weekdays, 352 h): the same stop's 06–10 h on 1 Oct (4 h, no new failure), down Wed 7
Oct 09:00–11:00 (2 h, a failure), a planned maintenance record Wed 14 Oct 08:00–12:00 (4 h) and
an excluded record Wed 21 Oct 10:00–11:00 (1 h): uptime 352 − 6 − 4 − 1 = 341,
341 / 347 = 98.2709 %: on target, 0 EUR. Energy 10 kWh a day: 310 kWh, 341 running hours.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from servitize.contracts import report, report_periods
from servitize.contracts import service as contracts
from servitize.contracts.models import AvailabilityContract
from servitize.telemetry import consent
from servitize.telemetry.availability import month_period
from servitize.telemetry.downtime import add_downtime
from servitize.telemetry.store import Batch, TelemetryStore
from servitize.trust import audit
from tests import builders
from tests.telemetry.helpers import us, utc

ACTOR = audit.Actor("test")
AT = utc("2026-12-05T00:00")
SHIFTS = {"kind": "shifts", "weekdays": [0, 1, 2, 3, 4], "start": "06:00", "end": "22:00"}
STOPS = [  # (start, end) of H's stops: "down" at the start, "running" again at the end
    ("2026-07-15T10:00", "2026-07-15T18:00"),
    ("2026-07-18T10:00", "2026-07-18T14:00"),
    ("2026-07-20T20:00", "2026-07-21T08:00"),
    ("2026-09-30T18:00", "2026-10-01T10:00"),
    ("2026-10-07T09:00", "2026-10-07T11:00"),
]


def _hand_world(session: Session, store: TelemetryStore) -> AvailabilityContract:
    account = builders.account(session, name="Schichtwerk AG")
    machine = builders.asset(session, account, serial=f"H-{account.id}")
    serial = machine.serial or ""
    stops = [(utc(s), utc(e)) for s, e in STOPS]
    batch = Batch()
    received = us("2026-12-01T00:00")
    moment = utc("2026-06-20T00:00")
    while moment <= utc("2026-11-02T00:00"):
        lapsed = utc("2026-08-01T00:00") <= moment < utc("2026-09-01T00:00")
        stopped = any(s <= moment <= e for s, e in stops)
        if not lapsed and not stopped:
            batch.add_status(serial, us(moment.isoformat()[:16]), "running", None, received, "t")
        moment += timedelta(hours=6)
    for s, e in stops:
        batch.add_status(serial, int(s.timestamp()) * 1_000_000, "down", None, received, "t")
        batch.add_status(serial, int(e.timestamp()) * 1_000_000, "running", None, received, "t")
    day = utc("2026-10-01T12:00")
    while day < utc("2026-11-01T00:00"):
        batch.add_measure(
            serial, int(day.timestamp()) * 1_000_000, "energy_kwh", 10.0, "kWh", received, "t"
        )
        day += timedelta(days=1)
    store.write(batch)
    kinds, purposes = ["status", "usage", "energy"], ["contract_verification"]
    consent.record_agreement(
        session,
        ACTOR,
        account.id,
        kinds,
        purposes,
        utc("2026-01-01T00:00"),
        utc("2026-08-01T00:00"),
    )
    consent.record_agreement(session, ACTOR, account.id, kinds, purposes, utc("2026-09-01T00:00"))
    contract = contracts.create_contract(
        session,
        ACTOR,
        external_id=f"SH-{account.id}",
        account_id=account.id,
        name="Two shifts",
        target_pct=98.0,
        fee_cents=10_000_00,
        penalty_pct_per_step=2,
        penalty_step_points=0.5,
        penalty_cap_pct=10,
        bonus_pct_per_step=1,
        bonus_step_points=0.5,
        bonus_cap_pct=3,
        calendar=SHIFTS,
        valid_from=utc("2026-07-01T00:00"),
    )
    add_downtime(
        session, ACTOR, machine.id, utc("2026-10-14T08:00"), utc("2026-10-14T12:00"), planned=True
    )
    add_downtime(
        session,
        ACTOR,
        machine.id,
        utc("2026-10-21T10:00"),
        utc("2026-10-21T11:00"),
        excluded=True,
        cause="power cut",
    )
    session.flush()
    return contract


def test_four_months_at_once_equal_the_hand_computed_ones(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = TelemetryStore(tmp_path / "telemetry")
    contract = _hand_world(session, store)
    months = ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    results, stops = report.tables(session, store, contract, months, at=AT)
    june, july, august, september, october = results
    assert (june.in_force, june.band) == (False, "not_in_force")
    got = [
        (
            m.availability_pct,
            m.band,
            m.steps,
            m.amount,
            m.uptime_hours,
            m.downtime_hours,
            m.planned_maintenance_hours,
            m.excluded_hours,
            m.failures,
            m.coverage_pct,
        )
        for m in (july, august, september, october)
    ]
    assert got == [
        (96.7391, "penalty", 2, Decimal("-400.00"), 356.0, 12.0, 0.0, 0.0, 2, 100.0),
        (None, "not_measurable", 0, Decimal(0), 76.0, 0.0, 0.0, 0.0, 0, round(7600 / 336, 4)),
        (98.8636, "bonus", 1, Decimal("100.00"), 348.0, 4.0, 0.0, 0.0, 1, 100.0),
        (98.2709, "on_target", 0, Decimal(0), 341.0, 6.0, 4.0, 1.0, 1, 100.0),
    ]
    assert august.result == "not measurable: 22 % of hours known"
    # the stop across September's end is evidence in both months, with its hours in each
    crossing = [(s.month, s.hours_in_month) for s in stops if s.start == utc("2026-09-30T18:00")]
    assert crossing == [("2026-09", 6.0), ("2026-10", 10.0)]
    assert [(s.state, s.source) for s in stops if s.month == "2026-10"] == [
        ("down", "status"),
        ("down", "status"),
        ("planned_maintenance", "record"),
        ("excluded", "record"),
    ]
    r = report.build_report(session, store, contract, "2026-10", 5, at=AT)
    assert r.trend == results
    [machine] = r.assets
    assert (machine.energy_kwh, machine.operating_hours) == (310.0, 341.0)
    assert machine.kwh_per_operating_hour == pytest.approx(310 / 341, abs=1e-6)


def _months_one_by_one(
    session: Session,
    store: TelemetryStore,
    contract: AvailabilityContract,
    months: list[str],
    interval: int,
) -> list[dict[str, object] | None]:
    """``contracts.evaluate`` itself, once per month (not the report's code)."""
    out: list[dict[str, object] | None] = []
    for month in months:
        period = month_period(month)
        valid = report.in_force(contract, period)
        out.append(
            contracts.evaluate(session, store, contract, period, AT, interval).as_dict()
            if valid
            else None
        )
    return out


def _mixed_world(
    session: Session, store: TelemetryStore, calendar: dict[str, object], rule: str
) -> AvailabilityContract:
    """Three machines with what makes months differ: random states, a stop silent for 132 days,
    a machine that stops reporting mid-month but still sends readings, sequence gaps, records
    across month ends, a machine that never reports."""
    rng = random.Random(5)
    account = builders.account(session)
    a, b, c, _silent = (builders.asset(session, account) for _ in range(4))
    batch = Batch()
    received = us("2026-12-01T00:00")

    def status(serial: str, when: datetime, state: str) -> None:
        batch.add_status(serial, int(when.timestamp()) * 1_000_000, state, None, received, "t")

    moment = utc("2026-01-01T00:00")
    while moment < utc("2026-11-05T00:00"):  # A: every 5 h, any state
        state = rng.choices(["running", "idle", "down", "planned_maintenance"], [70, 15, 10, 5])[0]
        status(a.serial or "", moment + timedelta(minutes=rng.randint(0, 59)), state)
        moment += timedelta(hours=5)
    status(b.serial or "", utc("2026-03-01T00:00"), "running")
    # a stop, then silence for 132 days: longer than April reads ahead, so April knows the stop
    # only up to its newest reading, and August reads no event before the next one
    status(b.serial or "", utc("2026-04-10T07:00"), "down")
    status(b.serial or "", utc("2026-08-20T09:00"), "down")
    status(b.serial or "", utc("2026-08-21T09:00"), "running")
    status(b.serial or "", utc("2026-10-31T23:30"), "down")
    moment = utc("2026-02-15T00:00")
    while moment < utc("2026-08-17T00:00"):  # C: every 3 h until mid-August
        status(c.serial or "", moment, "down" if rng.random() < 0.05 else "running")
        moment += timedelta(hours=3)
    moment = utc("2026-02-15T01:00")
    while moment < utc("2026-09-20T00:00"):  # … its energy readings go on to September
        batch.add_measure(
            c.serial or "",
            int(moment.timestamp()) * 1_000_000,
            "energy_kwh",
            round(rng.uniform(1, 9), 3),
            "kWh",
            received,
            "t",
        )
        moment += timedelta(hours=7)
    for start, hours in (("2026-04-30T20:00", 9), ("2026-06-11T03:00", 2), ("2026-07-31T23:00", 3)):
        s = utc(start)
        batch.add_gap(
            c.serial or "",
            int(s.timestamp()) * 1_000_000,
            int((s + timedelta(hours=hours)).timestamp()) * 1_000_000,
            "sequence",
            4,
            "",
            received,
            "t",
        )
    store.write(batch)
    consent.record_agreement(
        session,
        ACTOR,
        account.id,
        ["status", "usage", "energy"],
        ["contract_verification"],
        utc("2025-01-01T00:00"),
    )
    contract = contracts.create_contract(
        session,
        ACTOR,
        external_id=f"MX-{account.id}",
        account_id=account.id,
        name="Mixed",
        target_pct=95.0,
        fee_cents=5_000_00,
        calendar=calendar,
        silence_after_down=rule,
        min_coverage_pct=30.0,
        valid_from=utc("2026-03-01T00:00"),
        valid_to=utc("2026-10-15T00:00"),
    )
    add_downtime(
        session, ACTOR, a.id, utc("2026-05-31T20:00"), utc("2026-06-01T04:00"), planned=True
    )
    add_downtime(session, ACTOR, b.id, utc("2026-06-30T22:00"), utc("2026-07-01T02:00"))
    add_downtime(
        session,
        ACTOR,
        c.id,
        utc("2026-04-03T10:00"),
        utc("2026-04-03T12:00"),
        excluded=True,
        cause="strike",
    )
    session.flush()
    return contract


@pytest.mark.parametrize(
    ("calendar", "rule", "interval"),
    [({"kind": "24/7"}, "down", 0), (SHIFTS, "unknown", 7 * 3600)],
)
def test_months_at_once_equal_each_month_evaluated_on_its_own(
    session, tmp_path, calendar, rule, interval
) -> None:  # type: ignore[no-untyped-def]
    store = TelemetryStore(tmp_path / "telemetry")
    contract = _mixed_world(session, store, calendar, rule)
    months = report.month_range("2026-02", "2026-11")
    at_once = [
        None if e is None else e.as_dict()
        for _m, e in report.evaluate_months(session, store, contract, months, AT, interval)
    ]
    alone = _months_one_by_one(session, store, contract, months, interval)
    assert at_once == alone
    # the case is not empty: months in force with stops, failures, evidence and money
    valid = [e for e in alone if e is not None]
    assert len(valid) == 8
    assert {e["band"] for e in valid} & {"penalty", "bonus", "on_target", "below_target"}
    assert sum(len(e["evidence"]) for e in valid) > 20  # type: ignore[arg-type]


def test_the_compiled_sql_of_a_shape_serves_other_machines_and_months(
    session, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Ibis builds the report's SQL on the first request of a shape; a later request of the
    same shape (other machines, another window of months) runs that SQL with its own tables
    and still gets exactly the months evaluated one by one."""
    built: list[str] = []
    for name in ("_intervals_expr", "_summary_expr"):
        original = getattr(report_periods, name)

        def counted(db, shape, original=original, name=name):  # type: ignore[no-untyped-def]
            built.append(name)
            return original(db, shape)

        monkeypatch.setattr(report_periods, name, counted)
    report_periods.forget_compiled()
    store = TelemetryStore(tmp_path / "telemetry")
    first = _mixed_world(session, store, SHIFTS, "unknown")
    second = _mixed_world(session, store, SHIFTS, "unknown")
    cases = [
        (first, report.month_range("2026-02", "2026-11")),
        (second, report.month_range("2026-05", "2026-08")),
        (first, report.month_range("2026-04", "2026-06")),
    ]
    for n, (contract, months) in enumerate(cases):
        at_once = [
            None if e is None else e.as_dict()
            for _m, e in report.evaluate_months(session, store, contract, months, AT, 7 * 3600)
        ]
        assert at_once == _months_one_by_one(session, store, contract, months, 7 * 3600)
        if n == 0:  # the first request built both parts
            assert built == ["_intervals_expr", "_summary_expr"]
    assert built == ["_intervals_expr", "_summary_expr"]  # the later ones built nothing


def test_a_report_opens_no_new_duckdb_database(session, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each request computes on a cursor of the process's one DuckDB database, silence gaps
    included (one new database per month cost tens of milliseconds each)."""
    import duckdb

    store = TelemetryStore(tmp_path / "telemetry")
    contract = _mixed_world(session, store, SHIFTS, "unknown")
    report.build_report(session, store, contract, "2026-10", 6, at=AT, expected_interval_s=7200)
    opened: list[object] = []
    real = duckdb.connect

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", counted)
    r = report.build_report(session, store, contract, "2026-10", 6, at=AT, expected_interval_s=7200)
    assert len(r.trend) == 6 and r.telemetry_gaps  # the silence gaps were looked for
    assert opened == []
