"""Train, store and apply the tendency-to-buy model; its leads carry the top features."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pyarrow as pa
from sqlalchemy.orm import Session

from servitize.core.settings import IntelligenceSettings
from servitize.intelligence import repository, stories
from servitize.intelligence.compat import configured
from servitize.intelligence.featurize import Sources, compute
from servitize.intelligence.leads import Candidate
from servitize.intelligence.models import ModelRun
from servitize.intelligence.propensity import (
    Dataset,
    Evaluation,
    Model,
    rows_of,
    train_and_evaluate,
)
from servitize.intelligence.records import Records, load_records


def last_day(records: Records, today: date) -> date:
    """The newest purchase day in the records (the end of the observable period); ``today``
    when nothing was bought yet."""
    days = records.orders["day"].to_pylist()
    return max(days) if days else today


def evaluate(
    session: Session,
    s: IntelligenceSettings,
    as_of: date | None = None,
    *,
    company: str | None = None,
    today: date | None = None,
) -> tuple[Model, Evaluation, Records]:
    """Train on earlier cutoffs and evaluate on the later period, against the recency baseline.

    ``as_of``: the end of the test period (default: the newest purchase day); ``company``: the
    company currency; ``today``: the day list prices hold on (default: the calendar day).
    """
    today = today or date.today()  # the demo builder does not hand its day down yet
    records = load_records(
        session,
        company if company is not None else configured().company_currency,
        s.connectivity_offerings,
        today,
    )
    end = as_of or last_day(records, today)
    model, ev = train_and_evaluate(
        records,
        end,
        s.propensity_horizon_days,
        s.propensity_k,
        not_bought_days=s.leads.model_not_bought_days,
    )
    return model, ev, records


def train(
    session: Session,
    models_dir: Path,
    s: IntelligenceSettings,
    as_of: date | None = None,
    *,
    company: str | None = None,
    today: date | None = None,
) -> tuple[ModelRun, Evaluation]:
    """Train, evaluate, write the versioned model file and record the run."""
    model, ev, _ = evaluate(session, s, as_of, company=company, today=today)
    n = repository.model_run_count(session) + 1
    version = f"propensity-{ev.test_to:%Y%m%d}-{n}"
    model.meta = {"version": version, **_plain(asdict(ev))}
    models_dir.mkdir(parents=True, exist_ok=True)
    path = models_dir / f"{version}.joblib"
    joblib.dump(model, path)
    run = ModelRun(
        version=version,
        path=str(path),
        train_from=ev.train_from,
        train_to=ev.train_to,
        test_from=ev.test_from,
        test_to=ev.test_to,
        horizon_days=s.propensity_horizon_days,
        metrics=_plain(asdict(ev)),
    )
    session.add(run)
    session.flush()
    return run, ev


def latest_model(session: Session) -> Model | None:
    """The newest stored model whose file still exists."""
    run = repository.latest_model_run(session)
    if run is None or not Path(run.path).is_file():
        return None
    model: Model = joblib.load(run.path)
    return model


def model_candidates(
    records: Records,
    src: Sources,
    as_of: date,
    model: Model,
    s: IntelligenceSettings,
    per_family: int = 25,
    min_p: float = 0.5,
    batches: Iterable[pa.Table] | None = None,
) -> list[Candidate]:
    """Leads for the accounts most likely to buy a family they did not buy within
    ``s.leads.model_not_bought_days`` (the population ``Evaluation.lead_population`` scores);
    of equally likely accounts the lower id first.

    ``batches``: the accounts' model features (``featurize.compute(src, as_of, "account",
    model.families)``) in parts of any order, scored one part at a time, keeping only each
    family's best rows, so that the memory needed does not grow with the accounts (default: all
    accounts at once, computed on ``src``'s engine)."""
    parts = batches if batches is not None else [compute(src, as_of, "account", model.families)]
    best: dict[str, list[tuple[float, int, np.ndarray]]] = {f: [] for f in model.families}
    columns: list[str] = []
    for feats in parts:
        if not feats.num_rows:
            continue
        d = rows_of(feats, records, as_of, model.families, model.horizon_days)
        columns = d.columns
        p = model.predict(d)
        fams = np.array(d.families)
        for fam in model.families:
            rows = np.where(
                (fams == fam) & (d.recency > s.leads.model_not_bought_days) & (p >= min_p)
            )[0]
            top = rows[np.lexsort((d.account_ids[rows], -p[rows]))][:per_family]
            kept = best[fam] + [(float(p[i]), int(d.account_ids[i]), d.X[i].copy()) for i in top]
            best[fam] = sorted(kept, key=lambda r: (-r[0], r[1]))[:per_family]
    offerings = records.offerings.to_pylist()
    out = []
    for fam in model.families:
        offer = next(
            (
                o
                for o in sorted(
                    offerings,
                    key=lambda o: (o["list_price_cents"] is None, o["list_price_cents"] or 0),
                )
                if o["family"] == fam
            ),
            None,
        )
        for prob, account_id, x in best[fam]:
            one = Dataset(
                x[None, :], np.zeros(1), np.array([account_id]), [fam], np.zeros(1), columns
            )
            facts = {
                "family": fam,
                "probability": round(prob, 3),
                "horizon_days": model.horizon_days,
                "top_features": model.contributions(one, 0),
                "model": model.meta.get("version"),
            }
            name = offer["name"] if offer else fam
            out.append(
                Candidate(
                    account_id,
                    offer["offering_id"] if offer else None,
                    fam,
                    name,
                    "propensity",
                    "model",
                    round(100 * prob, 1),
                    int(offer["list_price_cents"] or 0) if offer else 0,
                    stories.tell("propensity", facts, name),
                    {"rule": "propensity", "facts": facts},
                )
            )
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
