"""A billing run over many contracts on PostgreSQL vs hand-written SQL computing the same lines.

small: 5,000 contracts; full: 100,000. Contracts of every kind: monthly and yearly
subscriptions, yearly service agreements and monthly licences with varied fees, indexation,
starts and ends inside the month (proration), amendments before and inside the month,
suspensions (resumed or not); and one in ten a usage contract with graduated tiers (some with an
included quantity and a minimum fee) on one or two machines whose status events lie in a
telemetry store in a temporary folder. Most accounts of usage contracts have a ``billing``
agreement; the rest have none and get "not billable" lines.

Both sides bill October 2026 and write their lines: the run (``servitize.offers.billing.run`` with
the telemetry meter and the availability settlement, as the API calls it) into ``billing_line``;
the SQL (one INSERT … SELECT) into a temporary table. The SQL reads the operating hours of each
serial from a temporary table filled before it is timed, with the hours the generator put into
the telemetry (whole days running); the run reads them from the telemetry store. Every
contract's billable total must be the same to the cent on both sides, and the number of lines
too, or the benchmark fails. No contract here has an availability clause or a one-time item.

The same SQL is timed a second time writing into ``billing_line`` itself (rolled back): the
run's lines pay for that table's unique key, indexes and foreign keys, the temporary table has
none; ``ratio_same_table`` compares the run with that. Ibis's DuckDB backend is imported before
the run is timed (a one-off of about 2 s per process that a server pays once).
"""

from __future__ import annotations

import cProfile
import os
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy import insert

from bench.bench_availability import Peak
from bench.pg import fresh_database
from servitize.core.db import make_engine, session_factory
from servitize.core.settings import Settings
from servitize.installed_base.models import Account, Asset
from servitize.offers import billing
from servitize.offers.metering import availability_settlement, telemetry_meter
from servitize.offers.models import Contract, ContractAsset, ContractChange
from servitize.telemetry.models import DataSharingAgreement
from servitize.telemetry.store import SCHEMAS, TelemetryStore
from servitize.trust.context import Context
from servitize.trust.models import User

SIZES = {"small": 5_000, "full": 100_000}
PERIOD = "2026-10"
MS, ME, MDAYS = date(2026, 10, 1), date(2026, 11, 1), 31
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

FUNCTIONS = """
CREATE OR REPLACE FUNCTION bench_round_even(x numeric) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
  SELECT (CASE WHEN abs(x - trunc(x)) = 0.5
               THEN trunc(x) + CASE WHEN trunc(x)::bigint % 2 = 0 THEN 0 ELSE sign(x) END
               ELSE round(x) END)::bigint
$$;
CREATE OR REPLACE FUNCTION bench_indexed(fee bigint, pct numeric, years int) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE f bigint := fee;
BEGIN
  FOR i IN 1..years LOOP f := bench_round_even(f * (1 + pct / 100)); END LOOP;
  RETURN f;
END $$;
"""

