"""Contracts of one shape are evaluated together: the figures, band and money of each contract's
months are still the contract report's, and the engine runs a few jobs per shape, not per contract.

Six machines of three accounts over June and July 2026, a status event every twelve hours (a
stop here and there, one machine silent for two days after a stop), an energy reading with
each running event, sequence gaps, downtime records. Seven contracts: five of the same shape
(24/7, a silent stop holds) sharing machines and accounts, with their records and gaps, one
of them of an account that withdrew its consent and one in force from July; a two-shift
contract over two of those machines; a contract whose silent stops are unknown. The expected
reporting interval (thirteen hours) makes the two-day silence a gap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pytest

from servitize.batch import contract_stages, layout, run_batch
from servitize.contracts import report
from servitize.contracts import repository as contracts_repo
from servitize.contracts.service import create_contract
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.core.settings import Settings
from servitize.telemetry import consent
from servitize.telemetry.downtime import add_downtime
from servitize.telemetry.store import Batch, TelemetryStore
from servitize.trust.audit import Actor
from tests import builders as b
from tests.conftest import migrated_sqlite

pytestmark = [pytest.mark.slow]

ACTOR = Actor("test")
HOUR = 3600
INTERVAL = 13 * HOUR  # the expected reporting interval: events come every 12 hours
MONTHS = ("2026-06", "2026-07")
SHAPES = 3  # (24/7, down), (shifts, down), (24/7, unknown)
JOBS = 3  # per part: the sequence gaps, the silences, the figures


def _at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _us(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000


# Changes to the every-twelve-hours running of a machine: (from, to, [(moment, state)]): the
# regular events in [from, to) are replaced by these.
CHANGES: dict[str, list[tuple[datetime, datetime, list[tuple[datetime, str]]]]] = {
    # down from 06:00 to 18:00 on June 10
    "GM-1": [(_at(6, 10, 1), _at(6, 11), [(_at(6, 10, 6), "down"), (_at(6, 10, 18), "running")])],
    # down for a day in July
    "GM-2": [(_at(7, 8), _at(7, 9), [(_at(7, 8), "down")])],
    # idle every fifth day's noon
    "GM-3": [
        (_at(m, d, 12), _at(m, d, 13), [(_at(m, d, 12), "idle")])
        for m in (6, 7)
        for d in range(5, 31, 5)
    ],
    # a stop on June 15, then silent (no event, no reading) until June 17
    "GM-4": [(_at(6, 15), _at(6, 17), [(_at(6, 15), "down")])],
    # planned maintenance on July 20 until noon
    "GM-5": [(_at(7, 20), _at(7, 20, 1), [(_at(7, 20), "planned_maintenance")])],
    "GM-6": [],
}


def _events(serial: str) -> list[tuple[datetime, str]]:
    """June 1 to July 31 noon, every twelve hours, with the machine's changes."""
    moment, end, out = _at(6, 1), _at(7, 31, 13), []
    changes = CHANGES[serial]
    while moment < end:
        if not any(lo <= moment < hi for lo, hi, _e in changes):
            out.append((moment, "running"))
        moment += timedelta(hours=12)
    out += [e for _lo, _hi, events in changes for e in events]
    return sorted(out)


def _telemetry(root: Path) -> TelemetryStore:
    store = TelemetryStore(root)
    batch = Batch()
    for serial in CHANGES:
        for moment, state in _events(serial):
            received = _us(moment) + 30_000_000
            batch.add_status(serial, _us(moment), state, None, received, "t")
            if state == "running":
                batch.add_measure(serial, _us(moment), "energy_kwh", 1.5, "kWh", received, "t")
    # sequence gaps the listener saw: GM-1 on June 25 (while running), GM-2 on July 3
    for serial, start, end, missing in (
        ("GM-1", _at(6, 25, 0), _at(6, 25, 6), 6),
        ("GM-2", _at(7, 3, 2), _at(7, 3, 5), 3),
    ):
        batch.add_gap(serial, _us(start), _us(end), "sequence", missing, "seq", _us(end), "t")
    store.write(batch)
    return store


