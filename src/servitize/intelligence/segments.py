"""Segments for advanced services (four dimensions) and the classic prioritisation. Pure.

Readiness for service procurement and Industrial Internet (0..1) = 0.35 x services' share of
spend in 24 months (1 at 50 % or more) + 0.25 x share of machines under a service contract
(outsourcing) + 0.15 x ownership (listed/investor 0.8, public 0.4, family 0.3, unknown 0.5)
+ 0.25 x stated attitude (positive 1, neutral or unknown 0.5, negative 0).
Digital infrastructure (0..1) = mean of the country index and the connected share of the base.
Origin = own share of the base. Age class = the majority of: old (no sensors, manual history),
medium (older sensor generation), new (current sensors; "new, no history" under 3 years).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from servitize.core.settings import SegmentRules

OWNERSHIP_READINESS = {"listed": 0.8, "investor": 0.8, "public": 0.4, "family": 0.3}
ATTITUDE_READINESS = {"positive": 1.0, "neutral": 0.5, "negative": 0.0}
GO_TO_MARKET = {
    "separate": "sell product, service and digital separately",
    "integrated": "integrated service + digital offer",
    "bundle": "Smart PSS bundle",
    "subscription": "subscription of the whole Smart PSS",
}


@dataclass(frozen=True)
class Segment:
    """One account's place on the four dimensions, its label and go-to-market mode."""

    readiness: float
    digital_infrastructure: float
    own_share: float
    age_class: str
    label: str
    go_to_market: str
    priority: float
    reasons: list[str] = field(default_factory=list)
    scores: dict[str, Any] = field(default_factory=dict)


def _num(row: dict[str, Any], key: str) -> float:
    value = row.get(key)
    return float(value) if value is not None else 0.0


def readiness(row: dict[str, Any], attitude: str | None) -> tuple[float, dict[str, float]]:
    """Readiness 0..1 and its parts, from purchases, contracts, ownership and attitude."""
    assets = _num(row, "assets")
    parts = {
        "service_purchase": min(1.0, _num(row, "service_share_24m") / 0.5),
        "outsourcing": _num(row, "contract_assets") / assets if assets else 0.0,
        "ownership": OWNERSHIP_READINESS.get(row.get("ownership_type") or "", 0.5),
        "attitude": ATTITUDE_READINESS.get(attitude or "", 0.5),
    }
    weights = {"service_purchase": 0.35, "outsourcing": 0.25, "ownership": 0.15, "attitude": 0.25}
    return round(sum(weights[k] * v for k, v in parts.items()), 3), parts


def age_class(row: dict[str, Any]) -> str:
    """old / medium / new (or "new, no history") by the majority sensor generation of the base."""
    assets = _num(row, "assets")
    if not assets:
        return "unknown"
    current = _num(row, "current_sensor_assets")
    legacy = _num(row, "connected_assets") - current
    none = assets - current - legacy
    top = max((none, "old"), (legacy, "medium"), (current, "new"))[1]
    if top == "new" and row.get("mean_age_years") is not None and row["mean_age_years"] < 3:
        return "new, no history"
    return top


def priority(row: dict[str, Any], technicians: int) -> float:
    """Seed 001's prioritisation 1..5: volume, profitability, low risk, resources, relationship."""
    risks = [row[k] for k in ("technical_risk", "country_risk") if row.get(k) is not None]
    scores = [
        row.get("volume"),
        row.get("profitability_potential"),
        6 - sum(risks) / len(risks) if risks else None,
        1 if technicians == 0 else 3 if technicians == 1 else 5,
        row.get("relationship_quality"),
    ]
    known = [float(s) for s in scores if s is not None]
    return round(sum(known) / len(known), 2)


def label_and_mode(
    ready: float, infra: float, own: float, age: str, r: SegmentRules
) -> tuple[str, str]:
    """The segment name and go-to-market mode (organisation type) from the dimensions."""
    if ready >= r.high and infra >= r.high:
        young = age in {"new", "new, no history", "medium"}
        return "Digital partner", "subscription" if own >= 0.7 and young else "bundle"
    if ready >= r.high:
        return "Service buyer", "integrated"
    if infra >= r.high:
        return "Digital potential", "integrated"
    if ready < r.low:
        return "Product buyer", "separate"
    return "Developing", "separate"


def score(
    row: dict[str, Any], r: SegmentRules, attitude: str | None = None, technicians: int = 0
) -> Segment:
    """Score one account (its account features plus account fields) on the four dimensions."""
    ready, parts = readiness(row, attitude)
    assets = _num(row, "assets")
    country = r.country_index.get(row.get("country") or "", 0.5)
    connected = _num(row, "connected_assets") / assets if assets else 0.0
    infra = round((country + connected) / 2, 3)
    own = round(_num(row, "own_assets") / assets, 3) if assets else 0.0
    age = age_class(row)
    label, mode = label_and_mode(ready, infra, own, age, r)
    share = _num(row, "service_share_24m")
    reasons = [
        (
            f"readiness {ready:.2f}: services {share:.0%} of spend in 24 months, "
            f"{parts['outsourcing']:.0%} of machines under contract, ownership "
            f"{row.get('ownership_type') or 'unknown'}, attitude {attitude or 'not recorded'}"
        ),
        (
            f"digital infrastructure {infra:.2f}: country {row.get('country') or '?'} index "
            f"{country:.2f}, {connected:.0%} of {assets:.0f} machines connected"
        ),
        f"origin: {own:.0%} of the installed base is ours",
        f"age: {age} base, mean {_num(row, 'mean_age_years'):.1f} years",
        f"go-to-market: {GO_TO_MARKET[mode]}",
    ]
    return Segment(
        ready,
        infra,
        own,
        age,
        label,
        mode,
        priority(row, technicians),
        reasons,
        {
            "readiness_parts": parts,
            "country_index": country,
            "connected_share": round(connected, 3),
        },
    )
