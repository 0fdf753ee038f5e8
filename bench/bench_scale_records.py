"""The cost curve of the analytics batch's record stages: features, segments, leads, scoring,
CLV over a records database of 10 thousand to 1 million machines, on DuckDB and Spark local[2].

Each size is a migrated SQLite records database (the real schema, ``servitize.core.migrate``)
filled in bulk from seeded NumPy columns (one executemany a table, never the ORM row by row)
under ``var/bench_scale_records/n<machines>/`` and kept for the next run: one account per four
machines, three service events per machine over four years, six orders and two technician
visits per account, six catalogue offerings, an account owner and a technician per 2,000
machines, and a propensity model trained on it (``intelligence.scoring.train``) so that the
scoring stage has one to score with. Every run works on a fresh copy of that database, with
write-back on (segments and leads stored, audited), as of 2026-09-30.

The telemetry stages and ``contract_availability`` (which reads the compacted telemetry) are
measured by ``bench_scale``; here the telemetry folder is empty, so the features' consented
usage is empty (no consents are recorded either).

For every size and engine the stages run in a child process of its own, one ``run_batch``
call a stage, so its peak memory is its own: the resident set of the child and its JVM,
sampled every 50 ms with its CPU seconds (``bench_scale.Sampler``). Per stage: wall and CPU
seconds, peak MiB, rows in and out, rows/s, µs and CPU-µs per machine; the growth exponent of
CPU seconds between sizes (log of the ratio over log of the size ratio: 1 is linear, above
1.15 super-linear) and Spark over DuckDB at each size. The machine may be shared: CPU seconds
are the figure to compare, and the load averages are recorded.

small: 2,000 machines; full: 10 k and 100 k, and 1 M with SERVITIZE_BENCH_SCALE_RECORDS_1M=1.
SERVITIZE_BENCH_SCALE_RECORDS_SIZES=100000 measures chosen sizes,
SERVITIZE_BENCH_SCALE_RECORDS_ENGINES=duckdb one engine; SERVITIZE_BENCH_SCALE_RECORDS_REUSE=1
takes the runs an earlier call kept (``runs/<engine>/n<machines>/result.json``, the time they
were measured said) instead of measuring them again. A run predicted (its stages linear in
machines from the size before, its set-up the same) to take more than
SERVITIZE_BENCH_SCALE_RECORDS_BUDGET_S seconds (default 900) is left out and said so.

The child: ``python -m bench.bench_scale_records child ENGINE DATABASE OUT`` prints one JSON line.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bench import child as child_process

HERE = Path(__file__).parent
ROOT = HERE.parent
SCRATCH = Path(
    os.environ.get("SERVITIZE_BENCH_SCALE_RECORDS_DIR", ROOT / "var" / "bench_scale_records")
)
SIZES = {"small": [2_000], "full": [10_000, 100_000]}
MILLION = 1_000_000
ENGINES = ("duckdb", "spark")
STAGES = ("features", "segments", "leads", "scoring", "clv")
AS_OF = date(2026, 9, 30)
SEED = 20261201
LINEAR_SLACK = 1.15  # an exponent above this between two sizes is super-linear growth
GENERATOR = 1  # bump when the data below changes, so kept databases are made again

MACHINES_PER_ACCOUNT = 4
EVENTS_PER_MACHINE = 3
ORDERS_PER_ACCOUNT = 6
VISITS_PER_ACCOUNT = 2
MACHINES_PER_TECHNICIAN = 2_000
TERRITORIES = 20
STAMP = "2026-01-01 00:00:00.000000"
OFFERINGS = (  # external id, name, family, shell, revenue model, list price (cents), unit
    ("S-PARTS", "Spare parts kit", "spare_parts", "spare_parts", "one_time", 380_00, "piece"),
    (
        "S-PM",
        "Preventive maintenance",
        "maintenance_contract",
        "service",
        "subscription",
        1_400_00,
        "year",
    ),
    (
        "D-CM",
        "Condition monitoring",
        "condition_monitoring",
        "digital_service",
        "subscription",
        45_00,
        "month",
    ),
    ("S-REP", "Repair", "repair", "service", "per_service", 900_00, "visit"),
    ("M-NEW", "New machine", "machines", "product", "one_time", 40_000_00, "piece"),
    ("R-KIT", "Sensor retrofit", "retrofit", "expanded_range", "one_time", 2_500_00, "piece"),
)


# ---------------------------------------------------------------- the records database


def _days(rng: np.random.Generator, start: str, span: int, size: int) -> list[str]:
    """``size`` ISO days from ``start`` to ``span`` days later (SQLite stores dates as text)."""
    base = np.datetime64(start, "D")
    return list((base + rng.integers(0, span, size)).astype(str))


def _pick(rng: np.random.Generator, choices: Sequence[str], size: int) -> list[str]:
    return list(np.asarray(choices)[rng.integers(0, len(choices), size)])


def _insert(db: sqlite3.Connection, table: str, columns: dict[str, Iterable[Any]]) -> int:
    """One executemany of equally long columns; the rows inserted."""
    names = list(columns)
    values = [c if isinstance(c, list) else list(c) for c in columns.values()]
    marks = ", ".join("?" for _ in names)
    quoted = ", ".join(f'"{n}"' for n in names)
    db.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', zip(*values, strict=True))
    return len(values[0])


def _stamps(n: int) -> dict[str, list[str]]:
    return {"created_at": [STAMP] * n, "updated_at": [STAMP] * n}


def fill(path: Path, machines: int, seed: int = SEED) -> dict[str, int]:
    """Fill the migrated, empty SQLite database at ``path``; rows per table."""
    rng = np.random.default_rng(seed)
    accounts = max(machines // MACHINES_PER_ACCOUNT, 1)
    techs = max(machines // MACHINES_PER_TECHNICIAN, 2)
    territories = [f"t{k}" for k in range(TERRITORIES)]
    rows: dict[str, int] = {}
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        users = techs + 1
        ids = range(1, users + 1)
        rows["user"] = _insert(
            db,
            "user",
            {
                "id": ids,
                "username": [f"u{i}" for i in ids],
                "full_name": [f"User {i}" for i in ids],
                "role": ["account_owner"] + ["technician"] * techs,
                "territory": [None] + [territories[i % TERRITORIES] for i in range(techs)],
                "active": [1] * users,
                **_stamps(users),
            },
        )
        ids = range(1, accounts + 1)
        rows["account"] = _insert(
            db,
            "account",
            {
                "id": ids,
                "external_id": [f"A{i}" for i in ids],
                "name": [f"Customer {i}" for i in ids],
                "kind": ["customer"] * accounts,
                "currency": ["EUR"] * accounts,
                "country": _pick(rng, ["DE", "SE", "US", "BR", "IN"], accounts),
                "territory": _pick(rng, territories, accounts),
                "industry": _pick(rng, ["food", "chemicals", "mining", "paper"], accounts),
                "ownership_type": _pick(rng, ["family", "listed", "investor", "public"], accounts),
                "owner_id": [1] * accounts,
                **{
                    k: rng.integers(1, 6, accounts).tolist()
                    for k in (
                        "volume",
                        "profitability_potential",
                        "technical_risk",
                        "country_risk",
                        "relationship_quality",
                    )
                },
                **_stamps(accounts),
            },
        )
        ids = range(1, machines + 1)
        owner = rng.integers(1, accounts + 1, machines)
        coverage = _pick(
            rng, ["none", "none", "none", "inspection", "maintenance", "full_service"], machines
        )
        contract_end = _days(rng, "2025-06-01", 900, machines)
        rows["asset"] = _insert(
            db,
            "asset",
            {
                "id": ids,
                "external_id": [f"E{i}" for i in ids],
                "account_id": owner.tolist(),
                "serial": [f"SN{i}" for i in ids],
                "model": [f"PX-{i % 30}" for i in ids],
                "product_line": _pick(rng, ["pumps", "compressors", "fillers"], machines),
                "origin": _pick(rng, ["own"] * 6 + ["competitor"], machines),
                "install_date": _days(rng, "1996-01-01", 11_000, machines),
                "connectivity": _pick(rng, ["none", "legacy", "current"], machines),
                "warranty_end": _days(rng, "2024-01-01", 1_400, machines),
                "coverage": coverage,
                "contract_end": [
                    None if c == "none" else e for c, e in zip(coverage, contract_end, strict=True)
                ],
                "version": [1] * machines,
                **_stamps(machines),
            },
        )
        events = machines * EVENTS_PER_MACHINE
        ids = range(1, events + 1)
        asset = rng.integers(1, machines + 1, events)
        rows["service_event"] = _insert(
            db,
            "service_event",
            {
                "id": ids,
                "external_id": [f"W{i}" for i in ids],
                "asset_id": asset.tolist(),
                "account_id": owner[asset - 1].tolist(),
                "day": _days(rng, "2022-10-01", 1_460, events),
                "kind": _pick(
                    rng, ["repair", "repair", "maintenance", "inspection", "visit"], events
                ),
                "component": _pick(rng, ["seal", "bearing", "motor", "valve", "filter"], events),
                "parts_cost_cents": rng.integers(0, 100_000, events).tolist(),
                "currency": ["EUR"] * events,
                "labour_hours": (rng.integers(0, 80, events) / 10).tolist(),
                "downtime_hours": (rng.integers(0, 200, events) / 10).tolist(),
                **_stamps(events),
            },
        )
        offerings = len(OFFERINGS)
        columns = list(zip(*OFFERINGS, strict=True))
        rows["offering"] = _insert(
            db,
            "offering",
            {
                "id": range(1, offerings + 1),
                "external_id": columns[0],
                "name": columns[1],
                "family": columns[2],
                "shell": columns[3],
                "revenue_model": columns[4],
                "list_price_cents": columns[5],
                "unit": columns[6],
                "currency": ["EUR"] * offerings,
                "sign_up_eligible": [0] * offerings,
                **_stamps(offerings),
            },
        )
        orders = accounts * ORDERS_PER_ACCOUNT
        ids = range(1, orders + 1)
        offering = rng.integers(1, offerings + 1, orders)
        price = np.asarray(columns[5])[offering - 1]
        rows["order"] = _insert(
            db,
            "order",
            {
                "id": ids,
                "external_id": [f"O{i}" for i in ids],
                "account_id": rng.integers(1, accounts + 1, orders).tolist(),
                "offering_id": offering.tolist(),
                "day": _days(rng, "2022-10-01", 1_460, orders),
                "quantity": [1.0] * orders,
                "amount_cents": (price * rng.uniform(0.8, 1.2, orders)).astype(np.int64).tolist(),
                "currency": ["EUR"] * orders,
                "channel": _pick(rng, ["sales_rep", "technician", "renewal", "web"], orders),
                **_stamps(orders),
            },
        )
        visits = accounts * VISITS_PER_ACCOUNT
        ids = range(1, visits + 1)
        rows["visit"] = _insert(
            db,
            "visit",
            {
                "id": ids,
                "external_id": [f"V{i}" for i in ids],
                "technician_id": rng.integers(2, techs + 2, visits).tolist(),
                "account_id": rng.integers(1, accounts + 1, visits).tolist(),
                "day": _days(rng, "2024-10-01", 730, visits),
                "job_type": _pick(rng, ["maintenance", "repair", "inspection"], visits),
                **_stamps(visits),
            },
        )
        db.commit()
        db.execute("ANALYZE")
    finally:
        db.close()
    return rows


def _train(path: Path) -> str:
    """A propensity model trained on the database (what the scoring stage scores with)."""
    from servitize.core.db import make_engine, session_factory, session_scope
    from servitize.core.settings import Settings
    from servitize.intelligence import scoring

    engine = make_engine(f"sqlite:///{path}")
    try:
        with session_scope(session_factory(engine)) as session:
            run, _ = scoring.train(
                session, path.parent / "models", Settings().intelligence, AS_OF, today=AS_OF
            )
            return run.version
    finally:
        engine.dispose()


def generate(folder: Path, machines: int) -> dict[str, Any]:
    """The records database of a size (made once, kept with its spec); what it holds."""
    spec_file, db = folder / "spec.json", folder / "records.sqlite"
    want = {"machines": machines, "seed": SEED, "generator": GENERATOR}
    if spec_file.exists() and db.exists():
        spec = json.loads(spec_file.read_text())
        if spec.get("want") == want:
            return {**spec, "cached": True}
    from servitize.core import migrate

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    began = time.perf_counter()
    migrate.upgrade(f"sqlite:///{db}")
    migrated = time.perf_counter()
    rows = fill(db, machines)
    filled = time.perf_counter()
    try:
        model: str | None = _train(db)
        model_error = None
    except Exception as exc:  # the scoring stage then scores nothing: said in the results
        model, model_error = None, f"{type(exc).__name__}: {str(exc)[:200]}"
    spec = {
        "want": want,
        "rows": rows,
        "bytes": db.stat().st_size,
        "migrate_s": round(migrated - began, 2),
        "fill_s": round(filled - migrated, 2),
        "train_s": round(time.perf_counter() - filled, 2),
        "model": model,
        "model_error": model_error,
    }
    spec_file.write_text(json.dumps(spec, indent=2) + "\n")
    return {**spec, "cached": False}


# ---------------------------------------------------------------- the child: one engine, one size


def child(engine: str, database: Path, out: Path) -> dict[str, Any]:
    """Run each record stage (one ``run_batch`` call a stage) on ``engine``; their figures."""
    from bench.bench_scale import Sampler
    from servitize.batch import run_batch

    names = os.environ.get("SERVITIZE_BENCH_SCALE_RECORDS_STAGES", ",".join(STAGES)).split(",")
    telemetry = out / "telemetry"  # empty: no consented usage (bench_scale measures telemetry)
    telemetry.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{database}"
    results: list[tuple[Any, float]] = []
    failed = None
    with Sampler() as mem:
        began = time.perf_counter()
        session = None
        if engine == "spark":  # one Spark session for all stages, its start-up the set-up
            from servitize.batch.engines import spark_session

            session = spark_session("local[2]")
        for name in names:
            try:
                for r in run_batch(
                    engine,
                    telemetry,
                    out / "batch",
                    master="local[2]" if engine == "spark" else None,
                    stages=[name],
                    write_back=True,
                    progress=False,
                    database_url=url,
                    session=session,
                    as_of=AS_OF,
                ):
                    results.append((r, time.perf_counter()))
            except Exception as exc:  # the run goes on record with what it measured
                failed = f"{name}: {type(exc).__name__}: {str(exc)[:300]}"
                break
        total = time.perf_counter() - began
    stages = []
    for r, end in results:
        stages.append(
            {
                "name": r.name,
                "rows_in": r.rows_in,
                "rows_out": r.rows_out,
                "seconds": r.seconds,
                "cpu_s": mem.cpu(end - r.seconds, end),
                "peak_bytes": mem.peak(end - r.seconds, end),
            }
        )
    setup_end = results[0][1] - results[0][0].seconds if results else began + total
    stages.insert(
        0,
        {
            "name": "setup",
            "rows_in": 0,
            "rows_out": 0,
            "seconds": total - sum(r.seconds for r, _ in results),
            "cpu_s": mem.cpu(began, began + total) - sum(s["cpu_s"] for s in stages),
            "peak_bytes": mem.peak(began, setup_end),
        },
    )
    return {
        "failed": failed,
        "total_s": total,
        "cpu_s": mem.cpu(began, began + total),
        "peak_bytes": max((r for _, r, _ in mem.samples), default=0),
        "stages": stages,
    }


# ---------------------------------------------------------------- the parent: sizes x engines


def _measure(engine: str, pristine: Path, out: Path, timeout: float) -> dict[str, Any]:
    """Run the child on a fresh copy of the size's database; its result, with the child's own
    rusage (``wait4``) and the load averages before and after."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    database = out / "records.sqlite"
    shutil.copyfile(pristine, database)
    load_before = [round(x, 2) for x in os.getloadavg()]
    result = child_process.run(
        ["bench.bench_scale_records", "child", engine, str(database), str(out)], timeout
    )
    if "error" in result:
        return result
    result["load_average"] = {
        "before": load_before,
        "after": [round(x, 2) for x in os.getloadavg()],
    }
    result["at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return result


def _exponent(t1: float, t2: float, n1: float, n2: float) -> float | None:
    if t1 <= 0 or t2 <= 0:
        return None
    return round(math.log(t2 / t1) / math.log(n2 / n1), 3)


def _stage_rows(result: dict[str, Any], machines: int) -> dict[str, dict[str, Any]]:
    out = {}
    for s in result["stages"]:
        seconds = s["seconds"]
        out[s["name"]] = {
            "seconds": round(seconds, 3),
            "cpu_s": round(s["cpu_s"], 2),
            "peak_mib": round(s["peak_bytes"] / 2**20, 1),
            "rows_in": s["rows_in"],
            "rows_out": s["rows_out"],
            "rows_per_s": round(s["rows_in"] / seconds) if seconds > 0 else None,
            "us_per_machine": round(seconds / machines * 1e6, 2),
            "cpu_us_per_machine": round(s["cpu_s"] / machines * 1e6, 2),
        }
    return out


def _plan(
    engine: str, n: int, last: dict[str, tuple[int, float, float]], budget: float, reuse: bool
) -> str:
    """ "measure", "reuse" (a kept run), or why the run is left out."""
    if reuse and (SCRATCH / "runs" / engine / f"n{n}" / "result.json").exists():
        return "reuse"
    if engine == "spark":
        import importlib.util

        if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
            return "left out: Spark cannot start here (PySpark or Java missing)"
    if engine in last:
        size, seconds, setup = last[engine]
        if math.isinf(seconds):
            return f"left out: {size:,} machines did not finish"
        # the set-up (imports, the Spark start) is the same at every size; the stages grow
        predicted = setup + (seconds - setup) * n / size
        if predicted > budget:
            return (
                f"left out: predicted {predicted:,.0f} s (the stages linear from {size:,} "
                f"machines, {seconds:,.0f} s) > budget {budget:,.0f} s "
                "(SERVITIZE_BENCH_SCALE_RECORDS_BUDGET_S)"
            )
    return "measure"


def run(scale: str) -> dict[str, object]:
    """Generate each size (or reuse it), run the record stages on both engines, and compare."""
    sizes = list(SIZES[scale])
    if os.environ.get("SERVITIZE_BENCH_SCALE_RECORDS_SIZES"):
        sizes = [int(x) for x in os.environ["SERVITIZE_BENCH_SCALE_RECORDS_SIZES"].split(",")]
    elif scale == "full" and os.environ.get("SERVITIZE_BENCH_SCALE_RECORDS_1M") == "1":
        sizes.append(MILLION)
    engines = [
        e
        for e in os.environ.get("SERVITIZE_BENCH_SCALE_RECORDS_ENGINES", ",".join(ENGINES)).split(
            ","
        )
        if e
    ]
    budget = float(os.environ.get("SERVITIZE_BENCH_SCALE_RECORDS_BUDGET_S", 900))
    reuse = os.environ.get("SERVITIZE_BENCH_SCALE_RECORDS_REUSE") == "1"
    runs: dict[str, dict[str, Any]] = {}
    data: dict[str, Any] = {}
    last: dict[str, tuple[int, float, float]] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task("scale_records", total=len(sizes) * (1 + len(engines)))
        for n in sizes:
            folder = SCRATCH / f"n{n}"
            bar.update(task, description=f"{n:,} machines: records database")
            data[str(n)] = generate(folder, n)
            bar.advance(task)
            for engine in engines:
                bar.update(task, description=f"{n:,} machines: {engine}")
                plan = _plan(engine, n, last, budget, reuse)
                out = SCRATCH / "runs" / engine / f"n{n}"
                if plan == "reuse":
                    result = json.loads((out / "result.json").read_text())
                elif plan == "measure":
                    result = _measure(engine, folder / "records.sqlite", out, budget * 1.5)
                    (out / "result.json").write_text(json.dumps(result) + "\n")
                else:
                    result = {"skipped": plan}
                if "error" in result:
                    last[engine] = (n, math.inf, 0.0)
                elif "stages" in result:
                    setup = next(s["seconds"] for s in result["stages"] if s["name"] == "setup")
                    last[engine] = (n, result["total_s"], setup)
                runs[f"{engine}/{n}"] = result
                bar.advance(task)
    return _summary(sizes, engines, runs, data, budget)


def _summary(
    sizes: list[int],
    engines: list[str],
    runs: dict[str, dict[str, Any]],
    data: dict[str, Any],
    budget: float,
) -> dict[str, object]:
    curve: dict[str, dict[str, Any]] = {}
    for engine in engines:
        rows: dict[str, Any] = {}
        for n in sizes:
            r = runs[f"{engine}/{n}"]
            if "stages" not in r:
                rows[str(n)] = {k: v for k, v in r.items() if k in {"skipped", "error"}}
                continue
            rows[str(n)] = {
                "total_s": round(r["total_s"], 2),
                "cpu_s": round(r["cpu_s"], 2),
                "child_cpu_s": round(r["child_cpu_s"], 2),
                "peak_mib": round(r["peak_bytes"] / 2**20, 1),
                "children_maxrss_mib": round(r["children_maxrss_bytes"] / 2**20, 1),
                "load_average": r["load_average"],
                "failed": r.get("failed"),
                "measured_at": r.get("at"),
                "stages": _stage_rows(r, n),
            }
        curve[engine] = rows
    exponents: dict[str, dict[str, Any]] = {}
    super_linear = []
    for engine in engines:
        per: dict[str, Any] = {}
        done = [n for n in sizes if "stages" in curve[engine][str(n)]]
        for a, b in itertools.pairwise(done):
            sa, sb = curve[engine][str(a)]["stages"], curve[engine][str(b)]["stages"]
            span = f"{a}->{b}"
            per[span] = {}
            for name in STAGES:
                if name not in sa or name not in sb:
                    continue
                cpu = _exponent(sa[name]["cpu_s"], sb[name]["cpu_s"], a, b)
                wall = _exponent(sa[name]["seconds"], sb[name]["seconds"], a, b)
                per[span][name] = {"cpu": cpu, "wall": wall}
                if cpu is not None and cpu > LINEAR_SLACK:
                    super_linear.append(f"{engine} {name} {span}: CPU exponent {cpu}")
        exponents[engine] = per
    spark_over_duckdb: dict[str, dict[str, Any]] = {}
    if "spark" in curve and "duckdb" in curve:
        for n in sizes:
            d, s = curve["duckdb"][str(n)], curve["spark"][str(n)]
            if "stages" not in d or "stages" not in s:
                continue
            spark_over_duckdb[str(n)] = {
                name: {
                    "cpu": round(s["stages"][name]["cpu_s"] / d["stages"][name]["cpu_s"], 2)
                    if d["stages"][name]["cpu_s"] > 0
                    else None,
                    "wall": round(s["stages"][name]["seconds"] / d["stages"][name]["seconds"], 2)
                    if d["stages"][name]["seconds"] > 0
                    else None,
                }
                for name in STAGES
                if name in d["stages"] and name in s["stages"]
            }
    from bench.bench_scale import _versions

    return {
        "sizes": sizes,
        "engines": engines,
        "stages": list(STAGES),
        "as_of": AS_OF.isoformat(),
        "budget_s": budget,
        "data": data,
        "curve": curve,
        "exponents_cpu_and_wall": exponents,
        "super_linear": super_linear,
        "spark_over_duckdb": spark_over_duckdb,
        "versions": _versions(),
        "note": (
            "Record stages only (one run_batch call a stage, write-back to SQLite on, a fresh "
            "copy of the database a run); the telemetry stages and contract_availability are in "
            "bench_scale, and the telemetry folder here is empty (no consented usage). Each "
            "stage's figures include reading the records database into Arrow "
            "(records.load_records), which a whole-batch call does once for all its stages. The "
            "machine is shared and loaded (a long benchmark runs beside): CPU seconds of the "
            "child and its JVM are the figures to compare, wall seconds stretch with the load "
            "averages recorded per run. Exponent: log of the CPU (wall) ratio over log of the "
            f"size ratio, above {LINEAR_SLACK} super-linear."
        ),
    }


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "child":
        print(json.dumps(child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))))
    else:
        sys.exit("usage: python -m bench.bench_scale_records child ENGINE DATABASE OUT")
