"""Features + segments + leads on 1,000,000 assets / 10,000,000 service events (issue 4).

Data is generated straight into DuckDB (generate_series), the way the analytics batch sees
records after they arrive as Arrow. Measured: the Ibis feature code path (asset and account
level), the pure segment scoring, the lead rules and their assembly; reference in the same
run: hand-written DuckDB SQL for the same features, whose numbers must be equal.
"""

from __future__ import annotations

import resource
import time
from collections import Counter
from datetime import date

import duckdb
import ibis
import pyarrow as pa

from servitize.core.settings import IntelligenceSettings
from servitize.intelligence import rules, segments
from servitize.intelligence.featurize import Sources, compute, lead_assets, quiet_backend
from servitize.intelligence.leads import assemble

AS_OF = date(2026, 11, 23)
SIZES = {"small": (2_000, 20_000, 200_000), "full": (100_000, 1_000_000, 10_000_000)}

FILL = """
CREATE MACRO h(x, k) AS CAST(hash(x) % k AS BIGINT);
CREATE TABLE ix_accounts AS SELECT g AS account_id, 'A' || g AS external_id, 'Customer ' || g AS name,
  (['DE','SE','US','BR','IN'])[g % 5 + 1] AS country, 't' || (g % 20) AS territory, 'food' AS industry,
  (['family','listed','investor','public'])[g % 4 + 1] AS ownership_type, NULL::BIGINT AS owner_id,
  NULL::BIGINT AS dealer_id, g % 5 + 1 AS volume, (g * 7) % 5 + 1 AS profitability_potential,
  (g * 3) % 5 + 1 AS technical_risk, g % 3 + 1 AS country_risk, (g * 11) % 5 + 1 AS relationship_quality
FROM range(1, {a} + 1) t(g);
CREATE TABLE ix_assets AS SELECT g AS asset_id, (g * 7919) % {a} + 1 AS account_id, NULL::BIGINT AS site_id,
  'E' || g AS external_id, 'SN' || g AS serial, 'PX-' || (g % 30) AS model,
  (['pumps','compressors','fillers'])[g % 3 + 1] AS product_line,
  CASE WHEN g % 7 = 0 THEN 'competitor' ELSE 'own' END AS origin,
  DATE '1996-01-01' + CAST(h(g, 11000) AS INTEGER) AS install_date,
  (['none','legacy','current'])[h(g * 3, 3) + 1] AS connectivity,
  DATE '2024-01-01' + CAST(h(g * 5, 1400) AS INTEGER) AS warranty_end,
  CASE WHEN g % 4 = 0 THEN 'maintenance' ELSE 'none' END AS coverage,
  CASE WHEN g % 8 = 0 THEN DATE '2026-01-01' + CAST(h(g, 700) AS INTEGER) END AS contract_end
FROM range(1, {n} + 1) t(g);
CREATE TABLE ix_events AS SELECT a.asset_id, a.account_id,
  DATE '2021-01-01' + CAST(h(g * 13, 2153) AS INTEGER) AS day,
  (['repair','repair','maintenance','inspection','visit'])[h(g, 5) + 1] AS kind,
  (['seal','bearing','motor','valve','filter','belt'])[h(g * 17, 6) + 1] AS component,
  CAST(h(g * 19, 100000) AS BIGINT) AS parts_cost_cents, (h(g, 80)) / 10.0 AS labour_hours,
  (h(g * 23, 200)) / 10.0 AS downtime_hours
FROM range(0, {e}) t(g) JOIN ix_assets a ON a.asset_id = g % {n} + 1;
CREATE TABLE ix_orders AS SELECT g % {a} + 1 AS account_id, g % 6 + 1 AS offering_id,
  DATE '2021-01-01' + CAST(h(g * 29, 2153) AS INTEGER) AS day,
  CAST(h(g * 31, 500000) AS BIGINT) AS amount_cents, (['EUR','EUR','SEK'])[g % 3 + 1] AS currency,
  (['spare_parts','maintenance_contract','condition_monitoring','repair','machines','retrofit'])[g % 6 + 1] AS family,
  (['spare_parts','service','digital_service','service','product','expanded_range'])[g % 6 + 1] AS shell,
  1.0 AS quantity
FROM range(0, {a} * 10) t(g);
-- Records arrive with amounts in the company currency (records.load_records, kit.money).
ALTER TABLE ix_orders ADD COLUMN amount BIGINT;
UPDATE ix_orders SET amount = CASE currency WHEN 'EUR' THEN amount_cents
  ELSE CAST(round(amount_cents * 0.088) AS BIGINT) END;
CREATE TABLE ix_visits AS SELECT g % {a} + 1 AS account_id, g % 500 + 1 AS technician_id,
  DATE '2024-01-01' + CAST(h(g * 37, 1057) AS INTEGER) AS day FROM range(0, {a} * 2) t(g);
CREATE TABLE ix_rates AS SELECT 'SEK' AS currency, DATE '2020-01-01' AS day, 0.088 AS rate;
CREATE TABLE ix_usage (asset_id BIGINT, utilisation DOUBLE, energy_kwh DOUBLE,
  operating_hours DOUBLE, known_hours DOUBLE, unplanned_stops BIGINT);
"""

