"""The contract report (page and PDF) over a window of months: all months at once vs month by month.

Two contracts in one PostgreSQL database and one telemetry folder: 3 machines × 6 months (the
report's default window) and 50 machines × 12 months on a two-shift calendar. Each machine sends
a status event every two hours, stops a few times a month (one stop crossing each month's end),
planned maintenance and excluded records, an energy reading every hour and now and then a
sequence gap. Measured through the ASGI app (in process, a Bearer token), the page and the PDF:

- ``all_months``: the report as served (``report.evaluate_months``: one expression over every
  month, one DuckDB connection), warm: the SQL of the contract's shape compiled by an earlier
  request (``report_periods.compiled``);
- ``all_months_cold``: the same with the compiled SQL dropped before each request (Ibis builds
  and compiles the expressions again, as the first request of a shape after a start does);
- ``month_by_month``: the old path, ``contracts.evaluate`` once per month
  (``report.evaluate_months_one_by_one``), swapped in for the reference in the same run;
- ``bare``: a bare FastAPI endpoint returning a page of the same size (the floor).

Both paths must give the same months (availability, hours, failures, band, money, evidence).
The machine is shared with other work: compare the ratios of one run (and the CPU seconds of
this process, which other processes' load distorts less than wall time).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.testclient import TestClient
from rich.progress import Progress

from bench.customers import ACTOR, consenting_customer, sequence_gaps
from bench.pg import fresh_database
from servitize.contracts import report as rp
from servitize.contracts import report_periods
from servitize.contracts import service as contracts
from servitize.contracts.models import AvailabilityContract
from servitize.core.db import make_engine, session_factory
from servitize.core.settings import Settings
from servitize.telemetry.downtime import add_downtime
from servitize.telemetry.store import SCHEMAS, TelemetryStore
from servitize.trust.models import User
from servitize.trust.service import issue_token
from servitize.web.app import create_app

LAST = "2026-10"  # the report's month
# (machines, months, calendar) of each contract; runs per measurement
CASES = {
    "small": [
        (3, 6, {"kind": "24/7"}),
        (10, 6, {"kind": "shifts", "start": "06:00", "end": "22:00"}),
    ],
    "full": [
        (3, 6, {"kind": "24/7"}),
        (50, 12, {"kind": "shifts", "start": "06:00", "end": "22:00"}),
    ],
}
RUNS = {"small": 3, "full": 3}
STEP = timedelta(hours=2)  # a status event every two hours
US = 1_000_000


@dataclass(frozen=True)
class Case:
    """One contract of the benchmark."""

    machines: int
    months: int
    contract_id: int
    serials: list[str]


def _us(moment: datetime) -> int:
    return int(moment.timestamp()) * US


def telemetry(store: TelemetryStore, serials: list[str], first: str, seed: int) -> int:
    """Status events, energy readings and sequence gaps from 4 months before ``first`` to
    5 days after ``LAST``; returns the number of rows written."""
    rng = np.random.default_rng(seed)
    start = rp.month_period(rp.shift_month(first, -4)).start
    end = rp.month_period(LAST).end + timedelta(days=5)
    received = _us(end)
    beats = np.arange(_us(start), _us(end), int(STEP.total_seconds()) * US)
    hours = np.arange(_us(start), _us(end), 3600 * US)
    status_parts, measure_parts, gap_parts = [], [], []
    months = rp.month_range(rp.shift_month(first, -4), LAST)
    for serial in serials:
        ts, state = [beats], [np.where(rng.random(len(beats)) < 0.2, "idle", "running")]
        for month in months:  # three stops a month, one across the month's end
            period = rp.month_period(month)
            base = _us(period.start)
            span = _us(period.end) - base
            for k in range(3):
                s = base + int(rng.integers(0, span - 10 * 3600 * US)) // US * US
                if k == 0:
                    s = _us(period.end) - int(rng.integers(1, 5)) * 3600 * US - 1800 * US
                length = int(rng.integers(1, 9)) * 3600 * US + 17 * 60 * US
                ts.append(np.array([s, s + length]))
                state.append(np.array(["down", "running"]))
            ts.append(np.array([base + 9 * 86400 * US + 7 * 3600 * US]))  # planned, 7 days in
            state.append(np.array(["planned_maintenance"]))
            g = base + int(rng.integers(0, span - 3600 * US)) // US * US
            gap_parts.append((serial, g, g + 47 * 60 * US, int(rng.integers(3, 30))))
        all_ts = np.concatenate(ts)
        status_parts.append(
            pa.table(
                {
                    "serial": pa.array([serial] * len(all_ts), pa.string()),
                    "ts": pa.array(all_ts, pa.int64()).cast(SCHEMAS["status"].field("ts").type),
                    "state": pa.array(np.concatenate(state).tolist(), pa.string()),
                    "reason": pa.nulls(len(all_ts), pa.string()),
                    "received_at": pa.array([received] * len(all_ts), pa.int64()).cast(
                        SCHEMAS["status"].field("ts").type
                    ),
                    "source": pa.array(["bench"] * len(all_ts), pa.string()),
                }
            )
        )
        measure_parts.append(
            pa.table(
                {
                    "serial": pa.array([serial] * len(hours), pa.string()),
                    "ts": pa.array(hours, pa.int64()).cast(SCHEMAS["measure"].field("ts").type),
                    "metric": pa.array(["energy_kwh"] * len(hours), pa.string()),
                    "value": pa.array(rng.uniform(5, 40, len(hours)).round(3), pa.float64()),
                    "unit": pa.array(["kWh"] * len(hours), pa.string()),
                    "received_at": pa.array([received] * len(hours), pa.int64()).cast(
                        SCHEMAS["measure"].field("ts").type
                    ),
                    "source": pa.array(["bench"] * len(hours), pa.string()),
                }
            )
        )
    gaps = sequence_gaps(gap_parts, received)
    status = pa.concat_tables(status_parts).cast(SCHEMAS["status"])
    measure = pa.concat_tables(measure_parts).cast(SCHEMAS["measure"])
    store.append(status, "status")
    store.append(measure, "measure")
    store.append(gaps, "gaps")
    return status.num_rows + measure.num_rows + gaps.num_rows


def build(url: str, store: TelemetryStore, scale: str) -> tuple[str, list[Case]]:
    """The records (admin, accounts, machines, agreements, contracts, downtime records) and the
    telemetry of every case; returns an API token of the admin and the cases."""
    engine = make_engine(url)
    factory = session_factory(engine)
    cases = []
    with factory() as session:
        admin = User(username="bench-admin", role="admin", full_name="Bench Admin")
        session.add(admin)
        session.flush()
        token = issue_token(session, admin)
        for n, (machines, months, calendar) in enumerate(CASES[scale]):
            first = rp.shift_month(LAST, 1 - months)
            account, assets = consenting_customer(
                session,
                f"BA-{n}",
                f"Bench customer {n}",
                [(f"BE-{n}-{i}", f"BS-{n}-{i:03d}") for i in range(machines)],
            )
            contract = contracts.create_contract(
                session,
                ACTOR,
                external_id=f"BAV-{n}",
                account_id=account.id,
                name=f"Availability {machines} machines",
                target_pct=99.6,
                fee_cents=machines * 1_000_00,
                penalty_pct_per_step=2,
                penalty_step_points=0.5,
                penalty_cap_pct=10,
                bonus_pct_per_step=1,
                bonus_step_points=0.5,
                bonus_cap_pct=3,
                calendar=calendar,
                min_coverage_pct=80.0,
                valid_from=rp.month_period(first).start,
            )
            for month in rp.month_range(first, LAST):
                start = rp.month_period(month).start
                for i, asset in enumerate(assets[: max(1, machines // 3)]):
                    add_downtime(
                        session,
                        ACTOR,
                        asset.id,
                        start + timedelta(days=14, hours=i % 5),
                        start + timedelta(days=14, hours=i % 5 + 3),
                        planned=True,
                        cause="inspection",
                    )
                add_downtime(
                    session,
                    ACTOR,
                    assets[-1].id,
                    start + timedelta(days=20),
                    start + timedelta(days=20, hours=2),
                    excluded=True,
                    cause="power cut on the customer's side",
                )
            serials = [a.serial or "" for a in assets]
            telemetry(store, serials, first, seed=n)
            cases.append(Case(machines, months, contract.id, serials))
        session.commit()
    for kind in ("status", "measure", "gaps"):
        for month in store.months(kind):
            store.compact(kind, month)
    engine.dispose()
    return token, cases


@contextmanager
def month_by_month() -> Iterator[None]:
    """The old path in place of the new one, for the reference."""
    new = rp.evaluate_months
    rp.evaluate_months = rp.evaluate_months_one_by_one  # type: ignore[assignment]
    try:
        yield
    finally:
        rp.evaluate_months = new  # type: ignore[assignment]


def timed(
    call: Callable[[], Response | object], runs: int, before: Callable[[], None] = lambda: None
) -> dict[str, float]:
    """Median and best of ``runs`` calls, in ms of wall time and of this process's CPU time
    (the caller has warmed up; ``before`` runs ahead of each call, untimed)."""
    samples, cpu = [], []
    for _ in range(runs):
        before()
        started, cpu_started = time.perf_counter(), time.process_time()
        call()
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return {
        "median_ms": round(statistics.median(samples) * 1000, 1),
        "best_ms": round(min(samples) * 1000, 1),
        "cpu_median_ms": round(statistics.median(cpu) * 1000, 1),
    }


def bare_app(size: int) -> FastAPI:
    """A bare FastAPI endpoint answering a page of ``size`` bytes."""
    page = "<html><body>" + "x" * max(size - 26, 0) + "</body></html>"
    app = FastAPI()

    @app.get("/page", response_class=HTMLResponse)
    def served() -> str:
        return page

    return app


def run(scale: str) -> dict:
    """Build the world, then time page and PDF both ways and the bare floor."""
    url = fresh_database("servitize_bench_contract_report")
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=url, data_dir=Path(tmp))
        store = TelemetryStore(settings.telemetry_dir)
        started = time.perf_counter()
        token, cases = build(url, store, scale)
        out["build_s"] = round(time.perf_counter() - started, 1)
        headers = {"authorization": f"Bearer {token}"}
        runs = RUNS[scale]
        with TestClient(create_app(settings)) as client, Progress() as progress:
            task = progress.add_task("contract report", total=len(cases) * 4)
            for case in cases:
                base = f"/contracts/{case.contract_id}/report?period={LAST}&months={case.months}"
                pdf = base.replace("/report?", "/report.pdf?")
                key = f"{case.machines}_machines_{case.months}_months"

                def page(path: str = base) -> Response:
                    answer = client.get(path, headers=headers | {"accept": "text/html"})
                    assert answer.status_code == 200, answer.text[:300]
                    return answer

                size = len(page().content)
                same = _same_months(url, store, case)
                page(pdf)
                new = {"page": timed(page, runs), "pdf": timed(lambda p=pdf: page(p), runs)}
                progress.advance(task)
                cold = {
                    "page": timed(page, runs, report_periods.forget_compiled),
                    "pdf": timed(lambda p=pdf: page(p), runs, report_periods.forget_compiled),
                }
                progress.advance(task)
                with month_by_month():
                    page()
                    old = {"page": timed(page, runs), "pdf": timed(lambda p=pdf: page(p), runs)}
                progress.advance(task)
                with TestClient(bare_app(size)) as bare_client:
                    bare_client.get("/page")
                    floor = timed(lambda c=bare_client: c.get("/page"), runs)
                progress.advance(task)
                out[key] = {
                    "machines": case.machines,
                    "months": case.months,
                    "page_bytes": size,
                    "all_months": new,
                    "all_months_cold": cold,
                    "month_by_month": old,
                    "bare_endpoint": floor,
                    "speedup_page": round(old["page"]["median_ms"] / new["page"]["median_ms"], 2),
                    "speedup_pdf": round(old["pdf"]["median_ms"] / new["pdf"]["median_ms"], 2),
                    "speedup_page_cold": round(
                        old["page"]["median_ms"] / cold["page"]["median_ms"], 2
                    ),
                    "speedup_pdf_cold": round(
                        old["pdf"]["median_ms"] / cold["pdf"]["median_ms"], 2
                    ),
                    "warm_to_cold_page": round(
                        new["page"]["median_ms"] / cold["page"]["median_ms"], 3
                    ),
                    "warm_to_cold_pdf": round(
                        new["pdf"]["median_ms"] / cold["pdf"]["median_ms"], 3
                    ),
                    "warm_to_cold_page_cpu": round(
                        new["page"]["cpu_median_ms"] / cold["page"]["cpu_median_ms"], 3
                    ),
                    "ratio_page_to_bare": round(floor["median_ms"] / new["page"]["median_ms"], 6),
                    "ratio_page_to_bare_month_by_month": round(
                        floor["median_ms"] / old["page"]["median_ms"], 6
                    ),
                    "numbers_identical": same,
                }
    return out


def _same_months(url: str, store: TelemetryStore, case: Case) -> bool:
    """Whether both paths give the same months and evidence for the case."""
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            contract = session.get(AvailabilityContract, case.contract_id)
            assert contract is not None
            window = rp.months_ending(LAST, case.months)
            new = rp.evaluate_months(session, store, contract, window)
            old = rp.evaluate_months_one_by_one(session, store, contract, window)
            session.rollback()
    finally:
        engine.dispose()
    return [(m, e and e.as_dict()) for m, e in new] == [(m, e and e.as_dict()) for m, e in old]
