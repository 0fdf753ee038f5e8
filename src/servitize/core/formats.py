"""How pages write values: labels, money, hours, counts, initials.

Plain functions rather than template macros: a page like the account 360 writes hundreds of
them, and a Jinja macro call costs several times a Python call.
"""

from __future__ import annotations

from markupsafe import Markup, escape

NBSP = Markup("&nbsp;")


def label(value: object) -> str:
    """A code as people read it: ``out_of_contract`` → ``Out of contract``; nothing → a dash."""
    if value is None or value == "":
        return "—"
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def money(amount: float | None, currency: str | None) -> Markup:
    """Whole currency units with thousands separators: ``12,500 EUR``; nothing → a dash."""
    if amount is None:
        return Markup("—")
    return Markup("{:,.0f}").format(amount) + NBSP + escape(currency or "")


def hours(value: float) -> Markup:
    """Hours with one decimal: ``1,234.5 h``."""
    return Markup("{:,.1f}").format(value) + NBSP + "h"


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
