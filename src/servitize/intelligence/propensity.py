"""Tendency to buy: will an account buy an offering family in the next N days?

Rows are (account, family) pairs at a cutoff; features are the account's features as of the
cutoff plus its history with that family. The split is by time only: the model trains on
cutoffs whose label windows end on or before the test cutoff, and is tested on the later
period. The baseline ranks by recency of the last purchase of the family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from servitize.intelligence.features import SERVICE_SHELLS, features
from servitize.intelligence.featurize import Sources, compute
from servitize.intelligence.records import Records

NEVER_DAYS = 3650.0
# contract_assets reads today's coverage, not the coverage at the cutoff: it would leak labels.
# Telemetry usage is read for the newest 30 days only: past cutoffs have none, so it stays out.
SKIP = {"account_id", "contract_assets", "operating_hours_30d", "unplanned_stops_30d"}
TRAIN_CUTOFFS = 4
STEP_DAYS = 91


@dataclass
class Dataset:
    """Model rows: features X, labels y, and which account, family and cutoff each row is."""

    X: np.ndarray
    y: np.ndarray
    account_ids: np.ndarray
    families: list[str]
    recency: np.ndarray  # days since the family was last bought (NEVER_DAYS if never)
    columns: list[str]


@dataclass
class Population:
    """The test rows that can become model leads: the family not bought within the window."""

    not_bought_days: int
    rows: int
    positives: int
    model: dict[str, float]
    baseline: dict[str, float]


@dataclass
class Evaluation:
    """The honest check: model vs recency baseline on a later, held-out period.

    ``model``/``baseline`` score every test row; ``lead_population`` only the rows that can
    become leads (the family not bought within ``not_bought_days`` before the cutoff), the
    figure that says how good the model's leads are.
    """

    k: int
    train_from: date
    train_to: date
    test_from: date
    test_to: date
    rows_train: int
    rows_test: int
    positives_test: int
    model: dict[str, float]
    baseline: dict[str, float]
    families: list[str] = field(default_factory=list)
    by_family: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    lead_population: Population | None = None


def service_families(records: Records) -> list[str]:
    """The service and digital offering families of the catalogue (not spare parts)."""
    o = records.offerings.to_pylist()
    return sorted(
        {
            r["family"]
            for r in o
            if r["family"] and r["shell"] in SERVICE_SHELLS and r["shell"] != "spare_parts"
        }
    )


def _numeric(table: pa.Table) -> list[str]:
    return [
        f.name
        for f in table.schema
        if (
            f.name not in SKIP
            and (pa.types.is_integer(f.type) or pa.types.is_floating(f.type))
            and not f.name.startswith(("bought_", "days_since_"))
        )
        or f.name == "days_since_purchase"
    ]


def _days(col: pa.ChunkedArray) -> np.ndarray:
    v = col.to_numpy(zero_copy_only=False).astype(float)
    return np.where(np.isnan(v), NEVER_DAYS, np.minimum(v, NEVER_DAYS))


def dataset(
    src: Sources, records: Records, cutoff: date, families: list[str], horizon_days: int
) -> Dataset:
    """The (account, family) rows at one cutoff, labelled by purchases in the horizon after it."""
    return rows_of(
        compute(src, cutoff, "account", families), records, cutoff, families, horizon_days
    )


def rows_of(
    feats: pa.Table, records: Records, cutoff: date, families: list[str], horizon_days: int
) -> Dataset:
    """``dataset`` over accounts' features already computed (``compute(..., "account",
    families)``, all accounts or a batch of them): the rows of those accounts."""
    general = _numeric(feats)
    base = np.column_stack([_signed_log(feats[c]) for c in general]) if general else None
    orders = records.orders
    window = pc.and_(
        pc.greater(orders["day"], pa.scalar(cutoff)),
        pc.less_equal(orders["day"], pa.scalar(cutoff + timedelta(days=horizon_days))),
    )
    later = orders.filter(window)
    ids = feats["account_id"].to_numpy()
    blocks, ys, rec, fams = [], [], [], []
    for i, fam in enumerate(families):
        bought = set(later.filter(pc.equal(later["family"], fam))["account_id"].to_pylist())
        days = _days(feats[f"days_since_{fam}"])
        count = np.log1p(feats[f"bought_{fam}_24m"].to_numpy(zero_copy_only=False).astype(float))
        onehot = np.zeros((len(ids), len(families)))
        onehot[:, i] = 1.0
        own = np.column_stack([days / 365.0, (days >= NEVER_DAYS).astype(float), count])
        blocks.append(np.hstack([base, own, onehot]) if base is not None else own)
        ys.append(np.isin(ids, list(bought)).astype(int))
        rec.append(days)
        fams += [fam] * len(ids)
    cols = (
        general
        + ["family_years_since", "family_never", "family_orders_24m"]
        + [f"is_{f}" for f in families]
    )
    return Dataset(
        np.vstack(blocks),
        np.concatenate(ys),
        np.tile(ids, len(families)),
        fams,
        np.concatenate(rec),
        cols,
    )


def _signed_log(col: pa.ChunkedArray) -> np.ndarray:
    v = col.to_numpy(zero_copy_only=False).astype(float)
    v = np.nan_to_num(v, nan=0.0)
    return np.sign(v) * np.log1p(np.abs(v))


def cutoffs(last_day: date, horizon_days: int) -> tuple[list[date], date]:
    """Training cutoffs (oldest first) and the test cutoff; every label window ends by last_day."""
    test = last_day - timedelta(days=horizon_days)
    newest_train = test - timedelta(days=horizon_days)
    train = [newest_train - timedelta(days=STEP_DAYS * i) for i in range(TRAIN_CUTOFFS)]
    return sorted(train), test


def precision_at_k(y: np.ndarray, score: np.ndarray, k: int) -> float:
    """Share of buyers among the k highest scores."""
    top = np.argsort(-score, kind="stable")[:k]
    return round(float(y[top].mean()), 4) if len(top) else 0.0


def metrics(y: np.ndarray, score: np.ndarray, k: int) -> dict[str, float]:
    """ROC AUC and precision at k."""
    auc = roc_auc_score(y, score) if 0 < y.sum() < len(y) else float("nan")
    return {"roc_auc": round(float(auc), 4), "precision_at_k": precision_at_k(y, score, k)}


def population(
    d: Dataset, pred: np.ndarray, base: np.ndarray, k: int, not_bought_days: int
) -> Population:
    """Metrics on the rows whose family was last bought more than ``not_bought_days`` ago."""
    rows = d.recency > not_bought_days
    y = d.y[rows]
    return Population(
        not_bought_days,
        int(rows.sum()),
        int(y.sum()),
        metrics(y, pred[rows], k),
        metrics(y, base[rows], k),
    )


def baseline_score(d: Dataset) -> np.ndarray:
    """Recency baseline: the more recently the family was bought, the higher."""
    return -d.recency


@dataclass
class Model:
    """A fitted tendency-to-buy model with what it needs to score and explain."""

    scaler: StandardScaler
    clf: LogisticRegression
    columns: list[str]
    families: list[str]
    horizon_days: int
    meta: dict[str, Any] = field(default_factory=dict)

    def predict(self, d: Dataset) -> np.ndarray:
        """Probability of a purchase of the row's family within the horizon."""
        return self.clf.predict_proba(self.scaler.transform(d.X))[:, 1]

    def contributions(self, d: Dataset, row: int, top: int = 3) -> list[dict[str, Any]]:
        """The features that push this row's score up most (coefficient x standardised value)."""
        z = self.scaler.transform(d.X[row : row + 1])[0]
        parts = self.clf.coef_[0] * z
        shown = [
            j
            for j in np.argsort(-parts)
            if parts[j] > 0 and not self.columns[j].startswith(("is_", "family_never"))
        ][:top]
        return [
            {
                "feature": self.columns[j],
                "label": label_of(self.columns[j]),
                "unit": unit_of(self.columns[j]),
                "value": _shown(self.columns[j], d.X[row, j]),
                "weight": round(float(parts[j]), 3),
            }
            for j in shown
        ]


