"""Account 360 on 100,000 accounts / 1,000,000 assets in PostgreSQL: p50/p95 latency.

Target (issue 2): p95 under 100 ms. Measured in-process (service call) and over HTTP
(uvicorn in a subprocess, one client and 20 concurrent clients); the reference in the same run
is a bare endpoint of the same app stack (``/healthz``) under the same load.
"""

from __future__ import annotations

import random
import time

import sqlalchemy as sa
from rich.progress import Progress

from bench.http import load, percentiles, uvicorn_server
from bench.pg import fresh_database
from servitize.core.db import make_engine, session_factory
from servitize.installed_base.service import account_360
from servitize.trust.context import context_of
from servitize.trust.models import User
from servitize.trust.service import issue_token

SIZES = {"small": (2_000, 20_000, 40_000), "full": (100_000, 1_000_000, 2_000_000)}

FILL = """
INSERT INTO "user" (username, full_name, role, territory, active, created_at, updated_at)
SELECT 'owner' || g, 'Owner ' || g, 'account_owner', 't' || (g % 20), true, now(), now()
FROM generate_series(1, 200) g;
INSERT INTO account (external_id, name, kind, industry, country, territory, currency, owner_id,
                     volume, created_at, updated_at)
SELECT 'A' || g, 'Customer ' || g, 'customer', (ARRAY['paper','food','chemicals','mining'])[g % 4 + 1],
       (ARRAY['DE','SE','US','BR','IN'])[g % 5 + 1], 't' || (g % 20), 'EUR', g % 200 + 1, g % 5 + 1,
       now(), now()
FROM generate_series(1, :accounts) g;
INSERT INTO site (external_id, account_id, name, country, created_at, updated_at)
SELECT 'S' || g, (g - 1) / 2 + 1, 'Plant ' || g, 'DE', now(), now()
FROM generate_series(1, :accounts * 2) g;
INSERT INTO contact (external_id, account_id, name, buying_role, level, created_at, updated_at)
SELECT 'C' || g, (g - 1) / 3 + 1, 'Contact ' || g,
       (ARRAY['decision_maker','decision_influencer','user','technical','procurement'])[g % 5 + 1],
       'operations', now(), now()
FROM generate_series(1, :accounts * 3) g;
INSERT INTO asset (external_id, account_id, site_id, serial, model, product_line, origin,
                   competitor, install_date, connectivity, warranty_end, coverage, contract_end,
                   created_at, updated_at)
SELECT 'E' || g, (g - 1) % :accounts + 1, ((g - 1) % :accounts) * 2 + 1 + g % 2,
       CASE WHEN g % 50 = 0 THEN NULL ELSE 'SN' || g END, 'PX-' || (g % 30),
       (ARRAY['pumps','compressors','lines'])[g % 3 + 1],
       CASE WHEN g % 7 = 0 THEN 'competitor' ELSE 'own' END,
       CASE WHEN g % 7 = 0 THEN 'RivalCo' ELSE NULL END,
       date '1996-01-01' + (g % 10950), (ARRAY['none','legacy','current'])[g % 3 + 1],
       date '1998-01-01' + (g % 10950), CASE WHEN g % 4 = 0 THEN 'maintenance' ELSE 'none' END,
       CASE WHEN g % 4 = 0 THEN date '2025-01-01' + (g % 900) ELSE NULL END, now(), now()
FROM generate_series(1, :assets) g;
INSERT INTO service_event (external_id, asset_id, account_id, day, kind, component,
                           parts_cost_cents, currency, labour_hours, downtime_hours,
                           created_at, updated_at)
SELECT 'W' || g, (g - 1) % :assets + 1, ((g - 1) % :assets) % :accounts + 1,
       date '2021-01-01' + (g % 2150), (ARRAY['repair','maintenance','inspection','visit'])[g % 4 + 1],
       (ARRAY['seal','bearing','motor','valve'])[g % 4 + 1], (g % 500) * 100, 'EUR', g % 8, g % 12,
       now(), now()
FROM generate_series(1, :events) g;
ANALYZE;
"""


def run(scale: str) -> dict:
    """Fill PostgreSQL, then time the account 360 in-process and over HTTP."""
    accounts, assets, events = SIZES[scale]
    url = fresh_database("servitize_bench_360")
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        for statement in FILL.split(";\n"):
            if statement.strip():
                conn.execute(
                    sa.text(statement), {"accounts": accounts, "assets": assets, "events": events}
                )
    fill_s = time.perf_counter() - started
    factory = session_factory(engine)
    rng = random.Random(1)
    ids = [rng.randint(1, accounts) for _ in range(300)]
    with factory() as session:
        admin = User(username="bench-admin", role="admin", full_name="Bench")
        session.add(admin)
        session.flush()
        token = issue_token(session, admin)
        session.commit()
        samples = []
        with Progress() as progress:
            task = progress.add_task("account 360 in-process", total=len(ids))
            ctx = context_of(session, admin)
            for account_id in ids:
                t = time.perf_counter()
                account_360(ctx, account_id)
                samples.append(time.perf_counter() - t)
                progress.advance(task)
    engine.dispose()
    in_process = percentiles(samples)

    with uvicorn_server(url) as base:
        jobs = [(f"/api/v1/accounts/{i}", token) for i in ids]
        load(base, jobs[:20], 1)  # warm-up
        http_1, _, _ = load(base, jobs, 1)
        http_20, rate_20, _ = load(base, jobs * 2, 20)
        bare_20, bare_rate, _ = load(base, [("/healthz", token)] * len(jobs) * 2, 20)
    return {
        "accounts": accounts,
        "assets": assets,
        "service_events": events,
        "fill_s": round(fill_s, 1),
        "in_process": in_process,
        "http_1_client": http_1,
        "http_20_clients": http_20 | {"requests_per_s": rate_20},
        "reference_bare_endpoint_20_clients": bare_20 | {"requests_per_s": bare_rate},
        "ratio_rps_360_to_bare": round(rate_20 / bare_rate, 3),
        "target": "p95 < 100 ms (one client)",
        "met": http_1["p95_ms"] < 100,
    }