HAND_ACCOUNT = """
WITH a AS (SELECT * FROM ix_assets WHERE install_date IS NULL OR install_date <= DATE '{d}'),
e AS (SELECT * FROM ix_events WHERE day <= DATE '{d}'),
o AS (SELECT * FROM ix_orders o WHERE o.day <= DATE '{d}'),
comp AS (SELECT asset_id, account_id, component, count(*) AS n FROM e WHERE kind = 'repair'
         AND component IS NOT NULL AND day > DATE '{d}' - 365 GROUP BY ALL),
fa AS (SELECT account_id, count(*) assets, count(*) FILTER (origin = 'own') own_assets,
  count(*) FILTER (origin = 'competitor') competitor_assets,
  count(*) FILTER (connectivity <> 'none') connected_assets,
  count(*) FILTER (connectivity = 'current') current_sensor_assets,
  avg(date_diff('day', install_date, DATE '{d}') / 365.25) mean_age_years,
  count(*) FILTER (coverage <> 'none' AND (contract_end IS NULL OR contract_end >= DATE '{d}')) contract_assets
  FROM a GROUP BY 1),
fe AS (SELECT account_id, count(*) FILTER (kind = 'repair' AND day > DATE '{d}' - 182) repairs_6m,
  count(*) FILTER (kind = 'repair' AND day > DATE '{d}' - 365) repairs_12m,
  sum(downtime_hours) FILTER (kind = 'repair' AND day > DATE '{d}' - 365) downtime_12m_h,
  count(*) FILTER (day > DATE '{d}' - 365) work_orders_12m FROM e GROUP BY 1),
fc AS (SELECT account_id, max(n) max_component_repairs_12m FROM comp GROUP BY 1),
fo AS (SELECT account_id, count(*) FILTER (day > DATE '{d}' - 730) orders_24m,
  CAST(round(sum(amount) FILTER (day > DATE '{d}' - 365)) AS BIGINT) spend_12m_cents,
  CAST(round(sum(amount) FILTER (day > DATE '{d}' - 365 AND shell IN {svc})) AS BIGINT) service_spend_12m_cents,
  CAST(round(sum(amount) FILTER (day > DATE '{d}' - 730 AND shell IN {svc})) AS BIGINT) service_spend_24m_cents,
  sum(amount) FILTER (day > DATE '{d}' - 730 AND shell IN {svc})
        / sum(amount) FILTER (day > DATE '{d}' - 730) service_share_24m,
  count(*) FILTER (day > DATE '{d}' - 365 AND amount IS NULL) unconverted_orders_12m,
  count(DISTINCT family) FILTER (day > DATE '{d}' - 730 AND shell IN {svc}) families_24m,
  count(*) FILTER (day > DATE '{d}' - 730 AND shell IN ('digital_service', 'smart_pss_bundle')) digital_orders_24m,
  date_diff('day', max(day), DATE '{d}') days_since_purchase FROM o GROUP BY 1),
fv AS (SELECT account_id, count(*) FILTER (day > DATE '{d}' - 365) visits_12m FROM ix_visits
       WHERE day <= DATE '{d}' GROUP BY 1)
SELECT ac.account_id, coalesce(assets, 0) assets, coalesce(own_assets, 0) own_assets,
  coalesce(competitor_assets, 0) competitor_assets, coalesce(connected_assets, 0) connected_assets,
  coalesce(current_sensor_assets, 0) current_sensor_assets, mean_age_years,
  coalesce(contract_assets, 0) contract_assets, coalesce(repairs_6m, 0) repairs_6m,
  coalesce(repairs_12m, 0) repairs_12m, coalesce(downtime_12m_h, 0) downtime_12m_h,
  coalesce(work_orders_12m, 0) work_orders_12m, coalesce(max_component_repairs_12m, 0) max_component_repairs_12m,
  coalesce(orders_24m, 0) orders_24m, coalesce(spend_12m_cents, 0) spend_12m_cents,
  coalesce(service_spend_12m_cents, 0) service_spend_12m_cents,
  coalesce(service_spend_24m_cents, 0) service_spend_24m_cents, service_share_24m,
  coalesce(unconverted_orders_12m, 0) unconverted_orders_12m,
  coalesce(families_24m, 0) families_24m, coalesce(digital_orders_24m, 0) digital_orders_24m,
  days_since_purchase, coalesce(visits_12m, 0) visits_12m,
  CASE WHEN assets > 0 THEN competitor_assets / assets END competitor_share,
  CASE WHEN assets > 0 THEN connected_assets / assets END connected_share
FROM ix_accounts ac LEFT JOIN fa USING (account_id) LEFT JOIN fe USING (account_id)
LEFT JOIN fc USING (account_id) LEFT JOIN fo USING (account_id) LEFT JOIN fv USING (account_id)
ORDER BY ac.account_id
"""

