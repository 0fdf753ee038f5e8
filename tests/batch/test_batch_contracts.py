"""The batch's availability per contract and month is the contract report's: the figure, band
and money customers are billed on, the same to the last digit.

The batch's sample (24 machines, June to September 2026, re-deliveries included) with contracts
that differ in every rule: a 24/7 contract with step bands and downtime records (a stop, planned
maintenance, an excluded outage), a two-shift contract over two machines with a linear clause,
"unknown" silence after a stop and a lower minimum coverage, in force from July, and a contract
whose account shares no status data for contract verification. Telemetry gaps (sequence gaps
the listener saw) fall in two machines' months. With and without an expected reporting interval
(silences count as gaps then).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pytest
import sqlalchemy as sa

from servitize.batch import run_batch
from servitize.contracts import report
from servitize.contracts import repository as contracts_repo
from servitize.contracts.service import create_contract
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.core.settings import Settings
from servitize.installed_base.models import Account, Asset
from servitize.telemetry import consent
from servitize.telemetry.downtime import add_downtime
from servitize.telemetry.store import Batch, TelemetryStore
from servitize.trust.audit import Actor
from tests.batch.records import write_records
from tests.batch.sample import MONTHS, write_sample

pytestmark = [pytest.mark.slow]

ACTOR = Actor("test")
HOUR = 3600


def _at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _us(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000


def _gaps(store: TelemetryStore) -> None:
    """Sequence gaps the listener saw: two in SN-0001's July, one across SN-0008's August's end."""
    batch = Batch()
    for serial, start, end, missing in (
        ("SN-0001", _at(7, 3, 2), _at(7, 3, 20), 12),
        ("SN-0001", _at(7, 20, 0), _at(7, 22, 6), 40),
        ("SN-0008", _at(8, 30, 12), _at(9, 2, 9), 70),
    ):
        received = _us(end) + 5_000_000
        batch.add_gap(serial, _us(start), _us(end), "sequence", missing, "seq jump", received, "t")
    store.write(batch)
    store.write(batch)  # delivered twice: one gap each


def _contracts(url: str) -> None:
    engine = make_engine(url)
    try:
        with session_scope(session_factory(engine)) as session:

            def account(name: str) -> Account:
                return session.scalars(sa.select(Account).where(Account.name == name)).one()

            def asset(serial: str) -> Asset:
                return session.scalars(sa.select(Asset).where(Asset.serial == serial)).one()

            first, second, third = account("Sample 0"), account("Sample 2"), account("Sample 1")
            for acc in (first, second):
                consent.record_agreement(
                    session,
                    ACTOR,
                    acc.id,
                    ["status", "usage", "energy"],
                    ["contract_verification"],
                    _at(1, 1),
                )
            create_contract(
                session,
                ACTOR,
                external_id="AV-1",
                account_id=first.id,
                name="Pumps 24/7",
                target_pct=80.0,
                fee_cents=5_000_00,
                penalty_pct_per_step=2,
                penalty_step_points=1.0,
                penalty_cap_pct=10,
                bonus_pct_per_step=1,
                bonus_step_points=1.0,
                bonus_cap_pct=3,
                valid_from=_at(1, 1),
            )
            create_contract(
                session,
                ACTOR,
                external_id="AV-2",
                account_id=second.id,
                name="Two shifts",
                target_pct=82.0,
                fee_cents=7_500_00,
                calendar={
                    "kind": "shifts",
                    "weekdays": [0, 1, 2, 3, 4],
                    "start": "06:00",
                    "end": "22:00",
                },
                clause={"kind": "linear", "target_pct": 82, "pct_per_point": 1.5, "cap_pct": 12},
                silence_after_down="unknown",
                min_coverage_pct=60.0,
                serials=["SN-0008", "SN-0010"],
                valid_from=_at(7, 1),
            )
            create_contract(
                session,
                ACTOR,
                external_id="AV-3",
                account_id=third.id,
                name="No agreement",
                target_pct=90.0,
                fee_cents=1_000_00,
                valid_from=_at(1, 1),
            )
            pump = asset("SN-0001").id
            add_downtime(session, ACTOR, pump, _at(7, 10, 8), _at(7, 10, 20), cause="seal")
            add_downtime(
                session, ACTOR, pump, _at(8, 5, 6), _at(8, 5, 10), planned=True, cause="service"
            )
            add_downtime(
                session,
                ACTOR,
                asset("SN-0002").id,
                _at(8, 31, 22),
                _at(9, 1, 6),
                excluded=True,
                cause="power outage at the customer's plant",
            )
            add_downtime(session, ACTOR, asset("SN-0010").id, _at(9, 14, 7), _at(9, 14, 9))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("contracts")
    store = write_sample(root / "telemetry")
    _gaps(store)
    url = write_records(root)
    _contracts(url)
    return {"root": root, "url": url, "store": store}


