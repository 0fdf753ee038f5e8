"""Lead rules: which accounts and machines show a selling signal. Pure: Arrow in, hits out.

Each rule is a vectorised ``mask`` over a feature table (account or asset level) and a ``hit``
that turns one matching row into evidence, a score (0-100) and a value estimate in cents.
Thresholds come from ``LeadRules``; nothing here reads a database. Evidence keeps values as
computed (not rounded): a story rounds each number once, where it shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from servitize.core.settings import LeadRules


@dataclass(frozen=True)
class Hit:
    """One row that matched one rule."""

    rule: str
    account_id: int
    asset_id: int | None
    score: float
    value_cents: int
    evidence: dict[str, Any]


@dataclass(frozen=True)
class Rule:
    """A named lead rule at account or asset level."""

    name: str
    level: str
    mask: Callable[[pa.Table, LeadRules], pa.Array]
    hit: Callable[[dict[str, Any], LeadRules], Hit]


def _f(v: Any) -> float:
    return float(v) if v is not None else 0.0


def _cap(x: float, hi: float = 95.0) -> float:
    return round(max(0.0, min(hi, x)), 1)


def life_of(line: str | None, s: LeadRules) -> float:
    """The typical life in years of a product line's machines."""
    return s.typical_life_by_line.get(line or "", s.typical_life_years)


def _drift_mask(t: pa.Table, s: LeadRules) -> pa.Array:
    stale = pc.or_kleene(
        pc.is_null(t["days_since_purchase"]), pc.greater(t["days_since_purchase"], s.drift_days)
    )
    return pc.and_(pc.greater(t["own_assets"], 0), stale)


def _drift_hit(r: dict[str, Any], s: LeadRules) -> Hit:
    own = int(r["own_assets"])
    return Hit(
        "drifted_customer",
        r["account_id"],
        None,
        _cap(40 + 3 * own, 80),
        round(own * s.yearly_need_per_asset_cents * s.wallet_capture),
        {
            "own_assets": own,
            "days_since_purchase": r["days_since_purchase"],
            "drift_days": s.drift_days,
        },
    )


def _need(r: dict[str, Any], s: LeadRules) -> float:
    return _f(r["own_assets"]) * s.yearly_need_per_asset_cents


def _wallet_mask(t: pa.Table, s: LeadRules) -> pa.Array:
    need = pc.multiply(pc.cast(t["own_assets"], pa.float64()), float(s.yearly_need_per_asset_cents))
    spend = pc.cast(t["service_spend_12m_cents"], pa.float64())
    return pc.and_(
        pc.and_(pc.greater(t["own_assets"], 0), pc.greater(spend, 0)),
        pc.less(spend, pc.multiply(need, s.wallet_share_below)),
    )


def _wallet_hit(r: dict[str, Any], s: LeadRules) -> Hit:
    need, spend = _need(r, s), _f(r["service_spend_12m_cents"])
    share = spend / need
    return Hit(
        "wallet_share",
        r["account_id"],
        None,
        _cap(40 + 40 * (1 - share / s.wallet_share_below), 80),
        round((need - spend) * s.wallet_capture),
        {
            "own_assets": int(r["own_assets"]),
            "service_spend_12m_cents": int(spend),
            "need_12m_cents": int(need),
            "wallet_share": share,
            "window_days": 365,
            "unconverted_orders_12m": int(r.get("unconverted_orders_12m") or 0),
        },
    )


def _fleet_mask(t: pa.Table, s: LeadRules) -> pa.Array:
    return pc.and_(
        pc.and_(pc.greater(t["own_assets"], 0), pc.greater(t["competitor_assets"], 0)),
        pc.greater_equal(t["competitor_share"], s.competitor_share_min),
    )


def _fleet_hit(r: dict[str, Any], s: LeadRules) -> Hit:
    comp = int(r["competitor_assets"])
    return Hit(
        "competitor_fleet",
        r["account_id"],
        None,
        _cap(35 + 40 * _f(r["competitor_share"]), 75),
        round(comp * s.yearly_need_per_asset_cents * s.wallet_capture),
        {
            "competitor_assets": comp,
            "own_assets": int(r["own_assets"]),
            "competitor_share": r["competitor_share"],
        },
    )


def _repeat_mask(t: pa.Table, s: LeadRules) -> pa.Array:
    return pc.greater_equal(pc.fill_null(t["rep_n"], 0), s.repeat_min_repairs)


def _repeat_hit(r: dict[str, Any], s: LeadRules) -> Hit:
    n, hours = int(r["rep_n"]), _f(r["rep_downtime_h"])
    return Hit(
        "repeat_repairs",
        r["account_id"],
        r["asset_id"],
        _cap(50 + 10 * (n - s.repeat_min_repairs) + min(20, hours / 5)),
        round(hours * s.downtime_cost_per_hour_cents * s.value_share_of_downtime),
        {
            **_asset(r),
            "component": r["rep_component"],
            "repairs": n,
            "window_days": s.repeat_window_days,
            "downtime_hours": hours,
            "flaggable": n - 1,
            "first": r["rep_first"],
            "last": r["rep_last"],
        },
    )