def fit(train: Dataset, families: list[str], horizon_days: int) -> Model:
    """Fit a standardised logistic regression (balanced classes)."""
    scaler = StandardScaler().fit(train.X)
    clf = LogisticRegression(max_iter=2000, C=0.5, class_weight="balanced")
    clf.fit(scaler.transform(train.X), train.y)
    return Model(scaler, clf, train.columns, families, horizon_days)


def stack(parts: list[Dataset]) -> Dataset:
    """Rows of several cutoffs as one dataset."""
    return Dataset(
        np.vstack([p.X for p in parts]),
        np.concatenate([p.y for p in parts]),
        np.concatenate([p.account_ids for p in parts]),
        [f for p in parts for f in p.families],
        np.concatenate([p.recency for p in parts]),
        parts[0].columns,
    )


def train_and_evaluate(
    records: Records,
    last_day: date,
    horizon_days: int,
    k: int,
    src: Sources | None = None,
    not_bought_days: int = 365,
) -> tuple[Model, Evaluation]:
    """Train on earlier cutoffs, test on the later period, compare with the recency baseline."""
    src = src or Sources.from_records(records)
    families = service_families(records)
    train_cuts, test_cut = cutoffs(last_day, horizon_days)
    train = stack([dataset(src, records, c, families, horizon_days) for c in train_cuts])
    test = dataset(src, records, test_cut, families, horizon_days)
    model = fit(train, families, horizon_days)
    pred, base, fam = model.predict(test), baseline_score(test), np.array(test.families)
    per = {
        f: {
            "model": metrics(test.y[fam == f], pred[fam == f], max(1, k // len(families))),
            "baseline": metrics(test.y[fam == f], base[fam == f], max(1, k // len(families))),
        }
        for f in families
    }
    ev = Evaluation(
        k=k,
        train_from=train_cuts[0],
        train_to=train_cuts[-1] + timedelta(days=horizon_days),
        test_from=test_cut,
        test_to=test_cut + timedelta(days=horizon_days),
        rows_train=len(train.y),
        rows_test=len(test.y),
        positives_test=int(test.y.sum()),
        model=metrics(test.y, pred, k),
        baseline=metrics(test.y, base, k),
        families=families,
        by_family=per,
        lead_population=population(test, pred, base, k, not_bought_days),
    )
    return model, ev


def label_of(column: str) -> str:
    """A readable name of a model column."""
    special = {
        "family_years_since": "years since this family was last bought",
        "family_never": "never bought this family",
        "family_orders_24m": "orders of this family in 24 months",
    }
    if column in special:
        return special[column]
    found = [f.label for f in features("account") if f.slug == column]
    return found[0].lower() if found else column.replace("_", " ")


def unit_of(column: str) -> str:
    """The unit of a model column (from the feature registry; years or a count otherwise)."""
    if column == "family_years_since":
        return "years"
    found = [f.unit for f in features("account") if f.slug == column]
    return found[0] if found else "count"


def _shown(column: str, value: float) -> float | int:
    """A model column's value in its feature's unit, not rounded for display (the story rounds
    it once: a share of 0.25 must read 25 %, not 0.2 → 20 %); 1e-9 only strips float noise."""
    if column.startswith(("family_years", "is_", "family_never")):
        return round(float(value), 9)
    return round(float(np.sign(value) * np.expm1(abs(value))), 9)