def _batch_rows(sample: dict[str, Any], out: Path, interval: int, **kw: Any) -> list[dict]:
    settings = Settings(
        data_dir=sample["root"], database_url=sample["url"], telemetry_expected_interval_s=interval
    )
    results = run_batch(
        kw.pop("engine", "duckdb"),
        sample["root"] / "telemetry",
        out,
        stages=["compaction", "contract_availability"],
        write_back=False,
        progress=False,
        database_url=sample["url"],
        settings=settings,
        **kw,
    )
    stage = results[-1]
    rows = ds.dataset(out / "contract_availability", format="parquet").to_table().to_pylist()
    assert (stage.rows_in, stage.rows_out) == (3, len(rows))
    return rows


def _reports(sample: dict[str, Any], interval: int) -> dict[tuple[str, str], Any]:
    """The contract report's result of every contract and month it is in force in."""
    engine = make_engine(sample["url"])
    out = {}
    try:
        with session_scope(session_factory(engine)) as session:
            for contract in contracts_repo.all_contracts(session):
                for month in MONTHS:
                    page = report.build_report(
                        session,
                        sample["store"],
                        contract,
                        month,
                        months=1,
                        expected_interval_s=interval,
                    )
                    if page.result.in_force:
                        out[(contract.external_id, month)] = page.result
    finally:
        engine.dispose()
    return out


def _compare(rows: list[dict], reports: dict[tuple[str, str], Any]) -> None:
    got = {(r["contract"], r["month"]): r for r in rows}
    assert sorted(got) == sorted(reports)
    for key, result in reports.items():
        row = got[key]
        shown = asdict(result)
        amount = shown.pop("amount")
        assert Decimal(row["amount_cents"]) / 100 == amount, key
        shown.pop("in_force")
        differ = {k: (v, row[k]) for k, v in shown.items() if row[k] != v}
        assert not differ, (key, differ)


def test_the_batch_gives_each_contract_month_the_report_figures(
    sample: dict[str, Any], tmp_path: Path
) -> None:
    rows = _batch_rows(sample, tmp_path / "out", 0)
    _compare(rows, _reports(sample, 0))
    bands = {r["band"] for r in rows}
    # the sample reaches every kind of month: settled, unmeasurable, out of force
    assert len(rows) == 4 + 3 + 4, "AV-2 is in force from July"
    assert "not_measurable" in bands and len(bands - {"not_measurable"}) >= 2, bands
    assert {r["month"] for r in rows if r["contract"] == "AV-2"} == set(MONTHS[1:])
    assert all(r["band"] == "not_measurable" for r in rows if r["contract"] == "AV-3")

    # an expected interval of four hours: every longer silence is a gap, known time shrinks
    silent = _batch_rows(sample, tmp_path / "silent", 4 * HOUR)
    _compare(silent, _reports(sample, 4 * HOUR))
    coverage = {(r["contract"], r["month"]): r["coverage_pct"] for r in rows}
    assert all(r["coverage_pct"] <= coverage[(r["contract"], r["month"])] for r in silent)
    assert sum(r["coverage_pct"] for r in silent) < sum(coverage.values())


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
@pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated")
def test_spark_gives_the_same_contract_months(
    sample: dict[str, Any], tmp_path: Path, spark: Any
) -> None:
    interval = 4 * HOUR
    rows = _batch_rows(sample, tmp_path / "out", interval, engine="spark", session=spark)
    _compare(rows, _reports(sample, interval))
