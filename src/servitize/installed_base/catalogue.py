"""What a catalogue item is worth as a lead, a sheet line or a quote line. Pure rules, no I/O.

A recurring item (subscription, licence, availability contract, usage) is worth its fee over a
standard term, not one period's fee: "Remote service subscription, 180 EUR / month" is a
6,480 EUR lead over 36 months, which lead routing sends to the account owner, not a 180 EUR
one-off for a technician's sign-up sheet. The period of a list price comes from its unit
("asset-month", "asset-year", "licence-month", "month", "year").
"""

from __future__ import annotations

STANDARD_TERM_MONTHS = 36
RECURRING = frozenset({"subscription", "licence", "availability_contract", "usage"})
ONE_OFF = frozenset({"one_time", "per_service"})


def is_recurring(revenue_model: str) -> bool:
    return revenue_model in RECURRING


def period_months(unit: str | None) -> int:
    """Months per billing period of a recurring list price, from its unit (a month unless the
    unit says year or quarter)."""
    text = (unit or "").lower()
    if text.endswith(("year", "yearly")):
        return 12
    if text.endswith("quarter"):
        return 3
    return 1


def term_value_cents(
    revenue_model: str,
    list_price_cents: int,
    unit: str | None,
    term_months: int = STANDARD_TERM_MONTHS,
) -> int:
    """One unit's value: the list price for a one-off, the fee over the term for a recurring
    item (a yearly fee of 1,400 over 36 months is 4,200)."""
    if not is_recurring(revenue_model):
        return list_price_cents
    return list_price_cents * term_months // period_months(unit)


def price_words(
    revenue_model: str,
    list_price_cents: int,
    currency: str,
    unit: str | None,
    term_months: int = STANDARD_TERM_MONTHS,
) -> str:
    """How the price reads on a lead, a sheet and a quote: "60 EUR / month, 36 months"."""
    amount = f"{list_price_cents / 100:,.2f}".removesuffix(".00")
    if not is_recurring(revenue_model):
        return f"{amount} {currency}"
    per = {1: "month", 3: "quarter", 12: "year"}[period_months(unit)]
    return f"{amount} {currency} / {per}, {term_months} months"


def sign_up_eligible(revenue_model: str, flagged: bool) -> bool:
    """Only standard-priced one-time or per-service items go on a sign-up sheet; a recurring
    item never does, whatever its catalogue flag says."""
    return flagged and revenue_model in ONE_OFF