# The same rules as offers/billing.py, for the shapes this benchmark generates: at most one
# suspension (and its resume) and at most one change of fee per contract; graduated tiers.
SQL = """
INSERT INTO sql_line (contract_id, kind, amount_cents, quantity, billable)
WITH c AS (
  SELECT id, account_id, kind, fee_cents, period, start_on, indexation_pct, terms,
         greatest(start_on, CAST(:ms AS date)) AS s, least(coalesce(end_on, CAST(:me AS date)), CAST(:me AS date)) AS e
  FROM contract
  WHERE start_on < CAST(:me AS date) AND (end_on IS NULL OR end_on > CAST(:ms AS date)) AND status <> 'ended'
), ch AS (
  SELECT contract_id,
         min(effective_on) FILTER (WHERE kind = 'suspend') AS sus,
         min(effective_on) FILTER (WHERE kind = 'resume') AS res,
         min(effective_on) FILTER (WHERE kind IN ('amend', 'index')
                                     AND fee_after_cents IS NOT NULL) AS amend_on,
         min(fee_before_cents) FILTER (WHERE kind IN ('amend', 'index')
                                         AND fee_after_cents IS NOT NULL) AS fee_before,
         min(fee_after_cents) FILTER (WHERE kind IN ('amend', 'index')) AS fee_after
  FROM contract_change WHERE contract_id IN (SELECT id FROM c) GROUP BY contract_id
), p AS (
  SELECT c.*, ch.amend_on, ch.fee_before, ch.fee_after, ch.sus AS ps,
         CASE WHEN ch.sus IS NULL THEN NULL
              WHEN ch.res IS NOT NULL THEN greatest(ch.res, ch.sus)
              ELSE greatest(CAST(:me AS date), ch.sus) END AS pe
  FROM c LEFT JOIN ch ON ch.contract_id = c.id
  WHERE c.s < c.e
), sp AS (
  SELECT p.*, v.ss, v.se FROM p CROSS JOIN LATERAL (VALUES
    (p.s, CASE WHEN p.ps IS NULL OR p.pe <= p.s OR p.ps >= p.e THEN p.e ELSE p.ps END),
    (CASE WHEN p.ps IS NULL OR p.pe <= p.s OR p.ps >= p.e THEN NULL ELSE p.pe END, p.e)
  ) AS v(ss, se) WHERE v.ss < v.se
), seg AS (
  SELECT sp.*, g.gs, g.ge, g.fee FROM sp CROSS JOIN LATERAL (VALUES
    (sp.ss, CASE WHEN sp.amend_on > sp.ss AND sp.amend_on < sp.se THEN sp.amend_on ELSE sp.se END,
     CASE WHEN sp.amend_on IS NULL THEN sp.fee_cents
          WHEN sp.amend_on <= sp.ss THEN sp.fee_after
          ELSE coalesce(sp.fee_before, sp.fee_cents) END),
    (CASE WHEN sp.amend_on > sp.ss AND sp.amend_on < sp.se THEN sp.amend_on END, sp.se,
     sp.fee_after)
  ) AS g(gs, ge, fee)
  WHERE g.gs < g.ge AND sp.kind <> 'usage' AND sp.fee_cents <> 0
), fees AS (
  SELECT id, bench_round_even(
           bench_round_even(
             bench_indexed(fee, indexation_pct,
               greatest(extract(year FROM gs)::int - extract(year FROM start_on)::int
                 - CASE WHEN to_char(gs, 'MMDD') < to_char(start_on, 'MMDD') THEN 1 ELSE 0 END,
                 0))::numeric
             / CASE period WHEN 'year' THEN 12 WHEN 'quarter' THEN 3 ELSE 1 END)
           * (ge - gs)::numeric / :mdays) AS amount
  FROM seg
), agreed AS (
  SELECT DISTINCT account_id FROM data_sharing_agreement
  WHERE purposes::jsonb ? 'billing' AND data_kinds::jsonb ? 'status'
    AND valid_from <= :at AND (valid_to IS NULL OR :at < valid_to)
), u AS (
  SELECT DISTINCT ON (id) id, terms::jsonb AS terms,
         account_id IN (SELECT account_id FROM agreed) AS consented
  FROM sp WHERE kind = 'usage'
), q AS (
  SELECT ca.contract_id AS id, coalesce(sum(h.hours), 0) AS quantity
  FROM contract_asset ca
  JOIN contract k ON k.id = ca.contract_id AND k.kind = 'usage'
  JOIN asset a ON a.id = ca.asset_id AND a.account_id = k.account_id AND a.serial IS NOT NULL
  LEFT JOIN serial_hours h ON h.serial = a.serial
  GROUP BY ca.contract_id
), rated AS (
  SELECT u.id, u.consented, q.quantity,
         greatest(bench_round_even(t.amount),
                  coalesce((u.terms->>'minimum_fee_cents')::bigint, 0)) AS amount
  FROM u JOIN q ON q.id = u.id
  CROSS JOIN LATERAL (SELECT greatest(q.quantity
    - coalesce((u.terms->>'included_quantity')::numeric, 0), 0) AS b) AS x
  CROSS JOIN LATERAL (
    SELECT sum(greatest(least(x.b, coalesce(up_to, x.b)) - lower, 0) * unit) AS amount
    FROM (SELECT (e.tier->>'up_to')::numeric AS up_to, (e.tier->>'unit_cents')::numeric AS unit,
                 coalesce(lag((e.tier->>'up_to')::numeric) OVER (ORDER BY e.n), 0) AS lower
          FROM jsonb_array_elements(u.terms->'tiers') WITH ORDINALITY AS e(tier, n)) AS tiers
  ) AS t
)
SELECT id, 'fee', amount, NULL, true FROM fees
UNION ALL
SELECT id, 'usage', CASE WHEN consented THEN amount ELSE 0 END, quantity, consented FROM rated
"""


