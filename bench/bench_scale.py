"""The cost curve of the analytics batch: 10 thousand to 10 million machines, DuckDB and Spark.

Each size is a year of telemetry (``bench/scale_data.py``: status changes a few times a week,
one energy reading a day) generated once in chunks under ``var/bench_scale/`` and kept for the
next run. For every size and engine the batch (``servitize.batch.run_batch``) runs in a child
process of its own, so its peak memory is its own: the peak resident set of the child and its
JVM together (sampled every 50 ms, so per stage too) and the child's ``ru_maxrss`` from
``wait4``. Per stage: wall seconds, rows/s, seconds and bytes per machine, the growth exponent
between sizes (log of the time ratio over log of the size ratio: 1 is linear), and Spark's time
over DuckDB's at the same size (the reference, measured in the same run).

small: 10 k machines; full: 10 k, 100 k, 1 M; 10 M only with SERVITIZE_BENCH_SCALE_10M=1, a
year or the first SERVITIZE_BENCH_SCALE_10M_MONTHS months of it (the stages run a month at a
time on a local store, so a month's peak memory is the year's, and its time a twelfth; the
figures per machine are then per machine-year: the time over machines x months / 12).
SERVITIZE_BENCH_SCALE_MONTHS shortens the year for one engine or all at a size:
``spark/1000000:2,10000000:2`` runs Spark over two months at 1 M (DuckDB the whole year) and
both engines over two at 10 M; the curve compares per machine-year.
SERVITIZE_BENCH_SCALE_SIZES=100000 measures chosen sizes, SERVITIZE_BENCH_SCALE_ENGINES=duckdb
one engine; SERVITIZE_BENCH_SCALE_REUSE=1 takes the runs an earlier call kept (under
``var/bench_scale/runs/``, the time they were measured said) instead of measuring them again,
and on a fresh checkout the runs of the committed ``bench/results/scale.json`` (same engine,
size and months; marked ``from``), so that one size can be added to the curve without the
hours of measuring the others again.
A run predicted (from the size before, linearly) to exceed SERVITIZE_BENCH_SCALE_BUDGET_S
seconds (default 1800) is left out and said so. Writes ``bench/results/scale.svg`` beside the
JSON that ``python -m bench scale`` writes.

The child: ``python -m bench.bench_scale child ENGINE DATA OUT`` prints one JSON line.
``python -m bench.bench_scale availability [MACHINES ...]`` measures the availability stage
alone on DuckDB (100 k and 1 M by default, compacting first where needed) and writes
``bench/results/scale_availability_monthly.json``.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bench import child as child_process

HERE = Path(__file__).parent
ROOT = HERE.parent
SCRATCH = Path(os.environ.get("SERVITIZE_BENCH_SCALE_DIR", ROOT / "var" / "bench_scale"))
SIZES = {"small": [10_000], "full": [10_000, 100_000, 1_000_000]}
TEN_MILLION = 10_000_000
MONTHS = 12  # a year of telemetry (bench/scale_data.py); 10 M may take fewer
ENGINES = ("duckdb", "spark")
CORES = os.cpu_count() or 1
CLUSTER_CORES = (16, 64, 256)
# The stages over a machine-year of telemetry. The record stages (features, segments, leads,
# scoring, CLV) read the records database, which this generator does not fill yet; they are
# measured at scale by bench_intelligence (1 M assets, 10 M service events) meanwhile.
STAGES = ("compaction", "availability", "billing_usage")
LINEAR_SLACK = 1.15  # an exponent above this between two sizes is super-linear growth


# ---------------------------------------------------------------- the child: one engine, one size


class Sampler:
    """Resident memory of this process and all its descendants (the JVM), every 50 ms."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.samples: list[tuple[float, int, float]] = []  # when, bytes resident, CPU seconds
        self.done = False
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _sample(self) -> tuple[float, int, float]:
        rss, cpu = 0, 0.0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                with p.oneshot():
                    rss += p.memory_info().rss
                    times = p.cpu_times()
                    cpu += times.user + times.system
            except psutil.Error:
                pass
        return time.perf_counter(), rss, cpu

    def _watch(self) -> None:
        while not self.done:
            self.samples.append(self._sample())
            time.sleep(0.05)

    def __enter__(self) -> Sampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done = True
        self.thread.join()
        self.samples.append(self._sample())

    def peak(self, start: float, end: float) -> int:
        """The highest sample between two moments (the nearest one when none fell inside)."""
        inside = [r for t, r, _ in self.samples if start <= t <= end]
        if inside:
            return max(inside)
        near = min(self.samples, key=lambda s: abs(s[0] - end), default=(0.0, 0, 0.0))
        return near[1]

    def cpu(self, start: float, end: float) -> float:
        """CPU seconds (user + system, the JVM included) spent between two moments."""

        def at(moment: float) -> float:
            before = [c for t, _, c in self.samples if t <= moment]
            return before[-1] if before else 0.0

        return max(at(end) - at(start), 0.0)