HAND_ASSET = """
WITH e AS (SELECT * FROM ix_events WHERE day <= DATE '{d}'),
comp AS (SELECT asset_id, component, count(*) AS n, sum(downtime_hours) AS downtime FROM e
         WHERE kind = 'repair' AND component IS NOT NULL AND day > DATE '{d}' - 365 GROUP BY ALL),
fc AS (SELECT asset_id, max(n) max_component_repairs_12m, arg_max(component, n * 1000 + downtime) top_component_12m,
       count(*) FILTER (n >= 2) repeat_failure_components_12m FROM comp GROUP BY 1),
fe AS (SELECT asset_id, count(*) FILTER (kind = 'repair' AND day > DATE '{d}' - 182) repairs_6m,
  count(*) FILTER (kind = 'repair' AND day > DATE '{d}' - 365) repairs_12m,
  sum(downtime_hours) FILTER (kind = 'repair' AND day > DATE '{d}' - 365) downtime_12m_h,
  sum(parts_cost_cents) FILTER (day > DATE '{d}' - 365) parts_cost_12m_cents,
  date_diff('day', max(day), DATE '{d}') days_since_service FROM e GROUP BY 1)
SELECT a.asset_id, a.account_id, date_diff('day', install_date, DATE '{d}') / 365.25 age_years,
  date_diff('day', DATE '{d}', warranty_end) warranty_days_left,
  CASE WHEN coverage <> 'none' THEN date_diff('day', DATE '{d}', contract_end) END contract_days_left,
  coalesce(repairs_6m, 0) repairs_6m, coalesce(repairs_12m, 0) repairs_12m,
  coalesce(downtime_12m_h, 0) downtime_12m_h, coalesce(parts_cost_12m_cents, 0) parts_cost_12m_cents,
  days_since_service, coalesce(max_component_repairs_12m, 0) max_component_repairs_12m,
  top_component_12m, coalesce(repeat_failure_components_12m, 0) repeat_failure_components_12m
FROM ix_assets a LEFT JOIN fe USING (asset_id) LEFT JOIN fc USING (asset_id)
WHERE install_date IS NULL OR install_date <= DATE '{d}'
ORDER BY a.asset_id
"""


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# Which component is "top" among ties of (repairs, downtime) is arbitrary in both code paths.
TIES = {"top_component_12m"}


