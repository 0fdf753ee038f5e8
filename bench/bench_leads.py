"""Leads built as columns vs row by row, and written in bulk vs one ORM object per lead (issue 17).

The build starts from the feature tables the lead rules read (account features and the lead
rows of assets): these are computed once, with the analytics batch's own Ibis code, over a
synthetic installed base generated in DuckDB (``bench_intelligence.FILL``; full: 100,000
accounts, 1,000,000 machines, 2,000,000 service events, which gives ~230,000 leads). Measured in
the same run:

- build: ``leads_columns.build`` against the row path it replaced (``rules.hits`` +
  ``leads.assemble``), with every lead compared field by field, evidence as stored JSON text;
- write, on SQLite and PostgreSQL: ``service.store_leads`` (leads and their audit entries)
  against a plain bulk insert of the very rows it wrote (``executemany`` of tuples on SQLite,
  ``COPY`` on PostgreSQL), and against the row-by-row write it replaced (below, as it was:
  one ORM object, flush and audit entry per lead) on a sample, whose rows must read back equal.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa
import sqlalchemy as sa
from rich.progress import Progress
from sqlalchemy.orm import Session

from bench.bench_intelligence import FILL
from bench.pg import fresh_database
from servitize.core import migrate
from servitize.core.db import make_engine
from servitize.core.settings import IntelligenceSettings
from servitize.installed_base.models import Account, Offering
from servitize.intelligence import leads_columns, repository, rules
from servitize.intelligence.featurize import Sources, compute, lead_assets, quiet_backend
from servitize.intelligence.leads import Candidate, assemble
from servitize.intelligence.models import Lead, LeadStatus
from servitize.intelligence.service import LeadRun, _plain, store_leads
from servitize.trust.audit import SYSTEM, Actor, record

AS_OF = date(2026, 11, 23)
SIZES = {"small": (5_000, 50_000, 100_000), "full": (100_000, 1_000_000, 2_000_000)}
SAMPLE = {"small": 2_000, "full": 5_000}  # leads written row by row (the old write is slow)
OFFERINGS = [
    ("S-PM", "Preventive maintenance contract", "maintenance_contract", "service", 1_400_00),
    ("D-CM", "Condition monitoring", "condition_monitoring", "digital_service", 45_00),
    ("P-SEAL", "Seal kit", "spare_parts", "spare_parts", 120_00),
    ("X-RETRO", "Retrofit", "retrofit", "expanded_range", 9_000_00),
]
MODELS = {"D-CM": ("subscription", "month")}


def _offerings() -> list[dict[str, Any]]:
    return [
        {
            "offering_id": i + 1,
            "external_id": ext,
            "name": name,
            "family": family,
            "shell": shell,
            "list_price_cents": price,
            "revenue_model": MODELS.get(ext, ("one_time", None))[0],
            "unit": MODELS.get(ext, ("one_time", "each"))[1],
        }
        for i, (ext, name, family, shell, price) in enumerate(OFFERINGS)
    ]


def features(scale: str) -> dict[str, pa.Table]:
    """Account features and lead rows of assets over a generated installed base."""
    accounts, assets, events = SIZES[scale]
    con = duckdb.connect()
    con.execute(FILL.format(a=accounts, n=assets, e=events))
    icon = ibis.duckdb.from_connection(con)
    names = ("accounts", "assets", "events", "orders", "visits", "rates", "usage")
    with quiet_backend():
        src = Sources(**{n: icon.table(f"ix_{n}") for n in names})
    s = IntelligenceSettings()
    return {
        "account": compute(src, AS_OF, "account"),
        "asset": lead_assets(src, AS_OF, s.leads.repeat_window_days),
    }


def _row(c: Candidate) -> tuple[Any, ...]:
    return (
        c.account_id,
        c.offering_id,
        c.offering_key,
        c.rule,
        c.source,
        c.score,
        c.value_cents,
        c.story,
        json.dumps(_plain(c.evidence)),
        c.asset_ids,
    )


def _table_rows(t: pa.Table) -> list[tuple[Any, ...]]:
    keys = ["account_id", "offering_id", "offering_key", "rule", "source", "score"]
    keys += ["value_cents", "story", "evidence", "asset_ids"]
    return list(zip(*(t[k].to_pylist() for k in keys), strict=True))


def write_row_by_row(
    session: Session,
    as_of: date,
    cands: list[Candidate],
    s: IntelligenceSettings,
    currency: str,
    actor: Actor = SYSTEM,
) -> LeadRun:
    """The write ``store_leads`` replaced, as it was in ``service.generate_leads``: one ORM
    object, flush and audit entry per lead (the reference)."""
    leads = {(x.account_id, x.offering_key, x.status): x for x in repository.live_leads(session)}
    created = updated = quiet = 0
    by_source: Counter[str] = Counter()
    by_offering: Counter[str] = Counter()
    for c in cands:
        dismissed = leads.get((c.account_id, c.offering_key, LeadStatus.dismissed))
        lead = leads.get((c.account_id, c.offering_key, LeadStatus.open))
        if lead is None and dismissed and dismissed.quiet_until and dismissed.quiet_until >= as_of:
            quiet += 1
            continue
        values = {
            "offering_id": c.offering_id,
            "asset_ids": c.asset_ids,
            "source": c.source,
            "rule": c.rule,
            "score": c.score,
            "estimated_value_cents": c.value_cents,
            "story": c.story,
            "evidence": _plain(c.evidence),
            "as_of": as_of,
            "expires_on": as_of + timedelta(days=s.leads.lead_ttl_days),
        }
        if lead is None:
            lead = Lead(
                account_id=c.account_id,
                offering_key=c.offering_key,
                currency=currency,
                status=LeadStatus.open,
                **values,
            )
            session.add(lead)
            session.flush()
            record(session, actor, "create", "lead", lead.id, after=values)
            created += 1
        else:
            before = {"score": lead.score}
            for k, v in values.items():
                setattr(lead, k, v)
            record(
                session,
                actor,
                "update",
                "lead",
                lead.id,
                before=before,
                after={"score": c.score, "as_of": as_of},
            )
            updated += 1
        by_source[c.source] += 1
        by_offering[c.offering_key] += 1
    session.flush()
    return LeadRun(
        as_of=as_of,
        created=created,
        updated=updated,
        expired=0,
        quiet=quiet,
        by_source=dict(by_source),
        by_offering=dict(by_offering),
    )


def _seed(url: str, accounts: int) -> sa.Engine:
    """A migrated records DB with the accounts (ids 1..n) and offerings the leads point to."""
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        session.execute(
            sa.insert(Account),
            [{"external_id": f"A{i}", "name": f"Customer {i}"} for i in range(1, accounts + 1)],
        )
        for o in _offerings():
            session.add(
                Offering(
                    external_id=o["external_id"],
                    name=o["name"],
                    family=o["family"],
                    shell=o["shell"],
                    revenue_model=o["revenue_model"],
                    list_price_cents=o["list_price_cents"],
                    unit=o["unit"],
                )
            )
        session.commit()
        assert session.scalar(sa.select(sa.func.max(Account.id))) == accounts
    return engine


def _clear(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_entry"))
        conn.execute(sa.text("DELETE FROM lead"))


STORED = (
    "account_id, offering_id, offering_key, asset_ids, source, rule, score, "
    "estimated_value_cents, currency, story, evidence, status, as_of, expires_on"
)


def _stored(engine: sa.Engine) -> list[tuple[Any, ...]]:
    """Every lead as read back through SQLAlchemy (JSON parsed), by account and offering."""
    with Session(engine) as session:
        leads = session.scalars(sa.select(Lead).order_by(Lead.account_id, Lead.offering_key))
        return [tuple(getattr(x, c.strip()) for c in STORED.split(",")) for x in leads]


def _raw(engine: sa.Engine, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        result = conn.exec_driver_sql(f'SELECT * FROM "{table}"')
        keys = list(result.keys())
        names = [c for c in keys if c != "id"]
        at = [i for i, c in enumerate(keys) if c != "id"]
        return names, [tuple(r[i] for i in at) for r in result]


def _plain_insert(engine: sa.Engine, rows: dict[str, tuple[list[str], list[tuple]]]) -> float:
    """The same rows by the database's plainest bulk path, timed."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        t = time.perf_counter()
        for table, (names, values) in rows.items():
            columns = ", ".join(f'"{c}"' for c in names)
            if engine.dialect.name == "postgresql":
                with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                    for v in values:
                        copy.write_row(v)
            else:
                marks = ", ".join("?" for _ in names)
                cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', values)
        raw.commit()
        return time.perf_counter() - t
    finally:
        raw.close()


