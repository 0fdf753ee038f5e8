"""The stages over the records: features, segments, leads, model scoring, CLV.

Their Ibis parts run on the batch's engine: the feature registry's expressions
(``intelligence.featurize``), the consented usage window (``telemetry.service.compute``) and
the customers' purchase summaries for CLV. What is Python today stays Python, on the driver,
over the engine's results: the segment rules (``intelligence.segments.score``, row by row),
the model's prediction (scikit-learn) and the CLV fits (scipy); the lead rules run as columns
(``intelligence.leads_columns.build``) over the features stage's Parquet. Segments and leads are
written back to the records database in bulk from the batch's own results, never worked out a
second time: the leads through ``intelligence.service.store_leads`` (COPY on PostgreSQL, one
executemany on SQLite, every creation and update audited; the same leads ``generate_leads``
stores for the same day), the segments through ``intelligence.repository.write_segments`` (the
same rows ``run_segments`` stores).

During the batch the engine is Ibis's default backend (``run_batch``), so the services'
``to_pyarrow()`` over in-memory records run on the engine too.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from servitize.batch import layout
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.core.settings import Settings
from servitize.intelligence import leads_columns
from servitize.intelligence import repository as intelligence_repo
from servitize.intelligence import scoring as model_scoring
from servitize.intelligence import segments as segment_rules
from servitize.intelligence.featurize import KEYS, Sources, feature_table, repeat_window
from servitize.intelligence.leads import Candidate
from servitize.intelligence.records import Records, load_records
from servitize.intelligence.service import Batch, expire, lead_table, store_leads
from servitize.intelligence.usage import consented_usage
from servitize.kpis.clv import score as clv_score
from servitize.telemetry.store import TelemetryStore
from servitize.trust.audit import SYSTEM

if TYPE_CHECKING:
    from servitize.batch.run import Context

SCORING_ROWS = 50_000  # accounts the model scores at a time (its input, not the fleet, in memory)
HORIZON_WEEKS = 52.0  # CLV over the next year, in monthly steps
RATE_PER_YEAR = 0.08


@contextmanager
def _session(ctx: Context) -> Iterator[Session]:
    """The records database's session for the stage; committed when the stage succeeds."""
    url = ctx.database_url or Settings().database_url
    engine = make_engine(url)
    try:
        with session_scope(session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def _batch(ctx: Context, session: Session) -> Batch:
    """The records and the consented usage as sources on the engine (once per batch)."""
    cached = ctx.notes.get("batch")
    if isinstance(cached, Batch):
        return cached
    settings = ctx.settings or Settings()
    s = settings.intelligence
    as_of = ctx.as_of
    records = load_records(session, settings.company_currency, s.connectivity_offerings, as_of)
    if not layout.is_remote(ctx.telemetry_dir):
        records.usage = consented_usage(
            session,
            as_of,
            s.consent_purpose,
            store=TelemetryStore(ctx.telemetry_dir),  # type: ignore[arg-type]
            days=s.leads.usage_window_days,
            min_coverage=s.usage_min_coverage,
            con=ctx.con,
        )
    batch = Batch(records, sources(ctx, records), as_of)
    ctx.notes["batch"] = batch
    return batch


def sources(ctx: Context, records: Records) -> Sources:
    """The records as tables of the engine. DuckDB copies them into its database; Spark reads
    them from Parquet under the output folder (``layout.RECORDS``, written here with pyarrow,
    through Spark, one table at a time, when the folder is in object storage), for a view made from the driver's
    Arrow holds every row in the driver's heap for the whole batch: at 300,000 machines the
    records alone took half of Spark's default 1 GiB and the scoring stage ran out of it."""
    if ctx.con.name != "pyspark":
        return Sources.from_records(records, ctx.con)
    tables = records.tables()
    read = {}
    for name in Sources.NAMES:
        table = tables[name]
        if layout.is_remote(ctx.out_dir):
            layout.write_arrow(ctx.con, table, ctx.out_dir, layout.RECORDS, name)
        else:
            folder = Path(layout.join(ctx.out_dir, layout.RECORDS, name))
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            pq.write_table(table, folder / "part-0.parquet", compression="zstd")
        read[name] = layout.read(ctx.con, ctx.out_dir, layout.RECORDS, name)
    return Sources(**read)


def _rows(records: Records, *names: str) -> int:
    return sum(getattr(records, n).num_rows for n in names)


def features(ctx: Context) -> tuple[int, int]:
    """Every account's and asset's features as of the batch day, written as Parquet.

    The asset table also carries the repeat-repair window, so that it is the asset lead rules'
    whole input (``featurize.lead_assets``); segments and leads read these files."""
    settings = ctx.settings or Settings()
    with _session(ctx) as session:
        batch = _batch(ctx, session)
    src, as_of = batch.sources, batch.as_of
    base = feature_table(src, as_of, "asset")
    rep = repeat_window(src, as_of, settings.intelligence.leads.repeat_window_days)
    joined = base.left_join(rep, base.asset_id == rep.asset_id)
    assets = joined.select(
        base, rep.rep_component, rep.rep_n, rep.rep_downtime_h, rep.rep_first, rep.rep_last
    )
    out = 0
    for level, expr in (("account", feature_table(src, as_of, "account")), ("asset", assets)):
        layout.write(ctx.con, expr, ctx.out_dir, "features", level, partition_by=())
        out += layout.written_rows(ctx.con, ctx.out_dir, "features", level)
    rows_in = _rows(batch.records, "accounts", "assets", "events", "orders", "visits", "usage")
    return rows_in, out


def feature_rows(ctx: Context, level: str) -> pa.Table:
    """The features the features stage wrote, in key order."""
    table = layout.arrow(ctx.con, layout.read(ctx.con, ctx.out_dir, "features", level))
    return table.sort_by(KEYS[level])


def segments(ctx: Context) -> tuple[int, int]:
    """Every account's segment: ``segments.score`` (Python, row by row) over the features."""
    settings = ctx.settings or Settings()
    s = settings.intelligence
    with _session(ctx) as session:
        batch = _batch(ctx, session)
        fields = {r["account_id"]: r for r in batch.records.accounts.to_pylist()}
        rows = [{**fields[f["account_id"]], **f} for f in feature_rows(ctx, "account").to_pylist()]
        attitudes = intelligence_repo.stated_attitudes(session)
        techs = Counter(
            u["territory"] for u in batch.records.users.to_pylist() if u["role"] == "technician"
        )
        scored = [
            (
                r["account_id"],
                segment_rules.score(
                    r, s.segments, attitudes.get(r["account_id"]), techs.get(r["territory"], 0)
                ),
            )
            for r in rows
        ]
        table = pa.Table.from_pylist(
            [
                {
                    "account_id": account_id,
                    "label": seg.label,
                    "readiness": float(seg.readiness),
                    "priority": float(seg.priority),
                    "go_to_market": seg.go_to_market,
                    "age_class": seg.age_class,
                }
                for account_id, seg in scored
            ]
        )
        layout.write_arrow(ctx.con, table, ctx.out_dir, "segments")
        if ctx.write_back:
            intelligence_repo.write_segments(
                session, segment_rows(scored, ctx.as_of), datetime.now(UTC)
            )
    return len(rows), len(scored)


def segment_rows(scored: list[tuple[int, segment_rules.Segment]], as_of: date) -> pa.Table:
    """Scored segments as ``segment_assignment`` columns (JSON as text, the day as ISO text), the
    values ``run_segments`` sets."""
    return pa.table(
        {
            "account_id": pa.array([a for a, _ in scored], pa.int64()),
            "as_of": pa.array([as_of.isoformat()] * len(scored), pa.string()),
            "label": pa.array([g.label for _, g in scored], pa.string()),
            "readiness": pa.array([g.readiness for _, g in scored], pa.float64()),
            "digital_infrastructure": pa.array(
                [g.digital_infrastructure for _, g in scored], pa.float64()
            ),
            "own_share": pa.array([g.own_share for _, g in scored], pa.float64()),
            "age_class": pa.array([g.age_class for _, g in scored], pa.string()),
            "priority": pa.array([g.priority for _, g in scored], pa.float64()),
            "go_to_market": pa.array([g.go_to_market for _, g in scored], pa.string()),
            "reasons": pa.array([json.dumps(g.reasons) for _, g in scored], pa.string()),
            "scores": pa.array([json.dumps(g.scores) for _, g in scored], pa.string()),
        }
    )


def _candidates_table(cands: list[Candidate]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "account_id": c.account_id,
                "offering_key": c.offering_key,
                "source": c.source,
                "rule": c.rule,
                "score": float(c.score),
                "estimated_value_cents": int(c.value_cents),
            }
            for c in cands
        ],
        schema=pa.schema(
            [
                ("account_id", pa.int64()),
                ("offering_key", pa.string()),
                ("source", pa.string()),
                ("rule", pa.string()),
                ("score", pa.float64()),
                ("estimated_value_cents", pa.int64()),
            ]
        ),
    )