# The same SQL writing its lines where the run writes them: into ``billing_line`` itself, with
# its unique key, indexes and foreign keys (rolled back afterwards). The run's lines pay for
# those on every insert; the temporary table above has none of them.
SQL_INTO_BILLING_LINE = (
    "INSERT INTO billing_line (key, period, account_id, contract_id, kind, description, "
    "quantity, amount_cents, currency, billable, created_at) "
    "SELECT 'sql:' || r.contract_id || ':' || r.kind || ':' || row_number() OVER (), "
    "'2026-10', k.account_id, r.contract_id, r.kind, '', r.quantity, r.amount_cents, 'EUR', "
    "r.billable, now() FROM ("
    + SQL[SQL.index("WITH c AS") :]
    + ") AS r(contract_id, kind, amount_cents, quantity, billable) "
    "JOIN contract k ON k.id = r.contract_id"
)


def _contracts(n: int, accounts: int, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """Rows of contracts, their machines, changes, and the machines' October running days."""
    contracts: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    assets: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for cid in range(1, n + 1):
        account_id = rng.randint(1, accounts)
        roll = rng.random()
        kind, period = (
            ("usage", "month")
            if roll < 0.10
            else ("subscription", "month")
            if roll < 0.55
            else ("subscription", "year")
            if roll < 0.75
            else ("service_agreement", "year")
            if roll < 0.88
            else ("licence", "month")
        )
        where = rng.random()
        if where < 0.75:  # running for a while: 0 to 3 full contract years
            start = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1368))
        else:  # starts inside the month
            start = MS + timedelta(days=rng.randint(0, 30))
        end = MS + timedelta(days=rng.randint(1, 30)) if rng.random() < 0.05 else None
        if end is not None and end <= start:
            end = None
        fee = 0 if kind == "usage" else rng.randint(1_000, 60_000) * (12 if period == "year" else 1)
        terms: dict[str, Any] = {}
        if kind == "usage":
            terms = {
                "metric": "operating hour",
                "tiers": [
                    {"up_to": rng.choice([100, 200, 300]), "unit_cents": rng.choice([250, 300])},
                    {"up_to": 500, "unit_cents": rng.choice(["180", "175.5"])},
                    {"up_to": None, "unit_cents": 120},
                ],
            }
            if rng.random() < 0.3:
                terms["included_quantity"] = rng.choice([24, 50])
            if rng.random() < 0.3:
                terms["minimum_fee_cents"] = rng.choice([10_000, 50_000])
        status = "active"
        at = datetime(2026, 9, 1, tzinfo=UTC)
        change_roll = rng.random()
        if kind != "usage" and change_roll < 0.06:  # an amendment: upgrade or downgrade
            on = (
                MS + timedelta(days=rng.randint(1, 30))
                if change_roll < 0.04
                else max(start, date(2026, 9, 1)) - timedelta(days=rng.randint(1, 60))
            )
            new = max(100, int(fee * rng.choice([0.5, 0.8, 1.25, 2.0])))
            changes.append(
                {"contract_id": cid, "kind": "amend", "effective_on": on, "fee_before_cents": fee,
                     "fee_after_cents": new, "by": "bench", "at": at}
            )  # fmt: skip
            fee = new
        elif change_roll < 0.09:  # a suspension, resumed in the month or not
            sus = MS + timedelta(days=rng.randint(0, 29))
            changes.append(
                {
                    "contract_id": cid,
                    "kind": "suspend",
                    "effective_on": sus,
                    "by": "bench",
                    "at": at,
                }
            )
            if rng.random() < 0.6:
                res = sus + timedelta(days=rng.randint(1, 10))
                changes.append(
                    {
                        "contract_id": cid,
                        "kind": "resume",
                        "effective_on": res,
                        "by": "bench",
                        "at": at,
                    }
                )
            else:
                status = "suspended"
        contracts.append(
            {
                "id": cid, "number": f"C-{cid:07d}", "account_id": account_id, "kind": kind,
                "name": f"{kind.replace('_', ' ').title()} {cid}", "status": status, "currency": "EUR",
                "fee_cents": fee, "period": period, "terms": terms, "start_on": start,
                "minimum_term_end": date(start.year + 3, start.month, 1), "end_on": end,
                "notice_months": 3,
                "indexation_pct": rng.choice(["0", "0", "2.0", "2.5", "3.0", "3.75"]),
            }
        )  # fmt: skip
        if kind == "usage":
            for _ in range(rng.choice([1, 1, 2])):
                aid = len(assets) + 1
                assets.append(
                    {"id": aid, "external_id": f"EQ-{aid}", "account_id": account_id,
                         "serial": f"SN-{aid:07d}", "model": "PX-200", "origin": "own"}
                )  # fmt: skip
                links.append({"contract_id": cid, "asset_id": aid})
    return {"contracts": contracts, "changes": changes, "assets": assets, "links": links}


