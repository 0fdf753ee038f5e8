"""Editing an opportunity from its page: title, value with its currency, expected close,
probability, terms; and what the value is worth in the account's and the company's currency.

The form sends text; this module reads it into ``OpportunityUpdate`` (the API's body) and hands
it to ``sales.service.update``, so the page and ``PATCH /api/v1/opportunities/{id}`` apply the
same rules and write the same audit entry (the changed fields before and after). The currency
is an ISO 4217 code as in imports: a value typed for a Swedish account in euros stays euros
(the form's currency select starts at the account's currency and may be changed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from servitize.core.errors import InvalidInput, parse_input
from servitize.installed_base.access import get_account, require
from servitize.installed_base.editing_rules import currency_code
from servitize.installed_base.repository import load_rates
from servitize.kit.money import Rates, from_cents
from servitize.sales import repository as repo
from servitize.sales import service
from servitize.sales.models import Opportunity
from servitize.sales.schemas import OpportunityUpdate
from servitize.trust.models import User

FIELDS = ("title", "value", "currency", "expected_close", "probability", "terms", "version")
# The currencies a form offers first; any other ISO 4217 code may be typed through the API.
COMMON_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN", "CZK", "CNY", "JPY")


def check_currency(code: str | None) -> str | None:
    """An ISO 4217 code in capitals, as imports take it; InvalidInput naming ``currency``."""
    if code is None:
        return None
    try:
        return currency_code(code)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def parse_terms(text: str) -> dict[str, float] | None:
    """Terms typed one per line as ``name = number`` (``fee = 10000``); empty: none."""
    terms: dict[str, float] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, number = line.partition("=")
        try:
            value = float(number.strip().replace(",", ""))
        except ValueError:
            value = float("nan")
        if not sep or not name.strip() or value != value or value in (float("inf"), float("-inf")):
            raise InvalidInput(f"terms: line {n} is not 'name = number': {line.strip()[:60]!r}")
        terms[name.strip()] = value
    return terms or None


def terms_text(terms: dict[str, Any] | None) -> str:
    """Terms as the form shows them, one ``name = number`` per line."""
    return "\n".join(
        f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in (terms or {}).items()
    )


def parse_form(values: dict[str, str]) -> OpportunityUpdate:
    """The edit form's text as an update of every field it shows (empty clears; errors name
    each field)."""
    data: dict[str, Any] = {k: v for k, v in values.items() if k in FIELDS and k != "terms"}
    problems: list[str] = []
    try:
        data["terms"] = parse_terms(values.get("terms") or "")
    except InvalidInput as exc:
        problems.append(exc.message)
    if (values.get("value") or "").strip():
        data["value"] = values["value"].strip().replace(",", "")
    try:
        data["currency"] = check_currency((values.get("currency") or "").strip() or None)
    except InvalidInput as exc:
        problems.append(exc.message)
        data.pop("currency", None)
    if not data.get("currency"):
        data.pop("currency", None)  # the currency is never cleared: left empty, it stays
    try:
        update = parse_input(OpportunityUpdate, data)
    except InvalidInput as exc:
        problems.insert(0, exc.message)
    if problems:
        raise InvalidInput("; ".join(problems))
    return update


def edit(session: Session, user: User, opportunity_id: int, values: dict[str, str]) -> Opportunity:
    """Save the edit form of an opportunity (the same use case as the API's PATCH)."""
    repo.get(session, user, opportunity_id)  # 404 outside the user's scope, before the rules
    require(user, "opportunity.edit")
    return service.update(session, user, opportunity_id, parse_form(values))


def form_values(opp: Opportunity) -> dict[str, Any]:
    """What the edit form shows of an opportunity."""
    return {
        "title": opp.title,
        "value": "" if opp.value_cents is None else f"{from_cents(opp.value_cents):.2f}",
        "currency": opp.currency,
        "expected_close": opp.expected_close.isoformat() if opp.expected_close else "",
        "probability": "" if opp.probability is None else str(opp.probability),
        "terms": terms_text(opp.terms),
        "version": str(opp.version),
    }


@dataclass(frozen=True)
class Equivalent:
    """The value in another currency (the account's, the company's), or why not."""

    currency: str
    amount: Decimal | None  # None: no exchange rate in force


def equivalents(
    session: Session,
    user: User,
    opp: Opportunity,
    company_currency: str,
    today: date,
) -> list[Equivalent]:
    """The opportunity's value in the account's currency and in the company currency (those
    that differ from its own), at the rates in force today (docs/money.md)."""
    if opp.value_cents is None:
        return []
    account = get_account(session, user, opp.account_id)
    targets = [c for c in dict.fromkeys((account.currency, company_currency)) if c != opp.currency]
    if not targets:
        return []
    rates = Rates(
        load_rates(session, {opp.currency, *targets} - {company_currency}),
        company_currency,
        as_of=today,
    )
    out = []
    for target in targets:
        cents = rates.convert_to(opp.value_cents, opp.currency, target, today)
        out.append(Equivalent(target, None if cents is None else from_cents(cents)))
    return out