def _asset(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "asset_id": r["asset_id"],
        "asset": r["external_id"],
        "model": r["model"],
        "product_line": r["product_line"],
    }


def _life_mask(t: pa.Table, s: LeadRules) -> pa.Array:
    life = pa.array([life_of(x, s) for x in t["product_line"].to_pylist()], pa.float64())
    return pc.and_(pc.equal(t["origin"], "own"), pc.greater(t["age_years"], life))


def _life_hit(r: dict[str, Any], s: LeadRules) -> Hit:
    life, age = life_of(r["product_line"], s), _f(r["age_years"])
    return Hit(
        "past_typical_life",
        r["account_id"],
        r["asset_id"],
        _cap(40 + 2 * (age - life), 80),
        0,
        {**_asset(r), "age_years": age, "typical_life_years": life},
    )


def _ending_mask(t: pa.Table, s: LeadRules) -> pa.Array:
    def soon(col: str) -> pa.Array:
        return pc.fill_null(
            pc.and_(pc.greater_equal(t[col], 0), pc.less_equal(t[col], s.coverage_days)), False
        )

    return pc.or_(soon("warranty_days_left"), soon("contract_days_left"))


def _ending_hit(r: dict[str, Any], s: LeadRules) -> Hit:
    w, c = r["warranty_days_left"], r["contract_days_left"]
    what, days = (
        ("warranty", w)
        if w is not None and 0 <= w <= s.coverage_days
        else (f"{r['coverage'].replace('_', ' ')} contract", c)
    )
    return Hit(
        "coverage_ending",
        r["account_id"],
        r["asset_id"],
        _cap(60 + 30 * (s.coverage_days - days) / s.coverage_days),
        0,
        {**_asset(r), "ending": what, "days_left": int(days)},
    )


def _downtime_mask(t: pa.Table, s: LeadRules) -> pa.Array:
    return pc.and_(
        pc.greater_equal(t["downtime_12m_h"], s.downtime_hours),
        pc.not_equal(t["connectivity"], "current"),
    )


def _downtime_hit(r: dict[str, Any], s: LeadRules) -> Hit:
    hours = _f(r["downtime_12m_h"])
    return Hit(
        "downtime_without_monitoring",
        r["account_id"],
        r["asset_id"],
        _cap(45 + (hours - s.downtime_hours) / 2, 90),
        round(hours * s.downtime_cost_per_hour_cents * s.value_share_of_downtime),
        {
            **_asset(r),
            "downtime_hours": hours,
            "repairs_12m": r["repairs_12m"],
            "connectivity": r["connectivity"],
            "window_days": 365,
        },
    )


def _busy_mask(t: pa.Table, s: LeadRules) -> pa.Array:
    return pc.fill_null(
        pc.and_(
            pc.greater_equal(t["utilisation"], s.utilisation_min), pc.invert(t["under_contract"])
        ),
        False,
    )


def _busy_hit(r: dict[str, Any], s: LeadRules) -> Hit:
    u = _f(r["utilisation"])
    return Hit(
        "high_utilisation_no_contract",
        r["account_id"],
        r["asset_id"],
        _cap(50 + 100 * (u - s.utilisation_min)),
        0,
        {
            **_asset(r),
            "utilisation": u,
            "coverage": r["coverage"],
            "operating_hours": _f(r.get("operating_hours_30d")),
            "known_hours": _f(r.get("known_hours_30d")),
            "unplanned_stops": int(r.get("unplanned_stops_30d") or 0),
            "energy_kwh": r.get("energy_kwh_30d"),
            "window_days": s.usage_window_days,
        },
    )


RULES: tuple[Rule, ...] = (
    Rule("drifted_customer", "account", _drift_mask, _drift_hit),
    Rule("wallet_share", "account", _wallet_mask, _wallet_hit),
    Rule("competitor_fleet", "account", _fleet_mask, _fleet_hit),
    Rule("repeat_repairs", "asset", _repeat_mask, _repeat_hit),
    Rule("past_typical_life", "asset", _life_mask, _life_hit),
    Rule("coverage_ending", "asset", _ending_mask, _ending_hit),
    Rule("downtime_without_monitoring", "asset", _downtime_mask, _downtime_hit),
    Rule("high_utilisation_no_contract", "asset", _busy_mask, _busy_hit),
)


def hits(table: pa.Table, level: str, s: LeadRules) -> list[Hit]:
    """Every hit of every rule of a level over a feature table."""
    out: list[Hit] = []
    for rule in RULES:
        if rule.level == level and table.num_rows:
            mask = pc.fill_null(rule.mask(table, s), False)
            out.extend(rule.hit(r, s) for r in table.filter(mask).to_pylist())
    return out