def _pg_ready(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    # psycopg reads json back as Python objects; COPY wants the text.
    return [tuple(json.dumps(v) if isinstance(v, (dict, list)) else v for v in r) for r in rows]


def write(
    engine: sa.Engine, leads: pa.Table, cands: list[Candidate], sample: int
) -> dict[str, Any]:
    """Time store_leads, a plain bulk insert of the same rows, and the row-by-row write."""
    s = IntelligenceSettings()
    out: dict[str, Any] = {}
    # The old write on a sample, then the new one of the same sample: equal rows?
    picked = sorted(range(len(cands)), key=lambda i: (i * 7919) % len(cands))[:sample]
    picked.sort()
    with Session(engine) as session:
        t = time.perf_counter()
        write_row_by_row(session, AS_OF, [cands[i] for i in picked], s, "EUR")
        session.commit()
        old_s = time.perf_counter() - t
    old_rows = _stored(engine)
    _clear(engine)
    with Session(engine) as session:
        store_leads(session, leads.take(pa.array(picked)), AS_OF, s, "EUR")
        session.commit()
    out["sample_rows_equal"] = _stored(engine) == old_rows
    _clear(engine)
    out["row_by_row_sample"] = sample
    out["row_by_row_s"] = round(old_s, 2)
    out["row_by_row_rows_per_s"] = round(sample / old_s)

    with Session(engine) as session:
        t = time.perf_counter()
        run = store_leads(session, leads, AS_OF, s, "EUR")
        session.commit()
        new_s = time.perf_counter() - t
    out["bulk_s"] = round(new_s, 2)
    out["bulk_rows_per_s"] = round(leads.num_rows / new_s)
    out["created"] = run["created"]
    rows = {t: _raw(engine, t) for t in ("lead", "audit_entry")}
    if engine.dialect.name == "postgresql":
        rows = {t: (names, _pg_ready(v)) for t, (names, v) in rows.items()}
    _clear(engine)
    plain_s = _plain_insert(engine, rows)
    out["plain_insert_s"] = round(plain_s, 2)
    out["ratio_plain_to_bulk"] = round(plain_s / new_s, 2)
    out["speedup_vs_row_by_row"] = round((old_s / sample) / (new_s / leads.num_rows), 1)
    _clear(engine)
    return out


def run(scale: str) -> dict[str, object]:
    """Features once; the build both ways (compared); the write both ways on both databases."""
    s = IntelligenceSettings()
    offerings = _offerings()
    with Progress() as progress:
        task = progress.add_task("leads", total=5)
        t = time.perf_counter()
        tables = features(scale)
        features_s = time.perf_counter() - t
        progress.advance(task)

        t = time.perf_counter()
        hits = rules.hits(tables["account"], "account", s.leads)
        hits += rules.hits(tables["asset"], "asset", s.leads)
        cands = assemble(hits, offerings, s)
        rows_s = time.perf_counter() - t
        progress.advance(task)

        t = time.perf_counter()
        leads = leads_columns.build(tables, offerings, s)
        columns_s = time.perf_counter() - t
        progress.advance(task)
        same = [_row(c) for c in cands] == _table_rows(leads)

        accounts = SIZES[scale][0]
        result: dict[str, object] = {
            "accounts": accounts,
            "assets": SIZES[scale][1],
            "service_events": SIZES[scale][2],
            "features_s": round(features_s, 2),
            "rule_hits": len(hits),
            "leads": leads.num_rows,
            "build_row_by_row_s": round(rows_s, 2),
            "build_columns_s": round(columns_s, 2),
            "build_speedup": round(rows_s / columns_s, 1),
            "leads_equal": same,
        }
        with tempfile.TemporaryDirectory() as folder:
            engine = _seed(f"sqlite:///{Path(folder) / 'leads.db'}", accounts)
            result["sqlite"] = write(engine, leads, cands, SAMPLE[scale])
            engine.dispose()
        progress.advance(task)
        engine = _seed(fresh_database("servitize_bench_leads", migrated=False), accounts)
        result["postgres"] = write(engine, leads, cands, SAMPLE[scale])
        engine.dispose()
        progress.advance(task)
    return result
