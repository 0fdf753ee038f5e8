"""The published fits on CDNOW (the 1/10 sample: 2,357 customers who first bought in Q1 1997,
calibration through 1997-09-30, holdout to 1998-06-30, in weeks), read from the shared data set
(its README names the papers): BG/NBD r = 0.243, α = 4.414, a = 0.793, b = 2.426,
LL = -9582.4 (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Table/Fig. 1);
Gamma-Gamma p = 6.25, q = 3.74, γ = 15.44 (Fader & Hardie 2013, "The Gamma-Gamma model of
monetary value", over the 946 repeat buyers)."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from datetime import date

import numpy as np
import pytest

from servitize.kpis.clv import bgnbd, gamma_gamma, holdout
from tests.servers import DATASETS, require

DATA = DATASETS / "cdnow"
START = date(1997, 1, 1)
CALIBRATION_END = (date(1997, 9, 30) - START).days  # day 272: T = 272/7 = 38.86 weeks
HOLDOUT_END = (date(1998, 6, 30) - START).days


def _sig3(value: float) -> float:
    return float(f"{value:.3g}")


@pytest.fixture(scope="module")
def orders():
    require((DATA / "CDNOW_sample.txt").is_file(), f"the CDNOW data set ({DATA})")
    customer, day, value = [], [], []
    with (DATA / "CDNOW_sample.txt").open() as lines:
        for line in lines:
            fields = line.split()
            if fields:
                stamp = fields[2]
                on = date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
                customer.append(int(fields[1]))
                day.append((on - START).days)
                value.append(float(fields[4]))
    return customer, day, value


@pytest.fixture(scope="module")
def summary(orders):
    return holdout.summarise(
        *orders, calibration_end=CALIBRATION_END, holdout_end=HOLDOUT_END, period_days=7.0
    )


def test_summaries_match_the_published_rfm_file(summary):
    # The data set's own summary (x, t_x, T, zbar to two decimals) of the same 2,357 customers.
    with (DATA / "cdnow_customers_summary_with_transactions.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert list(summary.customer) == [int(r["ID"]) for r in rows]
    assert list(summary.x) == [float(r["x"]) for r in rows]
    for name, column in (("t_x", summary.t_x), ("T", summary.T), ("zbar", summary.mean_value)):
        published = np.array([float(r[name]) for r in rows])
        assert np.abs(column - published).max() <= 0.005 + 1e-9, name


def test_bgnbd_fit_reproduces_the_paper(summary):
    fitted = bgnbd.fit(summary.x, summary.t_x, summary.T, period="week")
    got = fitted.params
    assert [_sig3(v) for v in (got.r, got.alpha, got.a, got.b)] == [0.243, 4.41, 0.793, 2.43]
    assert _sig3(fitted.log_likelihood) == -9580.0
    assert round(fitted.log_likelihood, 1) == -9582.4
    assert fitted.customers == 2357
    # And the likelihood at the printed estimates is the printed maximum.
    at_paper = bgnbd.log_likelihood(
        bgnbd.BgNbdParams(0.243, 4.414, 0.793, 2.426), summary.x, summary.t_x, summary.T
    )
    assert round(at_paper, 1) == -9582.4


def test_gamma_gamma_fit_reproduces_the_note(summary):
    repeat = summary.x > 0
    assert repeat.sum() == 946
    fitted = gamma_gamma.fit(summary.x[repeat], summary.mean_value[repeat])
    got = fitted.params
    assert [_sig3(v) for v in (got.p, got.q, got.gamma)] == [6.25, 3.74, 15.4]
    assert round(got.gamma, 2) == 15.44


def test_calibration_holdout_counts_and_fit(orders, summary):
    # The actual holdout purchases counted here directly: distinct purchase days per customer
    # after 1997-09-30, grouped by calibration repeat purchases (distinct days after the first).
    days = defaultdict(set)
    for customer, day, _ in zip(*orders, strict=True):
        days[customer].add(day)
    groups: dict[str, list[int]] = defaultdict(list)
    for bought in days.values():
        first = min(bought)
        if first > CALIBRATION_END:
            continue
        repeats = sum(1 for d in bought if first < d <= CALIBRATION_END)
        later = sum(1 for d in bought if CALIBRATION_END < d <= HOLDOUT_END)
        groups[str(repeats) if repeats < 7 else "7+"].append(later)
    params = bgnbd.fit(summary.x, summary.t_x, summary.T, period="week").params
    rows = holdout.calibration_holdout(params, summary, 39.0)
    assert [r.label for r in rows] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    for row in rows:
        assert row.customers == len(groups[row.label])
        assert row.actual == pytest.approx(sum(groups[row.label]) / row.customers)
    # Fit quality, as in the paper's figure: the predictions rise with past purchases like the
    # actuals, and the total is within 15 % of the 1,882 purchase days that happened.
    predicted = [r.predicted for r in rows]
    assert predicted == sorted(predicted)
    total_actual = sum(r.actual * r.customers for r in rows)
    total_predicted = sum(r.predicted * r.customers for r in rows)
    assert total_actual == 1882
    assert math.isclose(total_predicted, total_actual, rel_tol=0.15)