def _telemetry(root: Path, serials: list[str], rng: np.random.Generator) -> dict[str, float]:
    """Daily status events from 30 September to 1 November (running or idle each day, idle at
    the end); returns each serial's October running hours (24 per running day)."""
    days = 32  # 30 Sep .. 31 Oct; then one idle event on 1 Nov
    start = datetime(2026, 9, 30, tzinfo=UTC)
    p = rng.uniform(0.2, 0.95, len(serials))
    running = rng.random((len(serials), days)) < p[:, None]
    hours = {s: float(24 * running[i, 1:].sum()) for i, s in enumerate(serials)}
    n = len(serials) * (days + 1)
    first_us = int(start.timestamp()) * 1_000_000
    day_us = 86_400 * 1_000_000
    ts = np.tile(first_us + np.arange(days + 1, dtype=np.int64) * day_us, len(serials))
    states = np.where(
        np.concatenate([running, np.zeros((len(serials), 1), bool)], axis=1), "running", "idle"
    ).ravel()
    table = pa.table(
        {
            "serial": pa.array(np.repeat(np.array(serials), days + 1)),
            "ts": pa.array(ts, SCHEMAS["status"].field("ts").type),
            "state": pa.array(states),
            "reason": pa.nulls(n, pa.string()),
            "received_at": pa.array(ts, SCHEMAS["status"].field("received_at").type),
            "source": pa.array(["bench"] * n),
        },
        schema=SCHEMAS["status"],
    )
    TelemetryStore(root).append(table, "status")
    return hours