def _records(url: str) -> None:
    engine = make_engine(url)
    try:
        with session_scope(session_factory(engine)) as session:
            first, second, third = (b.account(session, name=f"Group {n}") for n in "ABC")
            assets = {}
            for acc, serials in ((first, "123"), (second, "45"), (third, "6")):
                for n in serials:
                    serial = f"GM-{n}"
                    assets[serial] = b.asset(session, acc, external_id=serial, serial=serial)
            kinds = {first.id: ["status", "energy"], second.id: ["status"], third.id: ["status"]}
            for account_id, data_kinds in kinds.items():
                consent.record_agreement(
                    session, ACTOR, account_id, data_kinds, ["contract_verification"], _at(1, 1)
                )
            withdrawn = consent.agreements_of(session, third.id)[0]
            consent.revoke(session, ACTOR, withdrawn.id)

            def contract(external_id: str, account_id: int, **kw: Any) -> None:
                kw.setdefault("valid_from", _at(1, 1))
                kw.setdefault("target_pct", 95.0)
                kw.setdefault("fee_cents", 2_000_00)
                kw.setdefault("penalty_pct_per_step", 1)
                kw.setdefault("penalty_step_points", 1.0)
                kw.setdefault("penalty_cap_pct", 5)
                create_contract(
                    session,
                    ACTOR,
                    external_id=external_id,
                    account_id=account_id,
                    name=external_id,
                    **kw,
                )

            contract("G-1", first.id, bonus_pct_per_step=1, bonus_step_points=1.0, bonus_cap_pct=3)
            contract(
                "G-2",
                first.id,
                serials=["GM-1"],
                target_pct=99.5,
                fee_cents=1_000_00,
                penalty_pct_per_step=2,
                penalty_step_points=0.5,
                penalty_cap_pct=10,
            )
            contract(
                "G-3",
                first.id,
                serials=["GM-2", "GM-3"],
                calendar={"kind": "shifts", "weekdays": [0, 1, 2, 3, 4], "start": "06:00"},
                clause={"kind": "linear", "target_pct": 96, "pct_per_point": 1.5, "cap_pct": 12},
            )
            contract("G-4", second.id, silence_after_down="unknown", min_coverage_pct=60.0)
            contract("G-5", second.id, serials=["GM-4"])
            contract("G-6", third.id)
            contract("G-7", first.id, serials=["GM-2"], valid_from=_at(7, 1))
            for serial, start, end, kind in (
                ("GM-1", _at(6, 20, 8), _at(6, 20, 12), "planned"),
                ("GM-2", _at(7, 15, 10), _at(7, 15, 14), "down"),
                ("GM-4", _at(6, 5, 0), _at(6, 5, 6), "excluded"),
            ):
                add_downtime(
                    session,
                    ACTOR,
                    assets[serial].id,
                    start,
                    end,
                    planned=kind == "planned",
                    excluded=kind == "excluded",
                    cause=kind,
                )
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("groups")
    store = _telemetry(root / "telemetry")
    url = migrated_sqlite(root / "records.db")
    _records(url)
    return {"root": root, "url": url, "store": store, "reports": {}}


def _reports(world: dict[str, Any], interval: int) -> dict[tuple[str, str], Any]:
    """The contract report's result of every contract and month it is in force in (the
    report's own path: ``report_periods`` over the store's files)."""
    if interval in world["reports"]:
        return world["reports"][interval]
    engine = make_engine(world["url"])
    out = {}
    try:
        with session_scope(session_factory(engine)) as session:
            for contract in contracts_repo.all_contracts(session):
                for month in MONTHS:
                    page = report.build_report(
                        session, world["store"], contract, month, 1, expected_interval_s=interval
                    )
                    if page.result.in_force:
                        out[(contract.external_id, month)] = page.result
    finally:
        engine.dispose()
    world["reports"][interval] = out
    return out


