"""The registry of named features: slug, label, unit and an Ibis expression, read by every edge.

A feature belongs to a level (``asset`` or ``account``) and a source: ``assets`` (one row per
machine), ``events`` (work orders), ``components`` (repairs per machine and component in the
last 12 months), ``orders`` (purchases in the company currency at the rate of the order's day;
null without a rate), ``visits``, ``usage``
(telemetry, only with consent) or ``derived`` (computed from other features of the same row).
Aggregating sources are grouped by the level's key; windows end at the cutoff, inclusive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypedDict

import ibis
import ibis.expr.types as ir

SERVICE_SHELLS = ("service", "spare_parts", "digital_service", "smart_pss_bundle")
DIGITAL_SHELLS = ("digital_service", "smart_pss_bundle")


@dataclass(frozen=True)
class Window:
    """The cutoff of a feature run and the start dates of its look-back windows."""

    cutoff: date

    @property
    def day(self) -> ir.DateScalar:
        """The cutoff as an Ibis date."""
        return ibis.literal(self.cutoff)

    def since(self, days: int) -> ir.DateScalar:
        """The first day *after* ``cutoff - days``: windows are (cutoff - days, cutoff]."""
        return ibis.literal(self.cutoff - timedelta(days=days))


Expr = Callable[[ir.Table, Window], ir.Value]


@dataclass(frozen=True)
class Feature:
    """One named, documented feature."""

    slug: str
    label: str
    unit: str
    level: str
    source: str
    expr: Expr
    fill: float | int | None = None  # value when the source has no rows for the key


def _in(days: int) -> Callable[[ir.Table, Window], ir.BooleanValue]:
    return lambda t, w: t.day > w.since(days)


def _repairs(days: int) -> Expr:
    return lambda t, w: t.count(where=(t.kind == "repair") & _in(days)(t, w))


def _unplanned_downtime(days: int) -> Expr:
    """Hours of unplanned stops (repairs): planned maintenance is not downtime."""
    return lambda t, w: t.downtime_hours.sum(where=_in(days)(t, w) & (t.kind == "repair"))


def _age(t: ir.Table, w: Window) -> ir.Value:
    # Not rounded: values are rounded once, where they are shown.
    return w.day.delta(t.install_date, unit="day").cast("float64") / 365.25  # Spark: no decimal


def _age_band(t: ir.Table, _w: Window) -> ir.Value:
    a = t.age_years
    return ibis.cases(
        (a.isnull(), "unknown"), (a < 5, "0-5"), (a < 10, "5-10"), (a < 20, "10-20"), else_="20+"
    )


def _covered(t: ir.Table, w: Window) -> ir.BooleanValue:
    return (t.coverage != "none") & (t.contract_end.isnull() | (t.contract_end >= w.day))


def _share(num: str, den: str) -> Expr:
    return lambda t, _w: ibis.cases((t[den] > 0, t[num] / t[den]), else_=None)


def _service(t: ir.Table) -> ir.BooleanValue:
    return t.shell.isin(SERVICE_SHELLS)


F = Feature
ASSET = [
    F("age_years", "Age", "years", "asset", "assets", _age),
    F("origin", "Origin", "label", "asset", "assets", lambda t, w: t.origin),
    F("connectivity", "Connectivity", "label", "asset", "assets", lambda t, w: t.connectivity),
    F("coverage", "Service coverage", "label", "asset", "assets", lambda t, w: t.coverage),
    F(
        "warranty_days_left",
        "Warranty left",
        "days",
        "asset",
        "assets",
        lambda t, w: t.warranty_end.delta(w.day, unit="day"),
    ),
    F(
        "contract_days_left",
        "Contract left",
        "days",
        "asset",
        "assets",
        lambda t, w: ibis.cases(
            (t.coverage != "none", t.contract_end.delta(w.day, unit="day")), else_=None
        ),
    ),
    F("under_contract", "Under service contract", "flag", "asset", "assets", _covered),
    F("repairs_6m", "Repairs, 6 months", "count", "asset", "events", _repairs(182), 0),
    F("repairs_12m", "Repairs, 12 months", "count", "asset", "events", _repairs(365), 0),
    F(
        "downtime_12m_h",
        "Unplanned downtime, 12 months",
        "hours",
        "asset",
        "events",
        _unplanned_downtime(365),
        0.0,
    ),
    F(
        "parts_cost_12m_cents",
        "Parts cost, 12 months",
        "cents",
        "asset",
        "events",
        lambda t, w: t.parts_cost_cents.sum(where=_in(365)(t, w)),
        0,
    ),
    F(
        "days_since_service",
        "Days since last work order",
        "days",
        "asset",
        "events",
        lambda t, w: w.day.delta(t.day.max(), unit="day"),
    ),
    F(
        "max_component_repairs_12m",
        "Most repairs of one component, 12 months",
        "count",
        "asset",
        "components",
        lambda t, w: t.n.max(),
        0,
    ),
    F(
        "top_component_12m",
        "Most repaired component, 12 months",
        "label",
        "asset",
        "components",
        lambda t, w: t.component.argmax(t.n * 1000 + t.downtime),
    ),
    F(
        "repeat_failure_components_12m",
        "Components repaired twice or more, 12 months",
        "count",
        "asset",
        "components",
        lambda t, w: t.count(where=t.n >= 2),
        0,
    ),
    F(
        "utilisation",
        "Utilisation, 30 days (consented telemetry)",
        "share",
        "asset",
        "usage",
        lambda t, w: t.utilisation.max(),
    ),
    F(
        "operating_hours_30d",
        "Operating hours, 30 days (consented telemetry)",
        "hours",
        "asset",
        "usage",
        lambda t, w: t.operating_hours.sum(),
    ),
    F(
        "known_hours_30d",
        "Hours with telemetry, 30 days (consented telemetry)",
        "hours",
        "asset",
        "usage",
        lambda t, w: t.known_hours.sum(),
    ),
    F(
        "energy_kwh_30d",
        "Energy, 30 days (consented telemetry)",
        "kWh",
        "asset",
        "usage",
        lambda t, w: t.energy_kwh.sum(),
    ),
    F(
        "unplanned_stops_30d",
        "Unplanned stops, 30 days (consented telemetry)",
        "count",
        "asset",
        "usage",
        lambda t, w: t.unplanned_stops.sum(),
    ),
    F("age_band", "Age band", "label", "asset", "derived", _age_band),
]

ACCOUNT = [
    F("assets", "Installed base", "count", "account", "assets", lambda t, w: t.count(), 0),
    F(
        "own_assets",
        "Own machines",
        "count",
        "account",
        "assets",
        lambda t, w: t.count(where=t.origin == "own"),
        0,
    ),
    F(
        "competitor_assets",
        "Competitor machines",
        "count",
        "account",
        "assets",
        lambda t, w: t.count(where=t.origin == "competitor"),
        0,
    ),
    F(
        "connected_assets",
        "Machines with sensors",
        "count",
        "account",
        "assets",
        lambda t, w: t.count(where=t.connectivity.isin(("legacy", "current"))),
        0,
    ),
    F(
        "current_sensor_assets",
        "Machines with current sensors",
        "count",
        "account",
        "assets",
        lambda t, w: t.count(where=t.connectivity == "current"),
        0,
    ),
    F(
        "operating_hours_30d",
        "Operating hours, 30 days (consented telemetry)",
        "hours",
        "account",
        "usage",
        lambda t, w: t.operating_hours.sum(),
    ),
    F(
        "unplanned_stops_30d",
        "Unplanned stops, 30 days (consented telemetry)",
        "count",
        "account",
        "usage",
        lambda t, w: t.unplanned_stops.sum(),
    ),
    F("mean_age_years", "Mean age", "years", "account", "assets", lambda t, w: _age(t, w).mean()),
    F(
        "contract_assets",
        "Machines under contract",
        "count",
        "account",
        "assets",
        lambda t, w: t.count(where=_covered(t, w)),
        0,
    ),
    F("repairs_6m", "Repairs, 6 months", "count", "account", "events", _repairs(182), 0),
    F("repairs_12m", "Repairs, 12 months", "count", "account", "events", _repairs(365), 0),
    F(
        "downtime_12m_h",
        "Unplanned downtime, 12 months",
        "hours",
        "account",
        "events",
        _unplanned_downtime(365),
        0.0,
    ),
    F(
        "work_orders_12m",
        "Work orders, 12 months",
        "count",
        "account",
        "events",
        lambda t, w: t.count(where=_in(365)(t, w)),
        0,
    ),
    F(
        "max_component_repairs_12m",
        "Most repairs of one component on a machine, 12 months",
        "count",
        "account",
        "components",
        lambda t, w: t.n.max(),
        0,
    ),
    F(
        "visits_12m",
        "Technician visits, 12 months",
        "count",
        "account",
        "visits",
        lambda t, w: t.count(where=_in(365)(t, w)),
        0,
    ),
    F(
        "orders_24m",
        "Orders, 24 months",
        "count",
        "account",
        "orders",
        lambda t, w: t.count(where=_in(730)(t, w)),
        0,
    ),
    F(
        "spend_12m_cents",
        "Spend, 12 months",
        "cents",
        "account",
        "orders",
        lambda t, w: t.amount.sum(where=_in(365)(t, w)).round(0).cast("int64"),
        0,
    ),
    F(
        "service_spend_12m_cents",
        "Service and parts spend, 12 months",
        "cents",
        "account",
        "orders",
        lambda t, w: t.amount.sum(where=_in(365)(t, w) & _service(t)).round(0).cast("int64"),
        0,
    ),
    F(
        "service_spend_24m_cents",
        "Service and parts spend, 24 months",
        "cents",
        "account",
        "orders",
        lambda t, w: t.amount.sum(where=_in(730)(t, w) & _service(t)).round(0).cast("int64"),
        0,
    ),
    F(
        "service_share_24m",
        "Services' share of spend, 24 months",
        "share",
        "account",
        "orders",
        lambda t, w: (
            t.amount.sum(where=_in(730)(t, w) & _service(t)) / t.amount.sum(where=_in(730)(t, w))
        ),
    ),
    F(
        "unconverted_orders_12m",
        "Orders without an exchange rate, 12 months (not in spend)",
        "count",
        "account",
        "orders",
        lambda t, w: t.count(where=_in(365)(t, w) & t.amount.isnull()),
        0,
    ),
    F(
        "families_24m",
        "Service/digital families bought, 24 months",
        "count",
        "account",
        "orders",
        lambda t, w: t.family.nunique(where=_in(730)(t, w) & _service(t)),
        0,
    ),
    F(
        "digital_orders_24m",
        "Digital orders, 24 months",
        "count",
        "account",
        "orders",
        lambda t, w: t.count(where=_in(730)(t, w) & t.shell.isin(DIGITAL_SHELLS)),
        0,
    ),
    F(
        "days_since_purchase",
        "Days since last purchase",
        "days",
        "account",
        "orders",
        lambda t, w: w.day.delta(t.day.max(), unit="day"),
    ),
    F(
        "competitor_share",
        "Competitor share of the base",
        "share",
        "account",
        "derived",
        _share("competitor_assets", "assets"),
    ),
    F(
        "connected_share",
        "Connected share of the base",
        "share",
        "account",
        "derived",
        _share("connected_assets", "assets"),
    ),
]


def _bought(fam: str) -> Expr:
    return lambda t, w: t.count(where=_in(730)(t, w) & (t.family == fam))


def _days_since(fam: str) -> Expr:
    return lambda t, w: w.day.delta(t.day.max(where=t.family == fam), unit="day")


def family_features(families: Iterable[str]) -> list[Feature]:
    """Purchases per offering family: count in 24 months and days since the last one."""
    out = []
    for fam in sorted(set(families)):
        out.append(
            F(
                f"bought_{fam}_24m",
                f"{fam} orders, 24 months",
                "count",
                "account",
                "orders",
                _bought(fam),
                0,
            )
        )
        out.append(
            F(
                f"days_since_{fam}",
                f"Days since last {fam} order",
                "days",
                "account",
                "orders",
                _days_since(fam),
            )
        )
    return out


REGISTRY: dict[str, Feature] = {f"{f.level}.{f.slug}": f for f in ASSET + ACCOUNT}


def features(level: str, families: Iterable[str] = ()) -> list[Feature]:
    """The features of a level, with per-family purchase features for account level."""
    base = [f for f in REGISTRY.values() if f.level == level]
    return base + (family_features(families) if level == "account" else [])


class FeatureRow(TypedDict):
    """One feature of the registry as the API, the page and ``servitize features list`` show it."""

    key: str
    slug: str
    label: str
    unit: str
    level: str
    source: str


def describe() -> list[FeatureRow]:
    """The registry as rows (for the API, the page and ``servitize features list``)."""
    return [
        FeatureRow(key=k, slug=f.slug, label=f.label, unit=f.unit, level=f.level, source=f.source)
        for k, f in REGISTRY.items()
    ]
