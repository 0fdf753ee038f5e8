"""The analytics batch's queries: the registry's features as Ibis expressions over the Arrow
records (``records.py``), run in an in-memory DuckDB (the same code path runs on PostgreSQL or
Spark). Not SQL on the records DB: that lives in ``repository.py``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from servitize.intelligence.features import Feature, Window, features
from servitize.intelligence.records import Records
from servitize.telemetry.frames import quiet, spark_table, to_arrow

KEYS = {"asset": "asset_id", "account": "account_id"}
SOURCE_ORDER = ("assets", "events", "components", "orders", "visits", "usage")


@dataclass
class Sources:
    """The record tables as Ibis tables on one backend connection."""

    accounts: ir.Table
    assets: ir.Table
    events: ir.Table
    orders: ir.Table
    visits: ir.Table
    rates: ir.Table
    usage: ir.Table
    retrofits: ir.Table | None = None  # (asset_id, day) of orders that added sensors

    NAMES = ("accounts", "assets", "events", "orders", "visits", "rates", "usage", "retrofits")

    @classmethod
    def from_records(cls, records: Records, con: ibis.BaseBackend | None = None) -> Sources:
        """Register Arrow records as tables of a (default: new in-memory DuckDB) connection."""
        con = con or ibis.duckdb.connect()
        names = cls.NAMES
        tables = records.tables()
        with quiet():
            if con.name == "pyspark":  # no temporary tables there: views made from Arrow
                return cls(**{n: spark_table(con, tables[n], f"ix_{n}") for n in names})
            return cls(**{n: con.create_table(f"ix_{n}", tables[n], overwrite=True) for n in names})


def _prepared(src: Sources, w: Window) -> dict[str, ir.Table]:
    """Each source as of the cutoff: nothing installed, done or bought after it."""
    assets = src.assets.filter(
        src.assets.install_date.isnull() | (src.assets.install_date <= w.day)
    )
    if src.retrofits is not None:
        # Sensors added after the cutoff: what the machine had at the cutoff is not recorded.
        later = src.retrofits.filter(src.retrofits.day > w.day).select("asset_id").distinct()
        later = later.mutate(_later=ibis.literal(True))
        joined = assets.left_join(later, assets.asset_id == later.asset_id)
        assets = joined.select(assets, _later=later._later)
        assets = assets.mutate(
            connectivity=ibis.ifelse(assets._later.notnull(), "unknown", assets.connectivity)
        ).drop("_later")
    events = src.events.filter(src.events.day <= w.day)
    rep = events.filter(
        (events.kind == "repair") & events.component.notnull() & (events.day > w.since(365))
    )
    components = rep.group_by(["asset_id", "account_id", "component"]).aggregate(
        n=rep.count(), downtime=rep.downtime_hours.sum()
    )
    # ``amount`` is already in the company currency (records.load_records, kit.money).
    orders = src.orders.filter(src.orders.day <= w.day)
    usage = src.usage.join(assets.select("asset_id", "account_id"), "asset_id")
    return {
        "assets": assets,
        "events": events,
        "components": components,
        "orders": orders,
        "visits": src.visits.filter(src.visits.day <= w.day),
        "usage": usage,
    }


def feature_table(
    src: Sources,
    cutoff: date,
    level: str,
    families: Iterable[str] = (),
    chosen: list[Feature] | None = None,
) -> ir.Table:
    """An Ibis table with one row per asset or account and one column per feature."""
    key, w = KEYS[level], Window(cutoff)
    todo = chosen if chosen is not None else features(level, families)
    parts = _prepared(src, w)
    if level == "asset":
        base = parts["assets"]
        row = [f for f in todo if f.source == "assets"]
        base = base.select(
            "asset_id",
            "account_id",
            "external_id",
            "model",
            "product_line",
            *[f.expr(base, w).name(f.slug) for f in row],
        )
    else:
        base = src.accounts.select("account_id")
    for source in SOURCE_ORDER:
        group = [
            f for f in todo if f.source == source and not (level == "asset" and source == "assets")
        ]
        if not group:
            continue
        t = parts[source]
        agg = t.group_by(key).aggregate(**{f.slug: f.expr(t, w) for f in group})
        joined = base.left_join(agg, base[key] == agg[key])
        base = joined.select(
            base,
            *[
                (agg[f.slug].fill_null(f.fill) if f.fill is not None else agg[f.slug]).name(f.slug)
                for f in group
            ],
        )
    derived = [f for f in todo if f.source == "derived"]
    if derived:
        base = base.mutate(**{f.slug: f.expr(base, w) for f in derived})
    return base


def compute(src: Sources, cutoff: date, level: str, families: Iterable[str] = ()) -> pa.Table:
    """The features of every asset or account as of the cutoff, as an Arrow table."""
    return to_arrow(feature_table(src, cutoff, level, families).order_by(KEYS[level]))


def repeat_window(src: Sources, cutoff: date, days: int) -> ir.Table:
    """Per asset: its most repaired component in (cutoff - days, cutoff], count, downtime, dates."""
    w = Window(cutoff)
    e = src.events
    rep = e.filter(
        (e.kind == "repair") & e.component.notnull() & (e.day <= w.day) & (e.day > w.since(days))
    )
    per = rep.group_by(["asset_id", "component"]).aggregate(
        n=rep.count(), downtime=rep.downtime_hours.sum(), first=rep.day.min(), last=rep.day.max()
    )
    rank = per.n * 100_000 + per.downtime
    return per.group_by("asset_id").aggregate(
        rep_component=per.component.argmax(rank),
        rep_n=per.n.max(),
        rep_downtime_h=per.downtime.argmax(rank),
        rep_first=per.first.argmax(rank),
        rep_last=per.last.argmax(rank),
    )


def lead_assets(src: Sources, cutoff: date, repeat_days: int) -> pa.Table:
    """Asset features plus the repeat-repair window: the input of the asset lead rules."""
    base = feature_table(src, cutoff, "asset")
    rep = repeat_window(src, cutoff, repeat_days)
    joined = base.left_join(rep, base.asset_id == rep.asset_id)
    return to_arrow(
        joined.select(
            base, rep.rep_component, rep.rep_n, rep.rep_downtime_h, rep.rep_first, rep.rep_last
        ).order_by("asset_id")
    )