def _lead_file(leads: pa.Table) -> pa.Table:
    """Leads (``leads_columns.LEADS``) as the batch writes them: the stored lead's fields."""
    return leads.drop_columns(["score_json"]).rename_columns(
        {"value_cents": "estimated_value_cents"}
    )


def _model_candidates(ctx: Context, session: Session, batch: Batch) -> list[Candidate] | None:
    """The newest model's candidates (None without a model), worked out once per batch: the
    model's features computed on the engine and written as Parquet (``features/model``), then
    scored in parts of ``SCORING_ROWS`` accounts read back from the files."""
    if "model_candidates" not in ctx.notes:
        model = scoring_model(session)
        ctx.notes["model_candidates"] = (
            None
            if model is None
            else model_scoring.model_candidates(
                batch.records,
                batch.sources,
                ctx.as_of,
                model,
                (ctx.settings or Settings()).intelligence,
                batches=_model_inputs(
                    ctx, feature_table(batch.sources, ctx.as_of, "account", model.families)
                ),
            )
        )
    found: list[Candidate] | None = ctx.notes["model_candidates"]
    return found


def _model_inputs(ctx: Context, expr: ir.Table) -> Iterator[pa.Table]:
    """The model's features (``expr``) in parts of at most ``SCORING_ROWS`` rows: written by the
    engine, read back part by part from the local files (one part when the output folder is in
    object storage), typed as the expression says."""
    layout.write(ctx.con, expr, ctx.out_dir, "features", "model", partition_by=())
    schema = expr.schema().to_pyarrow()
    if layout.is_remote(ctx.out_dir):
        parts: Iterator[pa.RecordBatch] = iter(
            layout.arrow(
                ctx.con, layout.read(ctx.con, ctx.out_dir, "features", "model")
            ).to_batches()
        )
    else:
        folder = layout.join(ctx.out_dir, "features", "model")
        parts = ds.dataset(folder, format="parquet").to_batches(batch_size=SCORING_ROWS)
    for part in parts:
        yield pa.Table.from_batches([part]).select(schema.names).cast(schema)