def _compare(rows: list[dict[str, Any]], reports: dict[tuple[str, str], Any]) -> None:
    got = {(r["contract"], r["month"]): r for r in rows}
    assert sorted(got) == sorted(reports)
    for key, result in reports.items():
        row = got[key]
        shown = asdict(result)
        assert Decimal(row["amount_cents"]) / 100 == shown.pop("amount"), key
        shown.pop("in_force")
        differ = {k: (v, row[k]) for k, v in shown.items() if row[k] != v}
        assert not differ, (key, differ)


class _Runs:
    """The batch over the world's telemetry: compacted once, then the contract stage run as
    often as asked, each time counting the engine jobs it starts (``layout.arrow`` calls)."""

    def __init__(
        self, world: dict[str, Any], out: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any
    ) -> None:
        self.world, self.out, self.kw, self.monkeypatch = world, out, kw, monkeypatch
        self.jobs = 0
        self._batch(["compaction"], 0)
        real: Callable[..., Any] = layout.arrow

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.jobs += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(layout, "arrow", counted)

    def _batch(self, stages: list[str], interval: int) -> list[Any]:
        settings = Settings(
            data_dir=self.world["root"],
            database_url=self.world["url"],
            telemetry_expected_interval_s=interval,
        )
        return run_batch(
            self.kw.get("engine", "duckdb"),
            self.world["root"] / "telemetry",
            self.out,
            stages=stages,
            write_back=False,
            progress=False,
            database_url=self.world["url"],
            settings=settings,
            session=self.kw.get("session"),
        )

    def stage(self, interval: int, group_size: int) -> tuple[list[dict[str, Any]], int]:
        """The stage's rows and the engine jobs it ran."""
        self.monkeypatch.setattr(contract_stages, "GROUP_SIZE", group_size)
        self.jobs = 0
        (result,) = self._batch(["contract_availability"], interval)
        path = self.out / "contract_availability"
        rows = ds.dataset(path, format="parquet").to_table().to_pylist()
        assert (result.rows_in, result.rows_out) == (7, len(rows))
        return sorted(rows, key=lambda r: (r["contract"], r["month"])), self.jobs


def _hand_worked(rows: list[dict[str, Any]]) -> None:
    """Two contract-months worked out by hand from the telemetry above."""
    got = {(r["contract"], r["month"]): r for r in rows}
    # G-2, June: GM-1 alone, 720 hours. Down 06:00-18:00 on June 10 (12 h, one stop), planned
    # maintenance recorded 08:00-12:00 on June 20 (4 h), a sequence gap 00:00-06:00 on June 25
    # (6 h unknown): known 714 h, up 714 - 12 - 4 = 698 h. Availability 698 / (698 + 12) =
    # 98.30986 %, 98.3099 as settled; 1.1901 points under 99.5: two full steps of 0.5 points,
    # 2 % each, 4 % of 1,000.00 = 40.00 off. Coverage 714 / 720 = 99.1667 %.
    g2 = got[("G-2", "2026-06")]
    assert g2["availability_pct"] == 98.3099
    assert g2["coverage_pct"] == 99.1667
    assert (g2["uptime_hours"], g2["downtime_hours"], g2["planned_maintenance_hours"]) == (
        698.0,
        12.0,
        4.0,
    )
    assert (g2["failures"], g2["machines"], g2["band"], g2["steps"]) == (1, 1, "penalty", 2)
    assert (g2["fee_pct"], g2["amount_cents"]) == (-4.0, -40_00)
    # G-5, June: GM-4 alone. Down from June 15 00:00, silent for two days (a gap with the
    # expected interval, but a silent stop holds: 48 h down), an excluded outage 00:00-06:00 on
    # June 5: known 720 h, up 720 - 48 - 6 = 666 h. 666 / 714 = 93.27731 % (93.2773): 1.7227
    # points under 95, one full step of 1 point, 1 % of 2,000.00 = 20.00 off.
    g5 = got[("G-5", "2026-06")]
    assert (g5["availability_pct"], g5["coverage_pct"]) == (93.2773, 100.0)
    assert (g5["uptime_hours"], g5["downtime_hours"], g5["excluded_hours"]) == (666.0, 48.0, 6.0)
    assert (g5["failures"], g5["band"], g5["steps"], g5["amount_cents"]) == (
        1,
        "penalty",
        1,
        -20_00,
    )
    # the account that withdrew its consent: nothing measured, no money moves
    for month in MONTHS:
        g6 = got[("G-6", month)]
        assert (g6["band"], g6["amount_cents"], g6["coverage_pct"]) == ("not_measurable", 0, 0.0)
    assert ("G-7", "2026-06") not in got and ("G-7", "2026-07") in got