def _equal(ours: pa.Table, hand: pa.Table) -> list[str]:
    """Columns whose values differ (floats within 1e-6)."""
    bad = []
    for name in [c for c in hand.column_names if c not in TIES]:
        a, b = ours[name].to_pylist(), hand[name].to_pylist()
        same = len(a) == len(b) and all(
            x == y or (isinstance(x, float) and isinstance(y, float) and abs(x - y) < 1e-6)
            for x, y in zip(a, b, strict=True)
        )
        if not same:
            bad.append(name)
    return bad


def run(scale: str) -> dict[str, object]:
    """Generate the data, time the Ibis path and the hand-written SQL, check equal numbers."""
    accounts, assets, events = SIZES[scale]
    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(FILL.format(a=accounts, n=assets, e=events))
    fill_s = time.perf_counter() - t
    icon = ibis.duckdb.from_connection(con)
    with quiet_backend():
        src = Sources(
            **{
                n: icon.table(f"ix_{n}")
                for n in ("accounts", "assets", "events", "orders", "visits", "rates", "usage")
            }
        )
    s = IntelligenceSettings()
    svc = "('service', 'spare_parts', 'digital_service', 'smart_pss_bundle')"

    t = time.perf_counter()
    acc = compute(src, AS_OF, "account")
    ast = compute(src, AS_OF, "asset")
    ibis_s = time.perf_counter() - t
    t = time.perf_counter()
    hand_acc = con.execute(HAND_ACCOUNT.format(d=AS_OF, svc=svc)).to_arrow_table()
    hand_ast = con.execute(HAND_ASSET.format(d=AS_OF)).to_arrow_table()
    sql_s = time.perf_counter() - t
    differ = _equal(acc, hand_acc) + _equal(ast, hand_ast)

    t = time.perf_counter()
    fields = {
        r["account_id"]: r for r in con.execute("FROM ix_accounts").to_arrow_table().to_pylist()
    }
    segs = Counter(
        segments.score({**fields[r["account_id"]], **r}, s.segments).label for r in acc.to_pylist()
    )
    segments_s = time.perf_counter() - t

    t = time.perf_counter()
    lead_rows = lead_assets(src, AS_OF, s.leads.repeat_window_days)
    hits = rules.hits(acc, "account", s.leads) + rules.hits(lead_rows, "asset", s.leads)
    offerings = [
        {
            "offering_id": i + 1,
            "external_id": f"O{i}",
            "name": f.replace("_", " "),
            "family": f,
            "shell": "service",
            "list_price_cents": 100_00,
        }
        for i, f in enumerate(
            ["spare_parts", "maintenance_contract", "condition_monitoring", "retrofit"]
        )
    ]
    cands = assemble(hits, offerings, s)
    leads_s = time.perf_counter() - t
    total = fill_s + ibis_s + segments_s + leads_s
    return {
        "accounts": accounts,
        "assets": assets,
        "service_events": events,
        "generate_s": round(fill_s, 2),
        "features_ibis_s": round(ibis_s, 2),
        "features_hand_sql_s": round(sql_s, 2),
        "ratio_ibis_to_sql": round(ibis_s / sql_s, 2),
        "numbers_equal": not differ,
        "columns_differing": differ,
        "segments_s": round(segments_s, 2),
        "segments": dict(segs),
        "leads_s": round(leads_s, 2),
        "rule_hits": len(hits),
        "leads": len(cands),
        "features_segments_leads_s": round(ibis_s + segments_s + leads_s, 2),
        "total_with_generation_s": round(total, 2),
        "peak_rss_mb": _peak_mb(),
    }
