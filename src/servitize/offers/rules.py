"""Pure rules of quoting: a line's price model, margin, who must approve, what acceptance
creates. No I/O; the service feeds them plain values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from servitize.core.errors import Conflict, InvalidInput
from servitize.kit.money import whole_cents as cents
from servitize.offers.price_models import (
    Licence,
    OneTime,
    Period,
    PriceModel,
    RevenueModel,
    Subscription,
    Tier,
    Usage,
)
from servitize.offers.totals import Bundle, Line

# What an accepted recurring line becomes (one-time and per-service lines become orders).
RECURRING = {
    RevenueModel.subscription,
    RevenueModel.licence,
    RevenueModel.usage,
    RevenueModel.availability_contract,
}


def _dec(terms: Mapping[str, Any], key: str, default: str) -> Decimal:
    try:
        return Decimal(str(terms.get(key, default)))
    except ArithmeticError:
        raise InvalidInput(f"{key} must be a number (got {terms.get(key)!r})") from None


def price_model(model: RevenueModel, unit_price_cents: int, terms: Mapping[str, Any]) -> PriceModel:
    """The price model of a line from its revenue model, unit price and stored terms."""
    if model in {RevenueModel.one_time, RevenueModel.per_service}:
        return OneTime(unit_price_cents)
    if model in {RevenueModel.subscription, RevenueModel.availability_contract}:
        try:
            period = Period(terms.get("period", "month"))
        except ValueError:
            raise InvalidInput(
                f"period must be month, quarter or year (got {terms.get('period')!r})"
            ) from None
        return Subscription(
            unit_price_cents,
            period,
            int(terms.get("minimum_term_months", 12)),
            int(terms.get("notice_months", 3)),
            _dec(terms, "indexation_pct", "0"),
        )
    if model == RevenueModel.licence:
        return Licence(unit_price_cents, bool(terms.get("per_project", False)))
    tiers = terms.get("tiers") or [{"up_to": None, "unit_cents": unit_price_cents}]
    return Usage(
        str(terms.get("metric", "operating hour")),
        tuple(
            Tier(
                None if t.get("up_to") is None else Decimal(str(t["up_to"])),
                Decimal(str(t["unit_cents"])),
            )
            for t in tiers
        ),
        _dec(terms, "included_quantity", "0"),
        int(terms.get("minimum_fee_cents", 0)),
        bool(terms.get("graduated", True)),
        _dec(terms, "expected_monthly_quantity", "0"),
    )


@dataclass(frozen=True)
class LineFacts:
    """What the rules need of a stored quote line."""

    name: str
    model: RevenueModel
    unit_price_cents: int
    terms: Mapping[str, Any]
    quantity: Decimal
    discount_pct: Decimal
    bundle: str | None
    bundle_discount_pct: Decimal
    cost_cents: int  # per unit (per period when recurring)


def items(lines: Iterable[LineFacts]) -> list[Line | Bundle]:
    """Plain lines and bundles (lines sharing a bundle name, in order of first appearance)."""
    out: list[Line | Bundle] = []
    bundles: dict[str, list[Line]] = {}
    discounts: dict[str, Decimal] = {}
    for f in lines:
        line = Line(
            f.name,
            price_model(f.model, f.unit_price_cents, f.terms),
            f.quantity,
            f.discount_pct,
        )
        if f.bundle:
            if f.bundle not in bundles:
                bundles[f.bundle] = []
                out.append(Bundle(f.bundle, (line,)))  # placeholder, replaced below
            bundles[f.bundle].append(line)
            discounts[f.bundle] = max(discounts.get(f.bundle, Decimal(0)), f.bundle_discount_pct)
        else:
            out.append(line)
    return [
        Bundle(i.name, tuple(bundles[i.name]), discounts[i.name]) if isinstance(i, Bundle) else i
        for i in out
    ]


def cost_over_term(lines: Iterable[LineFacts], term_months: int) -> int:
    """What the lines cost the provider over the term (recurring costs per period, spread)."""
    total = Decimal(0)
    for f in lines:
        if f.model in {RevenueModel.one_time, RevenueModel.per_service} or (
            f.model == RevenueModel.licence and f.terms.get("per_project")
        ):
            total += f.cost_cents * f.quantity
        else:
            months = Period(f.terms.get("period", "month")).months
            total += Decimal(f.cost_cents) * f.quantity * term_months / months
    return cents(total)


def margin_pct(contract_value_cents: int, cost_cents: int) -> float | None:
    """Margin as a percent of the contract value; None when there is no value."""
    if contract_value_cents <= 0:
        return None
    return round(100 * (contract_value_cents - cost_cents) / contract_value_cents, 2)


def effective_discount(f: LineFacts) -> Decimal:
    """A line's discount including its bundle's (compounded), in percent."""
    kept = (1 - f.discount_pct / 100) * (1 - f.bundle_discount_pct / 100)
    return (1 - kept) * 100


@dataclass(frozen=True)
class ApprovalFacts:
    """What decides whether a quote needs a manager's approval."""

    max_discount_pct: Decimal
    submitter_authority_pct: float
    margin_pct: float | None
    min_margin_pct: float
    value_company_cents: int | None  # None: no exchange rate for the quote currency
    approval_value_cents: int
    risk: str
    approval_risk: tuple[str, ...]
    terms_outside: list[str]


def approval_reasons(f: ApprovalFacts) -> list[str]:
    """Why a quote needs approval; empty: the submitter may send it as it is."""
    reasons = []
    if f.max_discount_pct > Decimal(str(f.submitter_authority_pct)):
        reasons.append(
            f"discount {f.max_discount_pct:.1f} % is above the submitter's authority of "
            f"{f.submitter_authority_pct:g} %"
        )
    if f.margin_pct is not None and f.margin_pct < f.min_margin_pct:
        reasons.append(f"margin {f.margin_pct:g} % is below {f.min_margin_pct:g} %")
    if f.value_company_cents is None:
        reasons.append("the contract value has no exchange rate into the company currency")
    elif f.value_company_cents >= f.approval_value_cents:
        reasons.append(
            f"contract value {f.value_company_cents / 100:,.2f} is at or above the approval "
            f"threshold of {f.approval_value_cents / 100:,.2f}"
        )
    if f.risk in f.approval_risk:
        reasons.append(f"risk is {f.risk}")
    reasons.extend(f"term outside the borderline: {t}" for t in f.terms_outside)
    return reasons


def quote_terms_for_borderline(
    terms: Mapping[str, Any], clause: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The quote's terms in the names of the sales policy's borderline (the clause's target is
    the guaranteed availability)."""
    out = dict(terms)
    if clause and clause.get("target_pct") is not None:
        out.setdefault("availability_pct", clause["target_pct"])
    return out


def contract_kind(model: RevenueModel, shell: str) -> str | None:
    """What an accepted line becomes: an order (None) or a kind of contract."""
    if model in {RevenueModel.one_time, RevenueModel.per_service}:
        return None
    if model == RevenueModel.licence:
        return "licence"
    if model == RevenueModel.usage:
        return "usage"
    if model == RevenueModel.availability_contract:
        return "availability"
    return "service_agreement" if shell == "service" else "subscription"


def check_acceptable(status: str, valid_until: date, today: date) -> None:
    """Refuse accepting a quote that is not approved, is expired or superseded."""
    if status == "superseded":
        raise Conflict("this quote was superseded by a newer revision; accept that one")
    if status not in {"approved", "sent"}:
        raise Conflict(f"a quote can be accepted once approved; this one is {status}")
    if valid_until < today:
        raise Conflict(f"this quote expired on {valid_until.isoformat()}")
