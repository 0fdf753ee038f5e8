"""Leads built as columns are the leads built row by row: a hand-checked fleet, and random feature
tables against a plain row-by-row builder written here (and against ``leads.assemble``)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servitize.core.settings import IntelligenceSettings, LeadRules
from servitize.intelligence import rules, stories
from servitize.intelligence.leads import assemble
from servitize.intelligence.leads_columns import build, json_values

ACCOUNT = pa.schema(
    [
        ("account_id", pa.int64()),
        ("own_assets", pa.int64()),
        ("competitor_assets", pa.int64()),
        ("competitor_share", pa.float64()),
        ("service_spend_12m_cents", pa.int64()),
        ("days_since_purchase", pa.int64()),
        ("unconverted_orders_12m", pa.int64()),
    ]
)
ASSET = pa.schema(
    [
        ("asset_id", pa.int64()),
        ("account_id", pa.int64()),
        ("external_id", pa.string()),
        ("model", pa.string()),
        ("product_line", pa.string()),
        ("age_years", pa.float64()),
        ("origin", pa.string()),
        ("connectivity", pa.string()),
        ("coverage", pa.string()),
        ("warranty_days_left", pa.int64()),
        ("contract_days_left", pa.int64()),
        ("under_contract", pa.bool_()),
        ("repairs_12m", pa.int64()),
        ("downtime_12m_h", pa.float64()),
        ("utilisation", pa.float64()),
        ("operating_hours_30d", pa.float64()),
        ("known_hours_30d", pa.float64()),
        ("energy_kwh_30d", pa.float64()),
        ("unplanned_stops_30d", pa.int64()),
        ("rep_component", pa.string()),
        ("rep_n", pa.int64()),
        ("rep_downtime_h", pa.float64()),
        ("rep_first", pa.date32()),
        ("rep_last", pa.date32()),
    ]
)
CONTRACT = {
    "offering_id": 11,
    "external_id": "S-PM",
    "name": "Preventive maintenance contract",
    "family": "maintenance_contract",
    "shell": "service",
    "list_price_cents": 1_400_00,
    "revenue_model": "one_time",
    "unit": None,
}
MONITORING = {
    "offering_id": 12,
    "external_id": "D-CM",
    "name": "Condition monitoring",
    "family": "condition_monitoring",
    "shell": "digital_service",
    "list_price_cents": 45_00,
    "revenue_model": "subscription",
    "unit": "month",
}


def _asset(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ASSET.names)
    row |= {"origin": "own", "connectivity": "current", "coverage": "none", "under_contract": False}
    return row | values


def test_a_hand_checked_fleet() -> None:
    accounts = pa.Table.from_pylist(
        [
            {
                "account_id": 1,
                "own_assets": 3,
                "competitor_assets": 1,
                "competitor_share": 0.25,
                "service_spend_12m_cents": 100_000,
                "days_since_purchase": 30,
                "unconverted_orders_12m": 0,
            }
        ],
        ACCOUNT,
    )
    pump = {"account_id": 1, "model": "PX", "product_line": "pumps", "age_years": 5.0}
    assets = pa.Table.from_pylist(
        [
            _asset(
                asset_id=10,
                external_id="P-104",
                connectivity="none",
                repairs_12m=4,
                downtime_12m_h=45.0,
                rep_component="seal",
                rep_n=3,
                rep_downtime_h=41.0,
                rep_first=date(2026, 6, 1),
                rep_last=date(2026, 11, 1),
                **pump,
            ),
            _asset(
                asset_id=11,
                external_id="P-105",
                connectivity="none",
                repairs_12m=2,
                downtime_12m_h=60.0,
                **pump,
            ),
        ],
        ASSET,
    )
    leads = build(
        {"account": accounts, "asset": assets}, [CONTRACT, MONITORING], IntelligenceSettings()
    ).to_pylist()
    assert [(x["account_id"], x["offering_key"]) for x in leads] == [
        (1, "condition_monitoring"),
        (1, "maintenance_contract"),
    ]
    cm, mc = leads
    # Repeat repairs (50 + 0 + 41 / 5 = 58.2) beats downtime (45 + (60 - 40) / 2 = 55.0).
    assert (cm["rule"], cm["score"], cm["offering_id"]) == ("repeat_repairs", 58.2, 12)
    assert cm["story"] == (
        "Pump P-104 needed three seal repairs in the last six months, 41 hours of downtime. "
        "Condition monitoring of the seals would have flagged two of them."
    )
    # Worth the best of its parts: downtime 60 h + 45 h at 500 EUR, a quarter of it.
    assert cm["value_cents"] == (60 + 45) * 500_00 // 4
    assert cm["asset_ids"] == [10, 11]
    evidence = json.loads(cm["evidence"])
    assert evidence["facts"] == {
        "asset_id": 10,
        "asset": "P-104",
        "model": "PX",
        "product_line": "pumps",
        "component": "seal",
        "repairs": 3,
        "window_days": 182,
        "downtime_hours": 41.0,
        "flaggable": 2,
        "first": "2026-06-01",
        "last": "2026-11-01",
    }
    assert evidence["machine_count"] == 1
    assert evidence["price"] == "45 EUR / month, 36 months"
    assert evidence["also"] == [
        {
            "rule": "downtime_without_monitoring",
            "source": "rule",
            "story": "Pump P-105 stood still for 60 hours in the last twelve months over two "
            "repairs (unplanned stops only), and it has no sensors. Condition monitoring "
            "would show the trouble coming. The same shows on one more machine.",
            "score": 55.0,
        }
    ]
    # Wallet share: 1,000 of 3 x 2,500 EUR is 13.3 %, 40 + 40 x (1 - 0.133 / 0.35) = 64.8.
    assert (mc["rule"], mc["score"], mc["asset_ids"]) == ("wallet_share", 64.8, [])
    assert mc["value_cents"] == (3 * 2_500_00 - 1_000_00) // 2
    assert mc["story"] == (
        "The customer spent 1,000 EUR on service and parts in the last twelve months; three "
        "machines of ours would need about 7,500 EUR. Preventive maintenance contract wins "
        "back the rest."
    )
    also = json.loads(mc["evidence"])["also"]
    assert [(a["rule"], a["score"]) for a in also] == [("competitor_fleet", 45.0)]
    assert "runs one competitor machine (25% of the base)" in also[0]["story"]


def test_values_read_as_json_writes_them() -> None:
    floats = [41.0, 0.1, 1 / 3, 1e-5, 1e16, 123456.789, -0.0, 9999999999999.99, 2.5e-4, None]
    texts = ["P-104", 'say "hi"', "é", "", "tab\there", None]
    days = [date(2026, 1, 2), None]
    for values, kind in ((floats, pa.float64()), (texts, pa.string()), (days, pa.date32())):
        got = json_values(pa.array(values, kind)).to_pylist()
        plain = [v.isoformat() if isinstance(v, date) else v for v in values]
        assert got == [json.dumps(v) for v in plain]


# --- a plain row-by-row builder: the reference ---------------------------------------------


def _pick(rule: str, offerings: list[dict[str, Any]], s: IntelligenceSettings) -> Any:
    for family in s.offer_families.get(rule, []):
        found = [o for o in offerings if o["family"] == family]
        if found:
            priced = [o for o in found if o["list_price_cents"] is not None]
            pool = priced or found
            return sorted(pool, key=lambda o: (o["list_price_cents"] or 0, o["offering_id"]))[0]
    for shell in s.fallback_shells.get(rule, []):
        found = [o for o in offerings if o["shell"] == shell]
        if found:
            return sorted(found, key=lambda o: o["offering_id"])[0]
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.isoformat() if isinstance(value, date) else value


def reference(
    tables: dict[str, pa.Table], offerings: list[dict[str, Any]], s: IntelligenceSettings
) -> list[tuple[Any, ...]]:
    """One hit per matching row, one candidate per account and rule, one lead per account and
    offering; every step a loop over rows."""
    groups: dict[tuple[int, str], list[rules.Hit]] = {}
    for rule in rules.RULES:
        t = tables[rule.level]
        for row, hit in zip(t.to_pylist(), rule.mask(t, s.leads).to_pylist(), strict=True):
            if hit:
                groups.setdefault((row["account_id"], rule.name), []).append(rule.hit(row, s.leads))
    cands = []
    for (account, rule), hits in groups.items():
        offer = _pick(rule, offerings, s)
        hits.sort(key=lambda h: (-h.score, h.asset_id or 0))
        first_family = s.offer_families.get(rule, ["service"])[0]
        name = offer["name"] if offer else first_family.replace("_", " ").capitalize()
        machines = [h.asset_id for h in hits if h.asset_id is not None]
        story = stories.tell(rule, hits[0].evidence, name)
        if len(machines) > 1:
            story += f" The same shows on {stories.plural(len(machines) - 1, 'more machine')}."
        value = sum(h.value_cents for h in hits)
        evidence: dict[str, Any] = {
            "rule": rule,
            "facts": hits[0].evidence,
            "machines": [h.evidence for h in hits[:10]],
            "machine_count": len(machines),
        }
        if offer:
            model = offer["revenue_model"] or "one_time"
            monthly = model in ("subscription", "licence", "availability_contract", "usage")
            months = {"year": 12, "quarter": 3}.get(offer["unit"] or "", 1)
            price = offer["list_price_cents"]
            if value == 0:
                each = (price or 0) * 36 // months if monthly else (price or 0)
                value = each * max(1, len(machines))
            if monthly and price is not None:
                per = {1: "month", 3: "quarter", 12: "year"}[months]
                amount = f"{price / 100:,.2f}".removesuffix(".00")
                evidence["price"] = f"{amount} EUR / {per}, 36 months"
        key = (offer["family"] or offer["external_id"]) if offer else first_family
        cands.append([account, offer and offer["offering_id"], key, rule, hits[0].score, value])
        cands[-1] += [story, evidence, machines]
    merged: dict[tuple[int, str], list[list[Any]]] = {}
    for c in cands:
        merged.setdefault((c[0], c[2]), []).append(c)
    out = []
    for key in sorted(merged):
        group = sorted(merged[key], key=lambda c: (-c[4], c[3]))
        best = list(group[0])
        if len(group) > 1:
            best[7]["also"] = [
                {"rule": c[3], "source": "rule", "story": c[6], "score": c[4]} for c in group[1:]
            ]
            best[5] = max(c[5] for c in group)
            best[8] = sorted({a for c in group for a in c[8]})
        out.append(
            (*best[:4], json.dumps(best[4]), *best[5:7], json.dumps(_plain(best[7])), best[8])
        )
    return out


def _rows(leads: pa.Table) -> list[tuple[Any, ...]]:
    keys = ["account_id", "offering_id", "offering_key", "rule", "score_json", "value_cents"]
    keys += ["story", "evidence", "asset_ids"]
    return [tuple(r[k] for k in keys) for r in leads.to_pylist()]


# --- random feature tables -------------------------------------------------------------------

small = st.integers(0, 14)
maybe = st.none() | small
hours = st.sampled_from([0.0, 0.5, 40.0, 41.0, 100.0, 250.5]) | st.floats(0, 5e4)
names = st.sampled_from(["P-1", "", 'Q"2', "Ü-3", "x_y"])
day = st.dates(date(2020, 1, 1), date(2026, 11, 23))
accounts = st.fixed_dictionaries(
    {
        "account_id": st.integers(1, 4),
        "own_assets": small,
        "competitor_assets": small,
        "competitor_share": st.sampled_from([0.0, 0.2, 0.25, 0.5]) | st.floats(0, 1),
        "service_spend_12m_cents": st.integers(0, 5_000_000),
        "days_since_purchase": st.none() | st.integers(0, 1500),
        "unconverted_orders_12m": maybe,
    }
)
assets = st.fixed_dictionaries(
    {
        "account_id": st.integers(1, 4),
        "external_id": st.none() | names,
        "model": st.none() | st.sampled_from(["PX-1", "Z"]),
        "product_line": st.none() | st.sampled_from(["pumps", "gear_boxes", "battery", ""]),
        "age_years": st.floats(0, 60),
        "origin": st.sampled_from(["own", "competitor"]),
        "connectivity": st.sampled_from(["none", "legacy", "current"]),
        "coverage": st.sampled_from(["none", "maintenance", "full_service"]),
        "warranty_days_left": st.none() | st.integers(-20, 200),
        "contract_days_left": st.none() | st.integers(-20, 200),
        "under_contract": st.booleans(),
        "repairs_12m": small,
        "downtime_12m_h": hours,
        "utilisation": st.none() | st.sampled_from([0.8, 0.95]) | st.floats(0, 1),
        "operating_hours_30d": st.none() | hours,
        "known_hours_30d": st.none() | hours,
        "energy_kwh_30d": st.none() | st.floats(0, 1e7),
        "unplanned_stops_30d": maybe,
        "rep_component": st.sampled_from(["seal", "gear_box", "battery"]),
        "rep_n": maybe,
        "rep_downtime_h": st.none() | hours,
        "rep_first": day,
        "rep_last": day,
    }
)
offering = st.fixed_dictionaries(
    {
        "external_id": st.sampled_from(["A", "B"]),
        "name": st.sampled_from(["Cover", "Sense"]),
        "family": st.none()
        | st.sampled_from(["maintenance_contract", "condition_monitoring", "retrofit"]),
        "shell": st.sampled_from(["service", "digital_service", "product", "spare_parts"]),
        "list_price_cents": st.none() | st.integers(0, 500_000),
        "revenue_model": st.none() | st.sampled_from(["one_time", "subscription"]),
        "unit": st.none() | st.sampled_from(["month", "year", "quarter"]),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(accounts, max_size=8, unique_by=lambda a: a["account_id"]),
    st.lists(assets, max_size=25),
    st.lists(offering, max_size=4),
    st.sampled_from([{}, {"pumps": 3.0, "battery": 40.0}]),
)
def test_columns_give_the_leads_of_rows(acc, ast, offers, lives) -> None:  # type: ignore[no-untyped-def]
    for i, a in enumerate(ast):
        a["asset_id"] = 100 + i
        if a["rep_n"] is None:
            a["rep_downtime_h"] = None
        a["rep_last"] = max(a["rep_first"], a["rep_last"]) + timedelta(days=0)
    for i, o in enumerate(offers):
        o["offering_id"] = i + 1
    tables = {
        "account": pa.Table.from_pylist(acc, ACCOUNT),
        "asset": pa.Table.from_pylist(ast, ASSET),
    }
    s = IntelligenceSettings(leads=LeadRules(typical_life_by_line=lives))
    columns = build(tables, offers, s)
    assert _rows(columns) == reference(tables, offers, s)
    # and today's row path, to the last field
    today = assemble(
        rules.hits(tables["account"], "account", s.leads)
        + rules.hits(tables["asset"], "asset", s.leads),
        offers,
        s,
    )
    assert [(c.story, c.score, c.asset_ids) for c in today] == [
        (r["story"], r["score"], r["asset_ids"]) for r in columns.to_pylist()
    ]
    assert [json.dumps(_plain(c.evidence)) for c in today] == columns["evidence"].to_pylist()