def run(scale: str) -> dict[str, object]:
    """Fill PostgreSQL and a telemetry store, then time the billing run and the SQL."""
    n = int(os.environ.get("BENCH_BILLING_CONTRACTS", SIZES[scale]))
    accounts = max(10, n // 10)
    rng = random.Random(11)
    url = fresh_database("servitize_bench_billing")
    engine = make_engine(url)
    factory = session_factory(engine)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        rows = _contracts(n, accounts, rng)
        usage_accounts = sorted(
            {c["account_id"] for c in rows["contracts"] if c["kind"] == "usage"}
        )
        silent = set(rng.sample(usage_accounts, max(1, len(usage_accounts) // 10)))
        with factory() as session:
            admin = User(username="bench-admin", role="admin", full_name="Bench")
            session.add(admin)
            session.flush()
            session.execute(
                insert(Account),
                [
                    {"id": i, "external_id": f"ACC-{i}", "name": f"Customer {i}", "currency": "EUR"}
                    for i in range(1, accounts + 1)
                ],
            )
            session.execute(insert(Asset), rows["assets"])
            session.execute(insert(Contract), rows["contracts"])
            session.execute(insert(ContractAsset), rows["links"])
            if rows["changes"]:
                session.execute(insert(ContractChange), rows["changes"])
            session.execute(
                insert(DataSharingAgreement),
                [
                    {"account_id": a, "data_kinds": ["status"], "purposes": ["billing"],
                         "valid_from": datetime(2026, 1, 1, tzinfo=UTC), "recorded_by": "bench"}
                    for a in usage_accounts if a not in silent
                ],
            )  # fmt: skip
            for table in ("account", "asset", "contract"):
                session.execute(
                    sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :v)"),
                    {
                        "v": {
                            "account": accounts,
                            "asset": len(rows["assets"]) or 1,
                            "contract": n,
                        }[table]
                    },
                )
            for statement in FUNCTIONS.split("$$;\n"):
                if statement.strip():
                    session.execute(sa.text(statement + "$$"))
            session.commit()
            admin_id = admin.id
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
        store_root = Path(tmp) / "telemetry"
        hours = _telemetry(
            store_root, [a["serial"] for a in rows["assets"]], np.random.default_rng(5)
        )
        fill_s = time.perf_counter() - t0

        # Ibis loads its DuckDB backend (and sqlglot's dialects) on first use, about 2 s once per
        # process: a server has it loaded, so it is loaded here before the run is timed.
        ibis.duckdb.connect().disconnect()
        with factory() as session:
            ctx = Context(session, session.get(User, admin_id), Settings(), NOW)
            store = TelemetryStore(store_root)
            profile = os.environ.get("BENCH_BILLING_PROFILE")  # a file for cProfile's stats
            profiler = cProfile.Profile() if profile else None
            with Peak() as run_mem:
                t0 = time.perf_counter()
                if profiler:
                    profiler.enable()
                result = billing.run(
                    ctx,
                    PERIOD,
                    telemetry_meter(session, store, "billing"),
                    availability_settlement(session, store),
                )
                session.commit()
                run_s = time.perf_counter() - t0
                if profiler:
                    profiler.disable()
                    profiler.dump_stats(profile)
            ours: dict[int, int] = {}
            for line in result.written:
                if line.billable and line.contract_id is not None:
                    ours[line.contract_id] = ours.get(line.contract_id, 0) + line.amount_cents
            run_lines = len(result.written)
            not_billable = sum(1 for ln in result.written if not ln.billable)

        with engine.connect() as conn:
            conn.execute(
                sa.text(
                    "CREATE TEMP TABLE sql_line (contract_id bigint, kind text, "
                    "amount_cents bigint, quantity numeric, billable boolean)"
                )
            )
            conn.execute(sa.text("CREATE TEMP TABLE serial_hours (serial text, hours numeric)"))
            conn.execute(
                sa.text("INSERT INTO serial_hours VALUES (:s, :h)"),
                [{"s": s, "h": h} for s, h in hours.items()],
            )
            conn.execute(sa.text("ANALYZE serial_hours"))
            conn.commit()
            with Peak() as sql_mem:
                t0 = time.perf_counter()
                conn.execute(
                    sa.text(SQL),
                    {"ms": MS, "me": ME, "mdays": MDAYS, "at": datetime(2026, 11, 1, tzinfo=UTC)},
                )
                conn.commit()
                sql_s = time.perf_counter() - t0
            params = {"ms": MS, "me": ME, "mdays": MDAYS, "at": datetime(2026, 11, 1, tzinfo=UTC)}
            t0 = time.perf_counter()
            same = conn.execute(sa.text(SQL_INTO_BILLING_LINE), params).rowcount
            sql_same_table_s = time.perf_counter() - t0
            conn.rollback()
            theirs = {
                cid: int(total)
                for cid, total in conn.execute(
                    sa.text(
                        "SELECT contract_id, sum(amount_cents) FROM sql_line WHERE billable "
                        "GROUP BY contract_id"
                    )
                )
            }
            sql_lines = conn.execute(sa.text("SELECT count(*) FROM sql_line")).scalar_one()
    engine.dispose()
    ours = {k: v for k, v in ours.items() if v}
    theirs = {k: v for k, v in theirs.items() if v}
    differing = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
    if differing or run_lines != sql_lines:
        raise AssertionError(
            f"the run and the SQL differ: {len(differing)} contracts (first: "
            f"{[(k, ours.get(k), theirs.get(k)) for k in differing[:5]]}), "
            f"lines {run_lines} vs {sql_lines}"
        )
    return {
        "contracts": n,
        "usage_contracts": sum(1 for c in rows["contracts"] if c["kind"] == "usage"),
        "machines_with_telemetry": len(rows["assets"]),
        "status_rows": len(rows["assets"]) * 33,
        "lines": run_lines,
        "not_billable_lines": not_billable,
        "total_cents": sum(ours.values()),
        "fill_s": round(fill_s, 2),
        "run_s": round(run_s, 2),
        "sql_s": round(sql_s, 2),
        "run_rows_per_s": round(run_lines / run_s),
        "sql_rows_per_s": round(sql_lines / sql_s),
        "ratio": round(run_s / sql_s, 2),
        "sql_into_billing_line_s": round(sql_same_table_s, 2),
        "sql_into_billing_line_lines": same,
        "ratio_same_table": round(run_s / sql_same_table_s, 2),
        "run_peak_mib": run_mem.mib,
        "sql_peak_mib": sql_mem.mib,
        "totals_identical_per_contract": True,
        "imports_warmed": "the Ibis DuckDB backend, before the run is timed",
        "sql_reads_hours_from": "a temporary table of each serial's October running hours, "
        "filled before the SQL is timed (the run reads them from the telemetry store)",
    }
