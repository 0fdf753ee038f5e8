"""A lead's evidence as sentences a person reads (the pages never show the stored dict). Pure.

The evidence is what the rules (``rules``, ``leads``) and a technician's report stored; each
known fact has its sentence, an unknown one reads "Label: value".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from servitize.intelligence.stories import number

RULES = {
    "drifted_customer": "The customer has not bought from us for a long time",
    "wallet_share": "The customer spends little on service for the machines they run",
    "competitor_fleet": "Competitor machines run beside ours",
    "repeat_repairs": "The same part keeps being repaired",
    "past_typical_life": "A machine is past its typical life",
    "coverage_ending": "A warranty or service contract ends soon",
    "downtime_without_monitoring": "Downtime on a machine we cannot see remotely",
    "high_utilisation_no_contract": "A machine works hard without a service contract",
    "technician_report": "A technician saw it on site",
}
# Facts shown elsewhere on the page or only useful to the machine.
HIDDEN = {"asset_id", "visit_id", "rule", "price", "flaggable", "reported_by"}


def _money(cents: Any, currency: str) -> str:
    return f"{int(cents) / 100:,.0f} {currency}"


def _pct(share: Any) -> str:
    return f"{float(share) * 100:.0f} %"


def _num(x: Any) -> str:
    if isinstance(x, float) and not x.is_integer():
        return f"{x:,.1f}"
    return f"{int(x):,}"


def _count(n: Any, what: str) -> str:
    k = int(n)
    return f"{number(k)} {what}{'' if k == 1 else 's'}"


def _when(x: Any) -> str:
    return str(x)[:10]


Say = Callable[[Any, str], str]
SENTENCES: dict[str, Say] = {
    "own_assets": lambda v, c: f"{_count(v, 'machine')} of ours on site.",
    "competitor_assets": lambda v, c: f"{_count(v, 'competitor machine')} on site.",
    "competitor_share": lambda v, c: f"Competitors hold {_pct(v)} of the fleet.",
    "days_since_purchase": lambda v, c: f"Last purchase {_num(v)} days ago.",
    "drift_days": lambda v, c: f"Quiet for more than {_num(v)} days counts as drifting.",
    "service_spend_12m_cents": lambda v, c: (
        f"Service bought in the last 12 months: {_money(v, c)}."
    ),
    "need_12m_cents": lambda v, c: f"What the machines need in a year: {_money(v, c)}.",
    "wallet_share": lambda v, c: f"We get {_pct(v)} of that.",
    "window_days": lambda v, c: f"Counted over the last {_num(v)} days.",
    "unconverted_orders_12m": lambda v, c: (
        f"{_count(v, 'quote')} not turned into an order in 12 months." if int(v) else ""
    ),
    "asset": lambda v, c: f"Machine {v}.",
    "model": lambda v, c: (
        f"Scored by the model {v}." if str(v).startswith("propensity-") else f"Model {v}."
    ),
    "product_line": lambda v, c: f"Product line {str(v).replace('_', ' ')}.",
    "component": lambda v, c: f"Part repaired: {str(v).replace('_', ' ')}.",
    "repairs": lambda v, c: f"Repaired {_count(v, 'time')}.",
    "repairs_12m": lambda v, c: f"{_count(v, 'repair')} in the last 12 months.",
    "downtime_hours": lambda v, c: f"{_num(v)} hours of downtime.",
    "first": lambda v, c: f"First repair on {_when(v)}.",
    "last": lambda v, c: f"Last repair on {_when(v)}.",
    "age_years": lambda v, c: f"The machine is {_num(v)} years old.",
    "typical_life_years": lambda v, c: f"Machines of this kind typically last {_num(v)} years.",
    "ending": lambda v, c: f"The {str(v).replace('_', ' ')} ends soon.",
    "days_left": lambda v, c: f"{_count(v, 'day')} left.",
    "connectivity": lambda v, c: f"Connectivity: {str(v).replace('_', ' ')}.",
    "utilisation": lambda v, c: f"Utilisation {_pct(v)}.",
    "coverage": lambda v, c: f"Coverage: {str(v).replace('_', ' ')}.",
    "operating_hours": lambda v, c: f"{_num(v)} operating hours in the window.",
    "known_hours": lambda v, c: f"{_num(v)} hours with known state.",
    "unplanned_stops": lambda v, c: f"{_count(v, 'unplanned stop')}.",
    "energy_kwh": lambda v, c: f"{_num(v)} kWh of energy used.",
    "machine_count": lambda v, c: f"{_count(v, 'machine')} concerned.",
    "seen": lambda v, c: f"Seen: {str(v).replace('_', ' ')}.",
    "observation": lambda v, c: f"The technician noted: “{v}”.",
    "photo": lambda v, c: "A photo was taken." if v else "",
    # A model's lead: how likely, over how long, what weighs most, which model.
    "family": lambda v, c: f"Offering family: {str(v).replace('_', ' ')}.",
    "probability": lambda v, c: f"The model gives {_pct(v)}.",
    "horizon_days": lambda v, c: f"Within the next {_count(v, 'day')}.",
    "top_features": lambda v, c: _features(v),
}


def _features(features: Any) -> str:
    """A model's top features in words: "What weighs most: work orders, 12 months (27); …"."""
    said = []
    for f in features:
        if not isinstance(f, dict):
            raise TypeError("a feature is a mapping")
        label = str(f.get("label") or f.get("feature") or "").replace("_", " ")
        value = f.get("value")
        unit = f.get("unit")
        amount = _num(value) if isinstance(value, int | float) else str(value)
        unit_words = f" {unit}" if unit and unit != "count" else ""
        said.append(f"{label} ({amount}{unit_words})")
    return f"What weighs most: {'; '.join(said)}." if said else ""


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_plain(v)}" for k, v in value.items() if _shown(v))
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value if _shown(v))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _num(value)
    return str(value)


def _shown(value: Any) -> bool:
    return value not in (None, "", [], {})


def fact_sentences(facts: dict[str, Any], currency: str) -> list[str]:
    """One sentence per known fact, "Label: value" for the others; empty facts left out."""
    out: list[str] = []
    for key, value in facts.items():
        if key in HIDDEN or not _shown(value):
            continue
        say = SENTENCES.get(key)
        try:
            text = say(value, currency) if say else f"{_label(key)}: {_plain(value)}."
        except (TypeError, ValueError):
            text = f"{_label(key)}: {_plain(value)}."
        if text:
            out.append(text[0].upper() + text[1:])
    return out


def sentences(evidence: dict[str, Any] | None, currency: str = "EUR") -> list[str]:
    """A lead's evidence as sentences: why, the facts, each machine, what else pointed here."""
    if not evidence:
        return []
    out: list[str] = []
    rule = evidence.get("rule")
    if isinstance(rule, str) and rule in RULES:
        out.append(f"{RULES[rule]}.")
    facts = evidence.get("facts")
    top = {k: v for k, v in evidence.items() if k not in ("facts", "machines", "also")}
    out += fact_sentences(top, currency)
    if isinstance(facts, dict):
        out += fact_sentences(facts, currency)
    machines = evidence.get("machines")
    if isinstance(machines, list) and len(machines) > 1:
        for m in machines:
            if isinstance(m, dict):
                out.append(" ".join(fact_sentences(m, currency)))
    for other in evidence.get("also") or []:
        if isinstance(other, dict) and other.get("story"):
            out.append(f"Also: {other['story']}")
    return [s for s in out if s]