def child(engine: str, data: Path, out: Path) -> dict[str, Any]:
    """Run the whole batch once on ``engine``; stage times and memory as a dict."""
    from servitize.batch import run_batch

    database_url = _database(data)
    names = os.environ.get("SERVITIZE_BENCH_SCALE_STAGES", ",".join(STAGES)).split(",")
    results: list[Any] = []
    failed = None
    with Sampler() as mem:
        began = time.perf_counter()
        session = None
        if engine == "spark":  # one Spark session for all stages, its start-up the set-up
            from servitize.batch.engines import spark_session

            session = spark_session("local[2]")
        # one stage a call (same folders): a stage that fails keeps the times of those before
        for name in names:
            try:
                results += [
                    (r, time.perf_counter())
                    for r in run_batch(
                        engine,
                        data,
                        out,
                        master="local[2]" if engine == "spark" else None,
                        stages=[name],
                        write_back=database_url is not None,
                        progress=False,
                        database_url=database_url,
                        session=session,
                    )
                ]
            except Exception as exc:  # the run goes on record with what it measured
                failed = f"{name}: {type(exc).__name__}: {str(exc)[:300]}"
                break
        total = time.perf_counter() - began
    # each call's stage ran last in it: what the calls took beyond their stages is set-up
    setup = total - sum(r.seconds for r, _ in results)
    stages = [
        {
            "name": "setup",
            "rows_in": 0,
            "rows_out": 0,
            "seconds": setup,
            "cpu_s": mem.cpu(began, began + total)
            - sum(mem.cpu(end - r.seconds, end) for r, end in results),
            "peak_bytes": mem.peak(began, results[0][1] - results[0][0].seconds)
            if results
            else mem.peak(began, began + total),
        }
    ]
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
    return {
        "failed": failed,
        "total_s": total,
        "cpu_s": mem.cpu(began, began + total),
        "peak_bytes": max((r for _, r, _ in mem.samples), default=0),
        "stages": stages,
    }


def _database(data: Path) -> str | None:
    """The records database of a data folder, when the generator made one."""
    db = data / "records.sqlite"
    return f"sqlite:///{db}" if db.exists() else None


# ---------------------------------------------------------------- the parent: sizes x engines


def _spark_ready() -> str | None:
    """None when Spark can run here, else why not."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed (pip install 'servitize[spark]')"
    if shutil.which("java") is None:
        return "Java is not installed"
    return None


def _measure(
    engine: str, data: Path, out: Path, timeout: float, stages: str | None = None
) -> dict[str, Any]:
    """Run the child for one engine and size (``stages``: some only, comma-separated); its
    result with ``maxrss`` from wait4."""
    env = {"SERVITIZE_BENCH_SCALE_STAGES": stages} if stages else None
    load_before = os.getloadavg()[0]
    result = child_process.run(
        ["bench.bench_scale", "child", engine, str(data), str(out)], timeout, env
    )
    if "error" in result:
        return result
    # other work on this machine slows the wall clock: CPU seconds are the steadier measure
    result["load_average"] = [round(x, 2) for x in (load_before, os.getloadavg()[0])]
    return result


def _exponent(t1: float, t2: float, n1: float, n2: float) -> float | None:
    if t1 <= 0 or t2 <= 0:
        return None
    return round(math.log(t2 / t1) / math.log(n2 / n1), 3)


def _stage_rows(result: dict[str, Any], machines: int, years: float) -> dict[str, dict[str, Any]]:
    """Each stage's figures; time per machine-year (``years``), peak memory per machine."""
    out = {}
    chosen = {"setup", *os.environ.get("SERVITIZE_BENCH_SCALE_STAGES", ",".join(STAGES)).split(",")}
    for s in result["stages"]:
        if s["name"] not in chosen:
            continue
        seconds = s["seconds"]
        out[s["name"]] = {
            "seconds": round(seconds, 3),
            "rows_in": s["rows_in"],
            "rows_out": s["rows_out"],
            "rows_per_s": round(s["rows_in"] / seconds) if seconds > 0 else None,
            "us_per_machine": round(seconds / years * 1e6, 3),
            "cpu_s": round(s["cpu_s"], 2),
            "cpu_us_per_machine": round(s["cpu_s"] / years * 1e6, 3),
            "peak_mib": round(s["peak_bytes"] / 2**20, 1),
            "peak_bytes_per_machine": round(s["peak_bytes"] / machines, 1),
        }
    return out