def leads(ctx: Context) -> tuple[int, int]:
    """The rule leads, built as columns (``leads_columns.build``) over the features stage's
    account and asset rows; with write-back stored in bulk as ``generate_leads`` stores them
    (open leads past their expiry closed first, the model's leads for the offers the rules did
    not raise added), every creation and update audited."""
    settings = ctx.settings or Settings()
    s = settings.intelligence
    currency = settings.company_currency
    accounts, assets = feature_rows(ctx, "account"), feature_rows(ctx, "asset")
    with _session(ctx) as session:
        batch = _batch(ctx, session)
        offerings = batch.records.offerings.to_pylist()
        found = leads_columns.build({"account": accounts, "asset": assets}, offerings, s, currency)
        if ctx.write_back:
            stored = found
            more = _model_candidates(ctx, session, batch)
            if more:
                taken = set(
                    zip(
                        found["account_id"].to_pylist(),
                        found["offering_key"].to_pylist(),
                        strict=True,
                    )
                )
                extra = [c for c in more if (c.account_id, c.offering_key) not in taken]
                stored = pa.concat_tables([found, lead_table(extra)])
            expired = expire(session, ctx.as_of)
            ctx.notes["lead_run"] = store_leads(
                session, stored, ctx.as_of, s, currency, SYSTEM, expired
            )
    layout.write_arrow(ctx.con, _lead_file(found), ctx.out_dir, "leads")
    return accounts.num_rows + assets.num_rows, found.num_rows


