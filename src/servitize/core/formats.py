"""How pages write values: labels, money, hours, counts, initials.

Plain functions rather than template macros: a page like the account 360 writes hundreds of
them, and a Jinja macro call costs several times a Python call.
"""

from __future__ import annotations

from markupsafe import Markup, escape

NBSP = Markup("&nbsp;")


# Codes people write differently from their slug: regions, industries, product lines. A code
# found here is shown as written (any case, ``-`` or ``_`` between words).
KNOWN_LABELS: dict[str, str] = {
    "dach": "DACH",
    "uk_ireland": "UK & Ireland",
    "uk_and_ireland": "UK & Ireland",
    "benelux_nordics": "Benelux & Nordics",
    "cee": "Central & Eastern Europe",
    "apac": "Asia Pacific",
    "emea": "EMEA",
    "latam": "Latin America",
    "mea": "Africa & Middle East",
    "oil_gas": "Oil & gas",
    "oil_and_gas": "Oil & gas",
    "food_beverage": "Food & beverage",
    "pulp_paper": "Pulp & paper",
    "water_utilities": "Water & utilities",
    "hvac": "HVAC",
    "tco": "TCO",
    "npv": "NPV",
    "irr": "IRR",
    "mttr": "MTTR",
    "mtbf": "MTBF",
    "smart_pss_bundle": "Smart PSS bundle",
}
# Words that keep their capitals wherever they stand in a code (``plc_retrofit`` → ``PLC retrofit``).
KNOWN_WORDS: dict[str, str] = {
    w.lower(): w
    for w in (
        "UK",
        "USA",
        "EU",
        "DACH",
        "EMEA",
        "APAC",
        "CEE",
        "IoT",
        "ERP",
        "CRM",
        "OEM",
        "PSS",
        "KPI",
        "SLA",
        "API",
        "PLC",
        "HVAC",
        "TCO",
        "NPV",
        "IRR",
        "MTBF",
        "MTTR",
        "CNC",
        "VFD",
        "PDF",
        "CSV",
        "RFQ",
        "CO2",
        "ISO",
    )
}


# Codes whose words depend on what they are the code of (``field``): a machine's connectivity
# ``none`` has no sensors, its service coverage ``none`` no agreement; never the bare "None".
FIELD_LABELS: dict[str, dict[str, str]] = {
    "connectivity": {"none": "No connectivity"},
    "coverage": {"none": "Not covered"},
}


def label(value: object, field: str | None = None) -> str:
    """A code as people read it: ``out_of_contract`` → ``Out of contract``, ``oil_gas`` →
    ``Oil & gas``, ``dach`` → ``DACH``; text already written by people (``UK & Ireland``) keeps
    its capitals; nothing → a dash. ``field``: what the code is of (``connectivity``,
    ``coverage``), for the codes that read differently there (``FIELD_LABELS``)."""
    if value is None or value == "":
        return "—"
    raw = str(value).strip()
    key = raw.lower().replace("-", "_").replace(" ", "_")
    if field is not None and key in FIELD_LABELS.get(field, {}):
        return FIELD_LABELS[field][key]
    if key in KNOWN_LABELS:
        return KNOWN_LABELS[key]
    words = raw.replace("_", " ").split(" ")
    out = [KNOWN_WORDS.get(w.lower(), w) if w.islower() or w.isupper() else w for w in words]
    text = " ".join(out)
    return text[:1].upper() + text[1:]


def money(amount: float | None, currency: str | None) -> Markup:
    """Whole currency units with thousands separators: ``12,500 EUR``; nothing → a dash.

    A formatted number holds no character HTML escapes; an f-string formats it (a page shows
    dozens of amounts, and ``Markup.format`` runs Python's own formatter, twice as slow)."""
    if amount is None:
        return Markup("—")
    return Markup(f"{amount:,.0f}{NBSP}") + escape(currency or "")


def hours(value: float) -> Markup:
    """Hours with one decimal: ``1,234.5 h``."""
    return Markup(f"{value:,.1f}{NBSP}h")


def count(n: int, one: str, many: str) -> str:
    """A number with its noun: ``1 machine``, ``1,204 machines``."""
    return f"{n:,} {one if n == 1 else many}"


def initials(name: str | None) -> str:
    """The initials of a name for an avatar: ``Olga Owner`` → ``OO``."""
    parts = (name or "?").split()
    return (parts[0][:1] + (parts[-1][:1] if len(parts) > 1 else "")).upper()


TEMPLATE_GLOBALS = {
    "fmt_label": label,
    "fmt_money": money,
    "fmt_hours": hours,
    "fmt_count": count,
    "fmt_initials": initials,
}