def run(scale: str) -> dict[str, object]:
    """Generate each size (or reuse it), run the batch on both engines, and compare."""
    from bench.scale_data import generate

    sizes = list(SIZES[scale])
    if os.environ.get("SERVITIZE_BENCH_SCALE_SIZES"):  # e.g. "100000": one size by hand
        sizes = [int(x) for x in os.environ["SERVITIZE_BENCH_SCALE_SIZES"].split(",")]
    # reuse the runs of an earlier call (same data) instead of measuring them again
    reuse = os.environ.get("SERVITIZE_BENCH_SCALE_REUSE") == "1"
    if os.environ.get("SERVITIZE_BENCH_SCALE_10M") == "1":
        sizes.append(TEN_MILLION)
    budget = float(os.environ.get("SERVITIZE_BENCH_SCALE_BUDGET_S", 1800))
    engines = [
        e
        for e in os.environ.get("SERVITIZE_BENCH_SCALE_ENGINES", ",".join(ENGINES)).split(",")
        if e
    ]
    months = _months(engines, sizes)
    committed = _committed_runs()
    committed_data = (
        json.loads(COMMITTED.read_text()).get("data", {}) if reuse and COMMITTED.exists() else {}
    )
    spark_missing = _spark_ready()
    runs: dict[str, dict[str, Any]] = {}
    data_info: dict[str, Any] = {}
    last: dict[str, tuple[int, float]] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task("scale", total=len(sizes) * (1 + len(engines)))
        for n in sizes:
            plan = {
                e: _plan(e, n, months, last, budget, spark_missing, reuse, committed)
                for e in engines
            }
            spans = sorted({months[e, n] for e in engines}, reverse=True)
            for m in spans:
                data = _data_dir(n, m)
                wanted = any(p == "measure" for e, p in plan.items() if months[e, n] == m)
                if wanted or (data / "spec.json").exists():
                    bar.update(task, description=f"{n:,} machines: data")
                    info = generate(data, n, months=m, progress=False)
                    data_info[_span_key(n, m)] = {
                        "months": m,
                        "status_rows": info["rows"]["status"],
                        "measure_rows": info["rows"]["measure"],
                        "bytes_on_disk": info["bytes"],
                        "generate_s": info["seconds"],
                        "reused": info["cached"],
                    }
                elif _span_key(n, m) in committed_data:  # as the committed curve had it
                    data_info[_span_key(n, m)] = committed_data[_span_key(n, m)]
                else:
                    data_info[_span_key(n, m)] = {
                        "months": m,
                        "generated": False,
                        "why": "no engine ran at this size",
                    }
            bar.advance(task)
            for engine in engines:
                bar.update(task, description=f"{n:,} machines: {engine}")
                m = months[engine, n]
                key, saved = f"{engine}/{n}", SCRATCH / "runs" / _run_name(engine, n, m)
                if plan[engine] == "reuse":
                    result = json.loads(saved.read_text())
                elif plan[engine] == "committed":
                    result = committed[engine, n, m]
                elif plan[engine] == "measure":
                    out = SCRATCH / "out" / engine / f"n{n}"
                    result = _measure(engine, _data_dir(n, m), out, timeout=budget * 1.5)
                    result["at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                    if "error" not in result:
                        saved.parent.mkdir(parents=True, exist_ok=True)
                        saved.write_text(json.dumps(result) + "\n")
                else:
                    result = {"skipped": plan[engine]}
                runs[key] = result
                if "error" in result:
                    last[engine] = (n, math.inf)
                elif "skipped" not in result:
                    last[engine] = (n, result["total_s"])
                result["months"] = m
                bar.advance(task)
    return _summary(sizes, engines, runs, data_info, budget)


def _months(engines: list[str], sizes: list[int]) -> dict[tuple[str, int], int]:
    """The months each engine runs at each size: a year unless SERVITIZE_BENCH_SCALE_MONTHS
    (``[engine/]size:months,...``) or SERVITIZE_BENCH_SCALE_10M_MONTHS shortens it."""
    out = {(e, n): MONTHS for e in engines for n in sizes}
    if os.environ.get("SERVITIZE_BENCH_SCALE_10M_MONTHS"):
        for e in engines:
            out[e, TEN_MILLION] = int(os.environ["SERVITIZE_BENCH_SCALE_10M_MONTHS"])
    for item in filter(None, os.environ.get("SERVITIZE_BENCH_SCALE_MONTHS", "").split(",")):
        where, _, m = item.partition(":")
        engine, _, size = where.rpartition("/")
        for e in [engine] if engine else engines:
            out[e, int(size)] = int(m)
    bad = [f"{e}/{n}:{m}" for (e, n), m in out.items() if not 1 <= m <= MONTHS]
    if bad:
        raise SystemExit(f"months must be 1 to {MONTHS}: {', '.join(bad)}")
    return out


def _data_dir(n: int, months: int) -> Path:
    return SCRATCH / (f"n{n}" if months == MONTHS else f"n{n}-m{months}")


def _span_key(n: int, months: int) -> str:
    """A size's data in the summary: the size for a year, else size-mMONTHS."""
    return str(n) if months == MONTHS else f"{n}-m{months}"


def _run_name(engine: str, n: int, months: int) -> str:
    return f"{engine}-n{n}.json" if months == MONTHS else f"{engine}-n{n}-m{months}.json"


COMMITTED = HERE / "results" / "scale.json"


def _committed_runs() -> dict[tuple[str, int, int], dict[str, Any]]:
    """The runs of the committed curve as the child reported them (to the rounding the curve
    kept), keyed by engine, size and months; the file is read before this call overwrites it."""
    if not COMMITTED.exists():
        return {}
    curve = json.loads(COMMITTED.read_text()).get("curve", {})
    out: dict[tuple[str, int, int], dict[str, Any]] = {}
    for engine, rows in curve.items():
        for size, row in rows.items():
            if "total_s" not in row or row.get("failed"):
                continue
            n = int(size)
            months = round(row["machine_years"] * MONTHS / n)
            out[engine, n, months] = {
                "from": COMMITTED.relative_to(ROOT).as_posix(),
                "at": row["measured_at"],
                "failed": None,
                "total_s": row["total_s"],
                "process_s": row["process_s"],
                "cpu_s": row["cpu_s"],
                "child_cpu_s": row["child_cpu_s"],
                "load_average": row["load_average"],
                "peak_bytes": row["peak_mib"] * 2**20,
                "children_maxrss_bytes": row["maxrss_mib"] * 2**20,
                "stages": [
                    {
                        "name": name,
                        "rows_in": st["rows_in"],
                        "rows_out": st["rows_out"],
                        "seconds": st["seconds"],
                        "cpu_s": st["cpu_s"],
                        "peak_bytes": st["peak_mib"] * 2**20,
                    }
                    for name, st in row["stages"].items()
                ],
            }
    return out


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("duckdb", "ibis-framework", "pyspark", "pyarrow"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _plan(
    engine: str,
    n: int,
    months: dict[tuple[str, int], int],
    last: dict[str, tuple[int, float]],
    budget: float,
    spark_missing: str | None,
    reuse: bool,
    committed: dict[tuple[str, int, int], dict[str, Any]],
) -> str:
    """ "measure", "reuse" (a kept run), "committed" (a run of the committed curve), or why
    the run is left out."""
    if engine == "spark" and spark_missing:
        return spark_missing
    if reuse and (SCRATCH / "runs" / _run_name(engine, n, months[engine, n])).exists():
        return "reuse"
    if reuse and (engine, n, months[engine, n]) in committed:
        return "committed"
    if engine in last:
        size, seconds = last[engine]
        if math.isinf(seconds):
            return f"left out: {size:,} machines did not finish"
        predicted = seconds * (n * months[engine, n]) / (size * months[engine, size])
        if predicted > budget:
            return (
                f"left out: predicted {predicted:,.0f} s wall (linear in machine-months from "
                f"{size:,} machines, "
                f"{seconds:,.0f} s) > budget {budget:,.0f} s (SERVITIZE_BENCH_SCALE_BUDGET_S)"
            )
    return "measure"


def _summary(
    sizes: list[int],
    engines: list[str],
    runs: dict[str, dict[str, Any]],
    data_info: dict[str, Any],
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
            # machine-years: the figures "per machine" are per machine-year
            per = n * r["months"] / MONTHS
            rows[str(n)] = {
                "machine_years": per,
                "months": r["months"],
                "total_s": round(r["total_s"], 2),
                "process_s": round(r["process_s"], 2),
                "us_per_machine": round(r["total_s"] / per * 1e6, 2),
                "cpu_s": round(r["cpu_s"], 2),
                "child_cpu_s": round(r["child_cpu_s"], 2),
                "cpu_us_per_machine": round(r["cpu_s"] / per * 1e6, 2),
                "load_average": r["load_average"],
                "failed": r.get("failed"),
                "measured_at": r.get("at"),
                **({"from": r["from"]} if "from" in r else {}),
                "peak_mib": round(r["peak_bytes"] / 2**20, 1),
                "peak_bytes_per_machine": round(r["peak_bytes"] / n, 1),
                "maxrss_mib": round(r["children_maxrss_bytes"] / 2**20, 1),
                "stages": _stage_rows(r, n, per),
            }
        curve[engine] = rows
    growth = _growth(sizes, curve)
    versus = _versus(sizes, curve)
    out: dict[str, object] = {
        "sizes": sizes,
        "stages": os.environ.get("SERVITIZE_BENCH_SCALE_STAGES", ",".join(STAGES)).split(","),
        "data": data_info,
        "curve": curve,
        "growth_exponents": growth,
        "super_linear": _super_linear(growth),
        "spark_over_duckdb": versus,
        # the first size where Spark local's wall time is below DuckDB's (None: none measured)
        "spark_beats_duckdb_at": next(
            (n for n in sizes if (versus.get(str(n)) or {}).get("total", math.inf) < 1), None
        ),
        "cluster": _cluster(sizes, curve),
        "ten_million": _ten_million(sizes, curve, data_info),
        "budget_s": budget,
        "versions": _versions(),
        "note": (
            "wall seconds include waiting for the CPU when other work shares this machine "
            "(each run's load_average: before, after); CPU seconds (user + system of the child "
            "and its JVM) are the steadier measure of cost and the exponents are given for both"
        ),
    }
    _svg(sizes, curve, HERE / "results" / "scale.svg")
    return out


def _measured(curve: dict[str, Any], engine: str, sizes: list[int]) -> list[int]:
    return [n for n in sizes if "total_s" in curve.get(engine, {}).get(str(n), {})]


def _growth(sizes: list[int], curve: dict[str, Any]) -> dict[str, Any]:
    """Per engine and stage, the exponent between consecutive measured sizes of wall time and
    of CPU time (steadier when other work shares the machine) a month over machines, and of
    peak memory over machines (a month at a time: a shorter span holds as much at once).

    A month's time, not the run's: the stages run a month at a time, so a run's time is its
    months times a month's, and a size run over two months is compared with one run over twelve
    by what a month of its machines costs. (Over machine-years instead, 10 M machines' two
    months against 1 M machines' twelve are only 1.67 times the machine-years, and a month 12 %
    dearer per machine read as an exponent of 1.23.) With equal months it is the same as over
    machine-years."""
    out: dict[str, Any] = {}
    for engine, rows in curve.items():
        done = _measured(curve, engine, sizes)
        per: dict[str, Any] = {}
        for a, b in itertools.pairwise(done):
            ra, rb = rows[str(a)], rows[str(b)]
            ma, mb = ra.get("months", MONTHS), rb.get("months", MONTHS)
            wall = {"total": _exponent(ra["total_s"] / ma, rb["total_s"] / mb, a, b)}
            cpu = {"total": _exponent(ra["cpu_s"] / ma, rb["cpu_s"] / mb, a, b)}
            for stage, sb in rb["stages"].items():
                sa = ra["stages"].get(stage)
                if sa and stage != "setup":
                    wall[stage] = _exponent(sa["seconds"] / ma, sb["seconds"] / mb, a, b)
                    cpu[stage] = _exponent(sa["cpu_s"] / ma, sb["cpu_s"] / mb, a, b)
            per[f"{a}->{b}"] = {
                "wall": wall,
                "cpu": cpu,
                "peak_memory": _exponent(ra["peak_mib"], rb["peak_mib"], a, b),
            }
        out[engine] = per
    return out


def _super_linear(growth: dict[str, Any]) -> list[str]:
    """Stages whose wall or CPU time grew faster than the machines (beyond a little slack)."""
    found = []
    for engine, pairs in growth.items():
        for pair, measures in pairs.items():
            for measure in ("wall", "cpu"):
                for stage, b in measures[measure].items():
                    if b is not None and b > LINEAR_SLACK:
                        found.append(f"{engine} {stage} {pair} ({measure}): exponent {b}")
    return found


def _versus(sizes: list[int], curve: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in sizes:
        d, s = curve.get("duckdb", {}).get(str(n), {}), curve.get("spark", {}).get(str(n), {})
        if "total_s" not in d or "total_s" not in s:
            continue
        # per machine-year: the engines may have run over different months at one size
        row = {"total": round(s["us_per_machine"] / d["us_per_machine"], 2)}
        if d.get("cpu_s"):
            row["total_cpu"] = round(s["cpu_us_per_machine"] / d["cpu_us_per_machine"], 2)
        for stage, st in s["stages"].items():
            dt = d["stages"].get(stage)
            if dt and dt["seconds"] > 0:
                row[stage] = round(st["us_per_machine"] / dt["us_per_machine"], 2)
        out[str(n)] = row
    return out


def _cluster(sizes: list[int], curve: dict[str, Any]) -> dict[str, Any]:
    """Spark's measured throughput per core and what a cluster of more cores would do at it.

    Per core: machines per CPU second of the stages (set-up left out; CPU seconds, not wall,
    because other work on this machine stretches the wall clock). A cluster of ``c`` cores at
    that rate, perfectly parallel, is an upper bound: shuffles between machines, object storage
    and the driver's own work come on top.
    """
    done = _measured(curve, "spark", sizes)
    if not done:
        return {}
    n = done[-1]
    row = curve["spark"][str(n)]
    work = sum(v["cpu_s"] for k, v in row["stages"].items() if k != "setup")
    setup = row["stages"].get("setup", {}).get("seconds", 0.0)
    per_core = row["machine_years"] / work if work > 0 else None
    out: dict[str, Any] = {
        "measured_at": n,
        "local_cores": CORES,
        "spark_machines_per_cpu_s": round(per_core, 1) if per_core else None,
        "setup_s": setup,
    }
    if per_core:
        out["ten_million_machines_s_on_cores"] = {
            str(c): round(TEN_MILLION / (per_core * c) + setup, 1) for c in CLUSTER_CORES
        }
    d = curve.get("duckdb", {}).get(str(n), {})
    if "cpu_s" in d and d["cpu_s"] > 0:
        duck = d["machine_years"] / d["cpu_s"]
        out["duckdb_machines_per_cpu_s"] = round(duck, 1)
        if per_core:
            # DuckDB on this machine's cores against Spark on c cores at its measured rate
            out["spark_cores_to_match_duckdb_on_local_cores"] = math.ceil(duck * CORES / per_core)
    return out


def _ten_million(
    sizes: list[int], curve: dict[str, Any], data_info: dict[str, Any]
) -> dict[str, Any]:
    """Measured when asked for, else what it would take at the largest measured size's cost."""
    if TEN_MILLION in sizes:
        return {"measured": True}
    out: dict[str, Any] = {
        "measured": False,
        "how": "SERVITIZE_BENCH_SCALE_10M=1 python -m bench scale",
    }
    years = [k for k, v in data_info.items() if "bytes_on_disk" in v and k.isdigit()]
    biggest = max((int(k) for k in years), default=None)
    if biggest:
        f = TEN_MILLION / biggest
        info = data_info[str(biggest)]
        out["disk_gib"] = round(info["bytes_on_disk"] * f / 2**30, 1)
        out["generate_s"] = round(info["generate_s"] * f)
    for engine in curve:
        done = _measured(curve, engine, sizes)
        if done:
            n = done[-1]
            # a year of 10 M machines at the largest measured size's cost per machine-year
            out[f"{engine}_s"] = round(curve[engine][str(n)]["us_per_machine"] * TEN_MILLION / 1e6)
    return out


# ---------------------------------------------------------------- availability a month at a time

AVAILABILITY_SIZES = [100_000, 1_000_000]
# The same stage with all months in one expression (before it ran a month at a time), measured
# on this machine with this data by ``bench_scale child duckdb``: bench/results/
# scale_compaction_monthly.json ("later_stages_1m" and the 100 k reference under load).
SINGLE_PASS = {
    "100000": {"seconds": 508.8, "cpu_s": 148.2, "peak_mib": 1978.1, "under_load": True},
    "1000000": {"seconds": 692.4, "cpu_s": 1358.2, "peak_mib": 13088.8, "under_load": False},
}


def availability_monthly(sizes: list[int]) -> dict[str, Any]:
    """The availability stage on DuckDB, a month at a time, at each size (data generated or
    reused, compacted first when not yet), against the single-pass figures kept above."""
    from bench.scale_data import generate

    rows: dict[str, Any] = {}
    for n in sizes:
        data, out = SCRATCH / f"n{n}", SCRATCH / "out" / "duckdb" / f"n{n}"
        generate(data, n, progress=False)
        if not (out / "compact" / "status").exists():
            compacted = _measure("duckdb", data, out, timeout=7200, stages="compaction")
            if "error" in compacted:
                rows[str(n)] = {"error": f"compaction: {compacted['error']}"}
                continue
        r = _measure("duckdb", data, out, timeout=7200, stages="availability")
        if "error" in r:
            rows[str(n)] = {"error": r["error"]}
            continue
        stage = next(s for s in r["stages"] if s["name"] == "availability")
        row = {
            "rows_in": stage["rows_in"],
            "rows_out": stage["rows_out"],
            "seconds": round(stage["seconds"], 1),
            "cpu_s": round(stage["cpu_s"], 1),
            "peak_mib": round(stage["peak_bytes"] / 2**20, 1),
            "child_maxrss_mib": round(r["children_maxrss_bytes"] / 2**20, 1),
            "us_per_machine": round(stage["seconds"] / n * 1e6, 1),
            "cpu_us_per_machine": round(stage["cpu_s"] / n * 1e6, 1),
            "peak_bytes_per_machine": round(stage["peak_bytes"] / n),
            "load_average": r["load_average"],
        }
        before = SINGLE_PASS.get(str(n))
        if before:
            row["single_pass"] = before
            row["cpu_ratio_single_over_monthly"] = round(before["cpu_s"] / stage["cpu_s"], 2)
            row["peak_ratio_single_over_monthly"] = round(before["peak_mib"] / row["peak_mib"], 2)
        rows[str(n)] = row
    done = [n for n in sizes if "cpu_s" in rows[str(n)]]
    growth = {
        f"{a}->{b}": {
            "cpu": _exponent(rows[str(a)]["cpu_s"], rows[str(b)]["cpu_s"], a, b),
            "peak_memory": _exponent(rows[str(a)]["peak_mib"], rows[str(b)]["peak_mib"], a, b),
        }
        for a, b in itertools.pairwise(done)
    }
    # 10 M from the two largest sizes, at the growth measured between them (a fixed part of
    # the memory makes one size's bytes per machine overstate it)
    ten_million: dict[str, Any] = {"measured": False}
    if len(done) >= 2:
        a, b = done[-2], done[-1]
        scale = TEN_MILLION / b
        for key, unit in (("peak_mib", "peak_gib"), ("cpu_s", "cpu_s")):
            exp = _exponent(rows[str(a)][key], rows[str(b)][key], a, b)
            if exp is not None:
                value = rows[str(b)][key] * scale**exp
                ten_million[unit] = round(value / 1024 if unit == "peak_gib" else value, 1)
        ten_million["from"] = f"{a}->{b}"
    else:
        ten_million["why"] = "two sizes are needed to extrapolate"
    return {
        "name": "scale_availability_monthly",
        "engine": "duckdb",
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": CORES},
        "why": (
            "the availability stage writes a local output a month at a time, each month reading "
            "its own status and each machine's last event before it and first after it"
        ),
        "sizes": rows,
        "growth_exponents": growth,
        "ten_million": ten_million,
        "versions": _versions(),
        "note": (
            "other work shares this machine (load_average: before, after): wall seconds stretch "
            "with it; CPU seconds (the child's user + system) and peak resident memory (the "
            "child's, sampled every 50 ms during the stage) are the figures to compare"
        ),
    }


# ---------------------------------------------------------------- the picture, by hand


def _svg(sizes: list[int], curve: dict[str, Any], path: Path) -> None:
    """Log-log: seconds per year of telemetry against machines per engine (a size measured over
    fewer months scaled to a year: the stages run a month at a time), and a linear line through
    the first."""
    width, height, pad = 640, 420, 60

    def year(e: str, n: int, key: str) -> float:
        row = curve[e][str(n)]
        return float(row[key]) * n / row.get("machine_years", n)

    series = {e: [(n, year(e, n, "total_s")) for n in _measured(curve, e, sizes)] for e in curve}
    cpu = {e: [(n, year(e, n, "cpu_s")) for n in _measured(curve, e, sizes)] for e in curve}
    points = [p for s in [*series.values(), *cpu.values()] for p in s if p[1] > 0]
    if not points:
        return
    xs = [math.log10(n) for n in sizes]
    ys = [math.log10(t) for _, t in points]
    ys += [math.log10(pts[0][1] * sizes[-1] / pts[0][0]) for pts in series.values() if pts]
    x0, x1 = min(xs) - 0.2, max(max(xs) + 0.2, min(xs) + 1)
    y0, y1 = math.floor(min(ys) - 0.3), math.ceil(max(ys) + 0.3)

    def px(n: float) -> float:
        return pad + (math.log10(n) - x0) / (x1 - x0) * (width - 2 * pad)

    def py(t: float) -> float:
        return height - pad - (math.log10(t) - y0) / (y1 - y0) * (height - 2 * pad)

    colours = {"duckdb": "#c0392b", "spark": "#2c7fb8"}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">'
        f"Analytics batch: seconds by machines (a year of telemetry, {CORES} cores)</text>",
    ]
    for e in range(int(y0), int(y1) + 1):
        y = py(10**e)
        parts.append(
            f'<line x1="{pad}" x2="{width - pad}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        parts.append(f'<text x="{pad - 6}" y="{y + 4:.1f}" text-anchor="end">{10**e:g} s</text>')
    for n in sizes:
        x = px(n)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{pad}" y2="{height - pad}" stroke="#eee"/>'
        )
        label = f"{n / 1e6:g} M" if n >= 1e6 else f"{n / 1e3:g} k"
        parts.append(
            f'<text x="{x:.1f}" y="{height - pad + 16}" text-anchor="middle">{label}</text>'
        )
    for i, (engine, pts) in enumerate(series.items()):
        if not pts:
            continue
        colour = colours.get(engine, "#555")
        line = " ".join(f"{px(n):.1f},{py(t):.1f}" for n, t in pts)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for n, t in pts:
            parts.append(f'<circle cx="{px(n):.1f}" cy="{py(t):.1f}" r="3.5" fill="{colour}"/>')
        n0, t0 = pts[0]
        n9 = sizes[-1]
        parts.append(
            f'<line x1="{px(n0):.1f}" y1="{py(t0):.1f}" x2="{px(n9):.1f}" y2="{py(t0 * n9 / n0):.1f}" '
            f'stroke="{colour}" stroke-dasharray="4 4" stroke-opacity="0.6"/>'
        )
        dots = [(n, t) for n, t in cpu[engine] if t > 0]
        if dots:
            line = " ".join(f"{px(n):.1f},{py(t):.1f}" for n, t in dots)
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-dasharray="1 3"/>'
            )
            for n, t in dots:
                parts.append(
                    f'<circle cx="{px(n):.1f}" cy="{py(t):.1f}" r="3.5" fill="white" '
                    f'stroke="{colour}"/>'
                )
        y = pad + 16 * i
        parts.append(
            f'<line x1="{pad + 10}" x2="{pad + 34}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{pad + 40}" y="{y + 4}">{engine}: wall (filled), CPU seconds (hollow), linear from the first (dashed)</text>'
        )
    parts.append(
        f'<text x="{width / 2}" y="{height - 12}" text-anchor="middle">machines (log)</text></svg>'
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "child":
        result = child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        print(json.dumps(result))
    elif len(sys.argv) >= 2 and sys.argv[1] == "availability":
        chosen = [int(x) for x in sys.argv[2:]] or AVAILABILITY_SIZES
        summary = availability_monthly(chosen)
        target = HERE / "results" / "scale_availability_monthly.json"
        target.write_text(json.dumps(summary, indent=2) + "\n")
        print(json.dumps(summary, indent=2))
    else:
        sys.exit(
            "usage: python -m bench.bench_scale child ENGINE DATA OUT, "
            "python -m bench.bench_scale availability [MACHINES ...] "
            "(or: python -m bench scale)"
        )
