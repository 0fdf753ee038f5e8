"""Stories a technician can tell: two or three plain sentences built from a lead's evidence."""

from __future__ import annotations

from typing import Any

WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)


def number(n: int) -> str:
    """Small counts in words, larger ones in digits."""
    return WORDS[n] if 0 <= n < len(WORDS) else f"{n:,}"


def months(days: int) -> str:
    """A day window as months in words ("six months"), or days when not whole-ish months."""
    m = round(days / 30.4)
    if m >= 1 and abs(days - m * 30.4) <= 3:
        return "month" if m == 1 else f"{number(m)} months"
    return f"{days} days"


def plural_of(word: str) -> str:
    """The English plural of a noun: gearbox -> gearboxes, valve -> valves, battery -> batteries.

    Only the last word of a phrase changes ("competitor machine" -> "competitor machines").
    """
    low = word.lower()
    if low.endswith(("s", "x", "z", "ch", "sh")):
        return f"{word}es"
    if low.endswith("y") and low[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return f"{word[:-1]}ies"
    return f"{word}s"


def singular_of(word: str) -> str:
    """The singular of a (possibly) plural noun: gearboxes -> gearbox, pumps -> pump."""
    low = word.lower()
    if low.endswith("ies") and len(low) > 3:
        return f"{word[:-3]}y"
    if low.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def plural(n: int, word: str) -> str:
    """``n`` and the word, in the plural unless ``n`` is one."""
    return f"{number(n)} {word if n == 1 else plural_of(word)}"


def money(cents: int, currency: str) -> str:
    """Whole major units with thousands separators."""
    return f"{round(cents / 100):,} {currency}"


def shown(contribution: dict[str, Any], currency: str) -> str:
    """A model feature's value in words: money as money, shares as percent, counts as numbers."""
    value, unit = contribution["value"], contribution.get("unit", "count")
    if unit == "cents":
        return money(int(value), currency)
    if unit == "share":
        return f"{value:.0%}"
    if unit in ("years", "hours", "days"):
        return f"{value:,.1f} {unit}".replace(".0 ", " ")
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _machine(e: dict[str, Any]) -> str:
    kind = singular_of((e.get("product_line") or "machine").replace("_", " ")).capitalize()
    return f"{kind} {e.get('asset') or e.get('model')}"


def hours(h: float) -> str:
    """``12 hours`` (``1 hour``): hours in words, rounded to whole hours once, here."""
    n = round(h)
    return "1 hour" if n == 1 else f"{n:,} hours"


def tell(rule: str, e: dict[str, Any], offer: str, currency: str = "EUR") -> str:
    """The story of one rule hit's evidence, pointing to the offer."""
    if rule == "repeat_repairs":
        comp = str(e["component"]).replace("_", " ")
        flag = number(e["flaggable"])
        return (
            f"{_machine(e)} needed {number(e['repairs'])} {comp} repairs in the last "
            f"{months(e['window_days'])}, {hours(e['downtime_hours'])} of downtime. "
            f"{offer} of the {plural_of(comp)} would have flagged {flag} of them."
        )
    if rule == "downtime_without_monitoring":
        return (
            f"{_machine(e)} stood still for {hours(e['downtime_hours'])} in the last "
            f"{months(e['window_days'])} over {plural(e['repairs_12m'], 'repair')} "
            f"(unplanned stops only), and it has "
            f"{'no sensors' if e['connectivity'] == 'none' else 'only older sensors'}. "
            f"{offer} would show the trouble coming."
        )
    if rule == "past_typical_life":
        return (
            f"{_machine(e)} is {e['age_years']:.0f} years old; machines of its line "
            f"usually run {e['typical_life_years']:.0f}. Talk about {offer} before it fails."
        )
    if rule == "coverage_ending":
        return (
            f"The {e['ending']} of {_machine(e)} ends in {plural(e['days_left'], 'day')}. "
            f"{offer} keeps it covered without a gap."
        )
    if rule == "high_utilisation_no_contract":
        stops = e.get("unplanned_stops") or 0
        energy = e.get("energy_kwh")
        used = f", used {energy:,.0f} kWh" if energy is not None else ""
        return (
            f"{_machine(e)} ran {hours(e['operating_hours'])} of "
            f"{hours(e['known_hours'])} with telemetry in the last "
            f"{months(e['window_days'])} ({e['utilisation']:.0%}){used}, with "
            f"{plural(stops, 'unplanned stop')} and no maintenance contract. "
            f"{offer} protects that output."
        )
    if rule == "drifted_customer":
        since = e.get("days_since_purchase")
        when = (
            "has never bought from us"
            if since is None
            else f"has not bought anything for {plural(since, 'day')}"
        )
        return (
            f"The customer runs {plural(e['own_assets'], 'machine')} of ours but {when}. "
            f"A visit with {offer} brings them back."
        )
    if rule == "wallet_share":
        left = e.get("unconverted_orders_12m") or 0
        apart = (
            (f" (plus {plural(left, 'order')} in a currency without an exchange rate, not counted)")
            if left
            else ""
        )
        return (
            f"The customer spent {money(e['service_spend_12m_cents'], currency)} on service "
            f"and parts in the last {months(e['window_days'])}{apart}; "
            f"{plural(e['own_assets'], 'machine')} of ours "
            f"would need about {money(e['need_12m_cents'], currency)}. "
            f"{offer} wins back the rest."
        )
    if rule == "competitor_fleet":
        return (
            f"Next to {plural(e['own_assets'], 'machine')} of ours the customer runs "
            f"{plural(e['competitor_assets'], 'competitor machine')} "
            f"({e['competitor_share']:.0%} of the base). {offer} can serve the whole fleet."
        )
    if rule == "propensity":
        reasons = "; ".join(f"{c['label']}: {shown(c, currency)}" for c in e["top_features"][:3])
        return (
            f"Accounts like this one bought {e['family'].replace('_', ' ')} within "
            f"{months(e['horizon_days'])}: the model gives {e['probability']:.0%}. "
            f"What weighs most: {reasons}."
        )
    raise ValueError(f"no story for rule {rule!r}")


def with_more(story: str, more_assets: int) -> str:
    """Add a sentence when the same signal shows on further machines of the account."""
    if more_assets <= 0:
        return story
    return f"{story} The same shows on {plural(more_assets, 'more machine')}."