def scoring(ctx: Context) -> tuple[int, int]:
    """The tendency-to-buy model's leads (its features on the engine), when a model is trained."""
    with _session(ctx) as session:
        batch = _batch(ctx, session)
        cands = _model_candidates(ctx, session, batch)  # the leads stage's, when it ran
        if cands is None:
            layout.write_arrow(ctx.con, _candidates_table([]), ctx.out_dir, "scores")
            return 0, 0
    layout.write_arrow(ctx.con, _candidates_table(cands), ctx.out_dir, "scores")
    return batch.records.accounts.num_rows, len(cands)


def scoring_model(session: Session) -> Any:
    """The newest trained model, or None."""
    return model_scoring.latest_model(session)


def _day_number(day: ir.DateValue) -> ir.FloatingValue:
    """Days since 1970-01-01, as a double (the engines agree on epoch seconds)."""
    return day.cast("timestamp").epoch_seconds().cast("float64") / 86400.0


def purchase_summary(orders: ir.Table, as_of: date, period_days: float = 7.0) -> ir.Table:
    """Per account, the BG/NBD inputs (``kpis.clv.holdout.summarise``) as one Ibis expression:
    x repeat purchase days, t_x and T in weeks since the first purchase day, and the mean value
    of a repeat purchase day (several orders on one day are one purchase of their sum)."""
    o = orders.filter(orders.day <= ibis.literal(as_of), orders.amount.notnull())
    days = o.group_by(["account_id", "day"]).aggregate(value=o.amount.sum())
    first = days.group_by("account_id").aggregate(first=days.day.min(), last=days.day.max())
    j = days.join(first, "account_id")
    j = j.mutate(repeat=j.day > j.first)
    per = j.group_by(["account_id", "first", "last"]).aggregate(
        x=ibis.ifelse(j.repeat, 1, 0).sum().cast("float64"),
        spend=ibis.ifelse(j.repeat, j.value, 0.0).sum(),
    )
    cutoff = _day_number(ibis.literal(as_of))
    first_day, last_day = _day_number(per.first), _day_number(per.last)
    return per.select(
        "account_id",
        "x",
        t_x=ibis.ifelse(per.x > 0, (last_day - first_day) / period_days, 0.0),
        T=(cutoff - first_day) / period_days,
        mean_value=ibis.ifelse(per.x > 0, per.spend / per.x, 0.0),
    ).order_by("account_id")


def clv(ctx: Context) -> tuple[int, int]:
    """Repeat-purchase CLV per account: the summaries on the engine, BG/NBD and Gamma-Gamma
    fitted on the driver (scipy), scored over the next year in monthly steps."""
    with _session(ctx) as session:
        batch = _batch(ctx, session)
    summary = layout.arrow(ctx.con, purchase_summary(batch.sources.orders, ctx.as_of))
    table = summary
    if summary.num_rows >= 5 and float(np.sum(summary["x"].to_numpy())) > 0:
        try:
            valuation, scores = clv_score.fit_and_score(
                summary["x"].to_numpy(),
                summary["t_x"].to_numpy(),
                summary["T"].to_numpy(),
                summary["mean_value"].to_numpy(),
                period="week",
                horizon=HORIZON_WEEKS,
                steps=12,
                discount_per_step=(1 + RATE_PER_YEAR) ** (1 / 12) - 1,
            )
        except Exception as exc:  # a fit the models refuse (too few repeat buyers): say why
            ctx.notes["clv"] = str(exc)
        else:
            for name, values in asdict(scores).items():
                table = table.append_column(name, pa.array(values, pa.float64()))
            ctx.notes["clv"] = valuation
    layout.write_arrow(ctx.con, table, ctx.out_dir, "clv")
    return batch.records.orders.num_rows, table.num_rows
