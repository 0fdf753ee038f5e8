"""Customer lifetime value of 1,000,000 customers from 10,000,000 orders on DuckDB (issue 13).

Orders are drawn once from a BG/NBD process with Gamma-Gamma values (fixed seed, vectorised
numpy, written to Parquet in a temporary folder): customers arrive over 12 weeks, buy as a
Poisson process while active, drop out after a repeat purchase with their own probability, over
two years; the first year is the calibration period, the second the holdout.

Measured, in a child process so that its peak memory is its own:
1. DuckDB SQL over the Parquet files: one purchase per customer and day, then per customer
   x, t_x, T (weeks), the mean value of the repeat purchases and the holdout purchases;
   the (x, t_x, T) triples grouped with their counts for the fit;
2. ``bgnbd.fit`` on the groups and ``gamma_gamma.fit`` on the repeat buyers;
3. ``score.score``: expected purchases, P(alive), expected value and the CLV over 52 weeks in
   12 monthly steps discounted at 8 % a year, margin 30 %.

Reference in the same run: the same fitted parameters scored by a hand-written vectorised
numpy pass over the same arrays (the same closed forms, no checks, no dataclasses).

    ratio = time of score.score / time of the hand-written numpy pass

target: at most 1.5; fit + score (aggregation included) under 2 minutes and 4 GiB. Every
customer's CLV must equal the reference's (relative 1e-9).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from rich.progress import Progress
from scipy.special import hyp2f1

CUSTOMERS = {"small": 20_000, "full": 1_000_000}
CHUNK = 100_000
SEED = 20261130
# The process the orders are drawn from, in days (alpha per day: 12 days = 1.714 weeks).
TRUTH = {"r": 0.8, "alpha_days": 12.0, "a": 1.5, "b": 10.0, "p": 4.0, "q": 4.0, "gamma": 37.5}
ARRIVAL_DAYS = 84
WINDOW_DAYS = 730
CALIBRATION_END = 364  # days 0-364 calibrate, 365-729 are the holdout
HORIZON_WEEKS = 52.0
STEPS = 12
DISCOUNT = 1.08 ** (1 / 12) - 1
MARGIN = 0.3
ROOT = Path(__file__).resolve().parents[1]


def _chunk(rng: np.random.Generator, start: int, n: int) -> pa.Table:
    """Orders of customers start .. start+n-1: their first purchase and the repeats."""
    t = TRUTH
    first = rng.integers(0, ARRIVAL_DAYS, n)
    length = (WINDOW_DAYS - first).astype(np.float64)
    lam = rng.gamma(t["r"], 1 / t["alpha_days"], n)
    drop = rng.beta(t["a"], t["b"], n)
    # Without dropout N purchases fall in (0, L]; the customer drops out right after the J-th.
    bought = rng.poisson(lam * length)
    repeats = np.minimum(bought, rng.geometric(drop))
    # The first k of N ordered uniforms on (0, 1) are S_i / (S_k + G) with S the running sum of
    # k standard exponentials and G ~ gamma(N - k + 1): k draws instead of N.
    owner = np.repeat(np.arange(n), repeats)
    total = np.cumsum(rng.standard_exponential(int(repeats.sum())))
    ends = np.cumsum(repeats)
    before = np.concatenate(([0.0], total))[ends - repeats]
    running = total - np.repeat(before, repeats)
    last = np.concatenate(([0.0], total))[ends] - before
    scale = last + rng.gamma(bought - repeats + 1.0)
    share = running / np.repeat(scale, repeats)
    day = (first[owner] + np.floor(length[owner] * share)).astype(np.int32)
    nu = rng.gamma(t["q"], 1 / t["gamma"], n)
    customer = np.concatenate((np.arange(n), owner))
    value = rng.gamma(t["p"], 1 / nu[customer])
    return pa.table(
        {
            "customer_id": (customer + start).astype(np.int64),
            "day": np.concatenate((first.astype(np.int32), day)),
            "amount_cents": np.maximum(np.rint(value * 100), 1).astype(np.int64),
        }
    )


def generate(folder: Path, customers: int, progress: Progress) -> int:
    """Write the orders as Parquet files of CHUNK customers each; return how many orders."""
    rows = 0
    task = progress.add_task("orders drawn from BG/NBD (numpy → Parquet)", total=customers)
    for i, start in enumerate(range(0, customers, CHUNK)):
        n = min(CHUNK, customers - start)
        table = _chunk(np.random.default_rng([SEED, i]), start, n)
        pq.write_table(table, folder / f"orders_{i:03d}.parquet")
        rows += table.num_rows
        progress.advance(task, n)
    return rows


SUMMARY_SQL = """
CREATE TABLE customers AS
WITH days AS (
  SELECT customer_id, day, sum(amount_cents) AS cents
  FROM read_parquet('{folder}/orders_*.parquet') GROUP BY customer_id, day
)
SELECT customer_id,
  count(*) FILTER (WHERE day <= {cal}) - 1 AS x,
  max(day) FILTER (WHERE day <= {cal}) - min(day) AS recency_days,
  {cal} - min(day) AS age_days,
  CASE WHEN count(*) FILTER (WHERE day <= {cal}) > 1
    THEN (sum(cents) FILTER (WHERE day <= {cal}) - arg_min(cents, day))
         / (count(*) FILTER (WHERE day <= {cal}) - 1) / 100.0
    ELSE 0.0 END AS mean_value,
  count(*) FILTER (WHERE day > {cal}) AS holdout
