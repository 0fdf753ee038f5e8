"""Tendency to buy on the sample manufacturer: a later, held-out period; must beat recency."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from servitize.core.db import make_engine, session_factory
from servitize.core.settings import IntelligenceSettings
from servitize.demo.generate import write_demo_data
from servitize.installed_base.importing.service import import_directory
from servitize.intelligence import propensity, scoring
from servitize.trust.audit import Actor
from tests.conftest import migrated_sqlite
from tests.intelligence.fleet import records_of

TODAY = date(2026, 11, 23)


# Larger data: an 800-account manufacturer built once per process and models trained on it.
trained_on_the_demo = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_records(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The sample manufacturer (800 accounts) imported into SQLite and read as Arrow."""
    folder = tmp_path_factory.mktemp("demo")
    write_demo_data(folder / "csv", 800, 11, TODAY)
    url = migrated_sqlite(folder / "demo.db")
    engine = make_engine(url)
    import_directory(engine, folder / "csv", actor=Actor("test"), today=TODAY)
    with session_factory(engine)() as session:
        records = records_of(session)
    engine.dispose()
    return records


def test_split_is_by_time_only() -> None:
    train, test = propensity.cutoffs(TODAY, 182)
    assert test == TODAY - timedelta(days=182)
    assert all(c + timedelta(days=182) <= test for c in train)  # no label window overlaps test
    assert train == sorted(train) and len(train) == propensity.TRAIN_CUTOFFS


def test_precision_at_k_by_hand() -> None:
    y = np.array([1, 0, 1, 0, 0])
    assert propensity.precision_at_k(y, np.array([0.9, 0.8, 0.7, 0.1, 0.2]), 2) == 0.5
    assert propensity.precision_at_k(y, np.array([0.9, 0.1, 0.7, 0.1, 0.2]), 2) == 1.0


@trained_on_the_demo
def test_model_beats_recency_on_a_later_period(demo_records) -> None:  # type: ignore[no-untyped-def]
    model, ev = propensity.train_and_evaluate(demo_records, TODAY, 182, 50)
    assert ev.test_from == TODAY - timedelta(days=182) and ev.train_to <= ev.test_from
    assert ev.positives_test > 50
    assert ev.model["roc_auc"] > ev.baseline["roc_auc"]
    assert ev.model["precision_at_k"] > ev.baseline["precision_at_k"]
    assert "contract_assets" not in model.columns  # today's coverage would leak the label


@trained_on_the_demo
def test_model_leads_explain_themselves(demo_records) -> None:  # type: ignore[no-untyped-def]
    model, _ = propensity.train_and_evaluate(demo_records, TODAY, 182, 50)
    model.meta = {"version": "t"}
    src = propensity.Sources.from_records(demo_records)
    cands = scoring.model_candidates(
        demo_records, src, TODAY, model, IntelligenceSettings(), per_family=3, min_p=0.0
    )
    assert cands and all(c.source == "model" for c in cands)
    facts = cands[0].evidence["facts"]
    assert f"{facts['probability']:.0%}" in cands[0].story
    assert facts["top_features"] and all(t["weight"] > 0 for t in facts["top_features"])


@trained_on_the_demo
def test_model_leads_scored_in_parts_are_those_scored_at_once(demo_records) -> None:  # type: ignore[no-untyped-def]
    """The batch scores the accounts in parts of any order (memory bounded by the part, not
    the fleet): the leads are those of all accounts at once, and those the model's own
    predict ranks first per family (ties to the lower account id) on the same features."""
    model, _ = propensity.train_and_evaluate(demo_records, TODAY, 182, 50)
    model.meta = {"version": "t"}
    s = IntelligenceSettings()
    src = propensity.Sources.from_records(demo_records)
    feats = propensity.compute(src, TODAY, "account", model.families)
    per_family, min_p = 5, 0.3
    at_once = scoring.model_candidates(
        demo_records, src, TODAY, model, s, per_family=per_family, min_p=min_p
    )
    order = np.random.default_rng(7).permutation(feats.num_rows)
    parts = [feats.take(order[i : i + 97]) for i in range(0, feats.num_rows, 97)]
    in_parts = scoring.model_candidates(
        demo_records, src, TODAY, model, s, per_family=per_family, min_p=min_p, batches=parts
    )
    assert len(parts) > 5 and at_once
    assert [(c.account_id, c.offering_key, c.score, c.evidence) for c in in_parts] == [
        (c.account_id, c.offering_key, c.score, c.evidence) for c in at_once
    ]
    # Expected: the model's predict over every (account, family) row, ranked here.
    d = propensity.dataset(src, demo_records, TODAY, model.families, model.horizon_days)
    p = model.predict(d)
    expected = []
    for fam in model.families:
        rows = [
            (-float(p[i]), int(d.account_ids[i]))
            for i in range(len(p))
            if d.families[i] == fam
            and d.recency[i] > s.leads.model_not_bought_days
            and p[i] >= min_p
        ]
        expected += [(aid, fam, round(100 * -q, 1)) for q, aid in sorted(rows)[:per_family]]
    assert [(c.account_id, c.offering_key, c.score) for c in in_parts] == expected


def test_lead_population_is_scored_apart_by_hand() -> None:
    # Six rows; recency = days since the family was last bought (3650: never).
    d = propensity.Dataset(
        X=np.zeros((6, 1)),
        y=np.array([1, 1, 0, 1, 0, 0]),
        account_ids=np.arange(6),
        families=["f"] * 6,
        recency=np.array([10.0, 20.0, 400.0, 3650.0, 500.0, 30.0]),
        columns=["x"],
    )
    pred = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    base = -d.recency
    # All rows: the top two (bought 10 and 20 days ago) both bought again: 1.00.
    assert propensity.precision_at_k(d.y, pred, 2) == 1.0
    pop = propensity.population(d, pred, base, 2, 365)
    # Leads only come from rows 2, 3, 4 (not bought within 365 days); one of them bought.
    assert (pop.rows, pop.positives) == (3, 1)
    assert pop.model["precision_at_k"] == 0.5  # rows 2 (0.7) and 3 (0.6): one buyer
    assert pop.baseline["precision_at_k"] == 0.0  # recency ranks 400 and 500 days first
    assert pop.model["roc_auc"] == 0.5  # buyer row 3 ranks between rows 2 and 4


@trained_on_the_demo
def test_evaluation_reports_the_lead_population(demo_records) -> None:  # type: ignore[no-untyped-def]
    _, ev = propensity.train_and_evaluate(demo_records, TODAY, 182, 50, not_bought_days=365)
    pop = ev.lead_population
    assert pop is not None and pop.not_bought_days == 365
    assert 0 < pop.rows < ev.rows_test and 0 < pop.positives < ev.positives_test
    assert set(pop.model) == {"roc_auc", "precision_at_k"}


def test_model_reasons_keep_their_value_for_the_story_to_round_once() -> None:
    from servitize.intelligence.stories import shown

    # Model columns are signed log1p values; a share of 0.25 is stored as log1p(0.25).
    value = propensity._shown("connected_share", float(np.log1p(0.25)))
    assert shown({"value": value, "unit": "share"}, "EUR") == "25%"  # rounded to 0.2 it read 20%
    count = propensity._shown("orders_24m", float(np.log1p(9.0)))
    assert shown({"value": count, "unit": "count"}, "EUR") == "9"
    years = propensity._shown("family_years_since", 2.46)
    assert shown({"value": years, "unit": "years"}, "EUR") == "2.5 years"