def test_contracts_of_one_shape_are_evaluated_together_with_the_report_figures(
    world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = _Runs(world, tmp_path / "out", monkeypatch)
    grouped, jobs = runs.stage(INTERVAL, 500)
    _compare(grouped, _reports(world, INTERVAL))
    _hand_worked(grouped)
    assert len(grouped) == 6 * 2 + 1
    assert jobs == SHAPES * JOBS, "one part per shape"
    # one by one, as the stage once ran: the same rows, three jobs per contract with machines
    one_by_one, jobs = runs.stage(INTERVAL, 1)
    assert one_by_one == grouped
    assert jobs == 6 * JOBS, "the contract without consent reads nothing"
    # parts of two contracts: the five contracts of the first shape in three parts
    pairs, jobs = runs.stage(INTERVAL, 2)
    assert pairs == grouped
    assert jobs == (SHAPES + 2) * JOBS
    # without an expected interval no silence is searched; the silent stop's days still count
    plain, jobs = runs.stage(0, 500)
    _compare(plain, _reports(world, 0))
    _hand_worked(plain)
    assert jobs == SHAPES * (JOBS - 1)
    unknown = {r["month"]: r for r in plain if r["contract"] == "G-4"}
    silent = {r["month"]: r for r in grouped if r["contract"] == "G-4"}
    assert silent["2026-06"]["coverage_pct"] < unknown["2026-06"]["coverage_pct"]


def test_the_agreements_are_read_once_a_shape_not_once_a_contract(
    world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which accounts consent to status data is read from the agreements once for each shape's
    purpose and moment, however many contracts share it (one by one too), the energy sharing
    once a part, and the figures stay the report's, the withdrawn account's contract
    included."""
    runs = _Runs(world, tmp_path / "out", monkeypatch)
    reads: list[str] = []
    real: Callable[..., Any] = consent.consenting_accounts

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(args[2] if len(args) > 2 else kwargs["data_kind"])
        return real(*args, **kwargs)

    monkeypatch.setattr(consent, "consenting_accounts", counted)
    monkeypatch.setattr(contract_stages, "consenting_accounts", counted)
    for group_size in (500, 1):
        reads.clear()
        rows, _jobs = runs.stage(INTERVAL, group_size)
        _compare(rows, _reports(world, INTERVAL))
        assert reads.count("status") == SHAPES, group_size
    # energy sharing is read once a part: one part a shape at 500 contracts a part
    assert reads.count("energy") >= SHAPES
    reads.clear()
    runs.stage(INTERVAL, 500)
    assert sorted(reads) == ["energy"] * SHAPES + ["status"] * SHAPES


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
@pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated")
def test_spark_evaluates_the_contracts_of_a_shape_together(
    world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spark: Any
) -> None:
    runs = _Runs(world, tmp_path / "out", monkeypatch, engine="spark", session=spark)
    rows, jobs = runs.stage(INTERVAL, 500)
    _compare(rows, _reports(world, INTERVAL))
    _hand_worked(rows)
    assert jobs == SHAPES * JOBS