FROM days GROUP BY customer_id HAVING min(day) <= {cal}
ORDER BY customer_id
"""
GROUPS_SQL = "SELECT x, recency_days, age_days, count(*) AS n FROM customers GROUP BY ALL"


def reference_score(
    bg: tuple[float, float, float, float],
    gg: tuple[float, float, float],
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    mean: np.ndarray,
) -> np.ndarray:
    """The CLV by hand: FHL 2005 eq. 10 (Pfaff-transformed), P(alive), FH 2013 eq. 5."""
    r, alpha, a, b = bg
    p, q, g = gg
    c = a + b + x - 1.0
    with np.errstate(over="ignore", divide="ignore"):
        odds = np.where(x > 0, a / np.maximum(b + x - 1.0, 1e-300), 0.0) * (
            (alpha + T) / (alpha + t_x)
        ) ** (r + x)
    head = c / (a - 1.0) / (1.0 + odds)
    discounted = np.zeros_like(x)
    previous = np.ones_like(x)
    for i in range(1, STEPS + 1):
        t = HORIZON_WEEKS * i / STEPS
        z = t / (alpha + T + t)
        tail = (1.0 - z) ** (a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
        discounted += (previous - tail) / (1.0 + DISCOUNT) ** i
        previous = tail
    value = p * (g + x * mean) / (p * x + q - 1.0)
    return MARGIN * value * head * discounted


def _child(folder: str, out: str) -> None:
    """The measured path; writes its timings, peak memory and checks to ``out``."""
    import duckdb

    from servitize.kpis.clv import bgnbd, gamma_gamma, holdout, score

    result: dict[str, object] = {}
    with Progress() as progress:
        task = progress.add_task("aggregate · fit · score", total=5)
        started = time.perf_counter()
        con = duckdb.connect()
        con.execute("SET memory_limit = '3GB'")
        con.execute(SUMMARY_SQL.format(folder=folder, cal=CALIBRATION_END))
        cols = con.execute(
            "SELECT x, recency_days, age_days, mean_value, holdout FROM customers"
        ).fetchnumpy()
        groups = con.execute(GROUPS_SQL).fetchnumpy()
        con.close()
        x = np.asarray(cols["x"], dtype=np.float64)
        t_x = np.asarray(cols["recency_days"], dtype=np.float64) / 7.0
        T = np.asarray(cols["age_days"], dtype=np.float64) / 7.0
        mean = np.asarray(cols["mean_value"], dtype=np.float64)
        aggregated = time.perf_counter()
        progress.advance(task)
        purchases = bgnbd.fit(
            groups["x"],
            np.asarray(groups["recency_days"], dtype=np.float64) / 7.0,
            np.asarray(groups["age_days"], dtype=np.float64) / 7.0,
            weights=groups["n"],
            period="week",
        )
        fitted_bg = time.perf_counter()
        progress.advance(task)
        repeat = x > 0
        spend = gamma_gamma.fit(x[repeat], mean[repeat])
        fitted_gg = time.perf_counter()
        progress.advance(task)
        scores = score.score(
            purchases.params, spend.params, x, t_x, T, mean,
            horizon=HORIZON_WEEKS, steps=STEPS, discount_per_step=DISCOUNT, margin=MARGIN,
        )  # fmt: skip
        scored = time.perf_counter()
        progress.advance(task)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        # Reference and the same scoring again, alternated, best of two each.
        bg = purchases.params
        gg = spend.params
        ours_s, reference_s = [scored - fitted_gg], []
        for _ in range(2):
            t0 = time.perf_counter()
            expected = reference_score(
                (bg.r, bg.alpha, bg.a, bg.b), (gg.p, gg.q, gg.gamma), x, t_x, T, mean
            )
            reference_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            again = score.score(
                bg, gg, x, t_x, T, mean,
                horizon=HORIZON_WEEKS, steps=STEPS, discount_per_step=DISCOUNT, margin=MARGIN,
            )  # fmt: skip
            ours_s.append(time.perf_counter() - t0)
        progress.advance(task)
    summary = holdout.Summary(
        customer=np.arange(x.size, dtype=np.int64),
        x=x,
        t_x=t_x,
        T=T,
        mean_value=mean,
        holdout=np.asarray(cols["holdout"], dtype=np.float64),
        period_days=7.0,
    )
    rows = holdout.calibration_holdout(bg, summary, (WINDOW_DAYS - 1 - CALIBRATION_END) / 7.0)
    same = np.allclose(scores.clv, expected, rtol=1e-9, atol=1e-9) and np.array_equal(
        scores.clv, again.clv
    )
    result |= {
        "customers": int(x.size),
        "purchase_days": int(x.sum() + x.size + summary.holdout.sum()),
        "fit_groups": len(groups["n"]),
        "repeat_buyers": int(repeat.sum()),
        "aggregate_s": round(aggregated - started, 2),
        "fit_bgnbd_s": round(fitted_bg - aggregated, 2),
        "fit_gamma_gamma_s": round(fitted_gg - fitted_bg, 2),
        "score_s": round(min(ours_s), 2),
        "total_s": round(scored - started, 2),
        "peak_mib": round(peak / 2**20, 1),
        "reference_score_s": round(min(reference_s), 2),
        "bgnbd": {
            "r": round(bg.r, 4),
            "alpha_weeks": round(bg.alpha, 4),
            "a": round(bg.a, 4),
            "b": round(bg.b, 4),
            "ll": round(purchases.log_likelihood, 1),
        },
        "gamma_gamma": {"p": round(gg.p, 4), "q": round(gg.q, 4), "gamma": round(gg.gamma, 4)},
        "mean_clv": round(float(scores.clv.mean()), 2),
        "calibration_holdout": [
            {
                "x": r.label,
                "customers": r.customers,
                "actual": round(r.actual, 3),
                "predicted": round(r.predicted, 3),
            }
            for r in rows
        ],
        "clv_equal_to_reference": bool(same),
    }
    Path(out).write_text(json.dumps(result))


def run(scale: str) -> dict[str, object]:
    """Draw the orders, run the measured path in a child process, report against the target."""
    customers = CUSTOMERS[scale]
    with tempfile.TemporaryDirectory(prefix="servitize-bench-clv-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        with Progress() as progress:
            orders = generate(folder, customers, progress)
        generate_s = time.perf_counter() - started
        out = folder / "result.json"
        code = f"from bench.bench_clv import _child; _child({str(folder)!r}, {str(out)!r})"
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        measured = json.loads(out.read_text())
    rows_per_s = orders / measured["total_s"]
    ratio = measured["score_s"] / measured["reference_score_s"]
    return {
        "customers": customers,
        "orders": orders,
        "generate_s": round(generate_s, 2),
        **measured,
        "orders_per_s": round(rows_per_s),
        "customers_scored_per_s": round(customers / measured["score_s"]),
        "ratio": round(ratio, 3),
        "target_ratio_at_most": 1.5,
        "target_total_s_under": 120,
        "target_peak_mib_under": 4096,
        "load_average_1min_at_end": round(os.getloadavg()[0], 1),
        "met": ratio <= 1.5 and measured["total_s"] < 120 and measured["peak_mib"] < 4096,
        "truth": TRUTH | {"alpha_weeks": round(TRUTH["alpha_days"] / 7, 4)},
        "truth_note": "orders carry whole days, so repeats on one day merge and t_x rounds "
        "down: the fit lands near, not on, the parameters drawn from",
        "ratio_means": "best of three calls of score.score over every customer / best of two "
        "hand-written numpy passes of the same closed forms over the same arrays; total_s is "
        "the DuckDB aggregation from Parquet, both fits and one scoring",
    }
