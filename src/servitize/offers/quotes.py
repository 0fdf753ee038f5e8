"""Quote use cases: build a quote line by line, submit it for approval, approve it (a manager
may override the borderline with a reason), send it with a signed link, revise it, accept it.

Every change recomputes the totals from the lines with the pure rules (``offers.totals``), so a
stored total is never typed; every change is audited; a stale ``version`` answers 409.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from servitize.contracts.clauses import clause_from
from servitize.core.errors import Conflict, InvalidInput, PermissionDenied
from servitize.installed_base import repository as ib
from servitize.installed_base.access import get_account, require, visible_account_ids
from servitize.installed_base.catalogue import price_words
from servitize.installed_base.models import Account, Offering
from servitize.kit.money import Rates, from_cents
from servitize.kit.pagination import PageParams
from servitize.kit.sorting import Sort
from servitize.offers import formulas, rules, versions
from servitize.offers import repository as repo
from servitize.offers.models import OfferingPrice, Quote, QuoteKind, QuoteLine, QuoteStatus
from servitize.offers.price_models import RevenueModel, Subscription, price_in_words
from servitize.offers.schemas import (
    FormulaIn,
    FormulaLineIn,
    LineIn,
    LineRead,
    QuoteCreate,
    QuoteRead,
    TotalsRead,
)
from servitize.offers.totals import Totals, quote_totals
from servitize.org_types import rules as org_rules
from servitize.org_types import service as org_types
from servitize.sales import repository as sales_repo
from servitize.sales.process import policy_of
from servitize.sales.rules import terms_outside_borderline
from servitize.trust import audit
from servitize.trust.context import Context

EDITABLE = {QuoteStatus.draft, QuoteStatus.pending_approval}


def _check_version(quote: Quote, version: int | None) -> None:
    if version is not None and version != quote.version:
        raise Conflict(
            f"quote {quote.number} changed since you loaded it (version {version}, now "
            f"{quote.version}); reload it"
        )


def visible_quote(ctx: Context, quote_id: int, for_update: bool = False) -> Quote:
    """A quote of an account the user may see; 404 otherwise."""
    quote = repo.quote(ctx.session, quote_id, for_update=for_update)
    get_account(ctx.session, ctx.user, quote.account_id)  # NotFound outside the scope
    return quote


def visible_quote_and_account(ctx: Context, quote_id: int) -> tuple[Quote, Account]:
    """A quote of an account the user may see, with that account; 404 otherwise."""
    quote = repo.quote(ctx.session, quote_id)
    return quote, get_account(ctx.session, ctx.user, quote.account_id)


def _own(ctx: Context, quote: Quote) -> bool:
    return quote.owner_id == ctx.user.id


def _editable(ctx: Context, quote_id: int, version: int | None) -> Quote:
    quote = visible_quote(ctx, quote_id, for_update=True)
    require(ctx.user, "quote.edit", own=_own(ctx, quote))
    _check_version(quote, version)
    if quote.status not in EDITABLE:
        raise Conflict(
            f"quote {quote.number} is {quote.status.value.replace('_', ' ')}; "
            "revise it to change its lines"
        )
    return quote


def create_quote(ctx: Context, data: QuoteCreate) -> Quote:
    """A draft quote for an account (and an opportunity of that account, if given)."""
    require(ctx.user, "quote.create")
    account = get_account(ctx.session, ctx.user, data.account_id)
    if data.opportunity_id is not None:
        opp = sales_repo.get(ctx.session, ctx.user, data.opportunity_id)
        if opp.account_id != account.id:
            raise InvalidInput(f"opportunity {opp.id} belongs to another account")
    valid_until = data.valid_until or ctx.today + timedelta(
        days=ctx.settings.offers.quote_validity_days
    )
    if valid_until < ctx.today:
        raise InvalidInput(f"valid_until {valid_until} lies in the past")
    clause = data.clause.params() if data.clause else None
    if clause:
        clause_from(clause["kind"], clause)  # refuses a clause missing a parameter
    quote = Quote(
        number=repo.next_quote_number(ctx.session),
        revision=1,
        account_id=account.id,
        opportunity_id=data.opportunity_id,
        owner_id=ctx.user.id or account.owner_id,
        title=data.title.strip(),
        kind=QuoteKind(data.kind),
        status=QuoteStatus.draft,
        currency=(data.currency or account.currency).upper(),
        term_months=data.term_months,
        valid_until=valid_until,
        terms=data.terms.model_dump(mode="json", exclude_none=True),
        clause=clause,
        notes=data.notes,
    )
    repo.add(ctx.session, quote)
    audit.record(ctx.session, ctx.actor, "create", "quote", quote.id, after=_snapshot(quote))
    return quote


def _snapshot(quote: Quote) -> dict[str, Any]:
    return {
        "number": quote.number,
        "revision": quote.revision,
        "status": quote.status.value,
        "contract_value_cents": quote.contract_value_cents,
        "currency": quote.currency,
    }


def _offering(ctx: Context, quote: Quote, external_id: str) -> Offering:
    offering = ib.offering_by_external_id(ctx.session, external_id)
    if offering is None:
        raise InvalidInput(f"offering: no catalogue item {external_id!r}")
    if offering.currency.upper() != quote.currency:
        raise InvalidInput(
            f"offering: {offering.external_id} is priced in {offering.currency}, "
            f"the quote in {quote.currency}"
        )
    return offering


def _check_discounts(ctx: Context, discount_pct: Decimal, bundle_discount_pct: Decimal) -> None:
    most = Decimal(str(ctx.settings.offers.max_discount_pct))
    if discount_pct > most or bundle_discount_pct > most:
        raise InvalidInput(
            f"discount_pct: at most {ctx.settings.offers.max_discount_pct:g} % on any line"
        )


def _check_machines(ctx: Context, quote: Quote, asset_ids: list[int] | None) -> None:
    if asset_ids:
        found = {a.id for a in ib.assets_of_account_by_id(ctx.session, quote.account_id, asset_ids)}
        missing = sorted(set(asset_ids) - found)
        if missing:
            raise InvalidInput(f"asset_ids: {missing} are not machines of this account")


def _catalogue_terms(price: OfferingPrice | None) -> dict[str, Any]:
    """A line's terms from the catalogue's price terms (the formula stays in the catalogue)."""
    terms = dict(price.terms) if price else {}
    terms.pop("formula", None)
    return terms


def add_line(ctx: Context, quote_id: int, data: LineIn, version: int | None = None) -> Quote:
    """Add a catalogue item: its price model and terms from the catalogue; a unit price of
    one's own must not lie below the item's floor."""
    quote = _editable(ctx, quote_id, version)
    offering = _offering(ctx, quote, data.offering)
    price = repo.prices_of(ctx.session, [offering.id]).get(offering.id)
    model = price.model if price else RevenueModel(offering.revenue_model)
    terms = _catalogue_terms(price)
    if not price and model in rules.RECURRING:
        terms.setdefault("minimum_term_months", 12)
    unit = offering.list_price_cents if data.unit_price is None else int(data.unit_price * 100)
    floor = price.floor_cents if price else 0
    if unit < floor:
        raise InvalidInput(
            f"unit_price: {from_cents(unit):,} {quote.currency} is below the floor price "
            f"{from_cents(floor):,} {quote.currency} of {offering.external_id}"
        )
    _check_discounts(ctx, data.discount_pct, data.bundle_discount_pct)
    _check_machines(ctx, quote, data.asset_ids)
    rules.price_model(model, unit, terms)  # refuses bad stored terms before anything is written
    new = org_rules.QuoteLine(offering.name, str(offering.shell), str(model), data.bundle)
    _check_structure(ctx, quote, repo.lines_of(ctx.session, quote.id), new)
    position = len(repo.lines_of(ctx.session, quote.id))
    line = QuoteLine(
        quote_id=quote.id,
        position=position,
        offering_id=offering.id,
        name=offering.name,
        model=model,
        terms=terms,
        unit_price_cents=unit,
        quantity=data.quantity,
        discount_pct=data.discount_pct,
        bundle=data.bundle,
        bundle_discount_pct=data.bundle_discount_pct,
        cost_cents=price.cost_cents if price else 0,
        asset_ids=sorted(set(data.asset_ids)) if data.asset_ids else None,
    )
    repo.add(ctx.session, line)
    _recompute(ctx, quote)
    audit.record(
        ctx.session,
        ctx.actor,
        "add_line",
        "quote",
        quote.id,
        after={"offering": offering.external_id, "quantity": str(data.quantity)},
    )
    return quote


# ---------------------------------------------------------------- standard price formulas

# A formula gives a monthly price: the revenue models it can price.
FORMULA_MODELS = frozenset(
    {RevenueModel.subscription, RevenueModel.licence, RevenueModel.availability_contract}
)


@dataclass(frozen=True)
class FormulaOffer:
    """A formula's answer for the quote page: the budget range and the fixed price's steps."""

    offering: str
    name: str
    currency: str
    evidence: dict[str, Any]

    @property
    def budget(self) -> str:
        return formulas.budget_in_words(self.evidence, self.currency)

    @property
    def steps(self) -> str:
        return formulas.steps_in_words(self.evidence, self.currency)

    @property
    def parameters(self) -> str:
        return formulas.parameters_in_words(self.evidence)


def formula_offerings(ctx: Context, offerings: Sequence[Any]) -> list[tuple[Any, formulas.Formula]]:
    """The catalogue items (of those given: rows or offerings with an ``id`` and a
    ``revenue_model``) that have a standard formula, with it."""
    models = {m.value for m in FORMULA_MODELS}
    candidates = [o for o in offerings if o.revenue_model in models]
    if not candidates:
        return []
    terms = repo.formula_terms_of(ctx.session, candidates[0].currency, models)
    out = []
    for o in candidates:
        formula = formulas.formula_of(terms.get(o.id))
        if formula is not None:
            out.append((o, formula))
    return out


def _formula_of(
    ctx: Context, quote: Quote, data: FormulaIn
) -> tuple[Offering, OfferingPrice, formulas.Formula, formulas.Inputs]:
    offering = _offering(ctx, quote, data.offering)
    price = repo.prices_of(ctx.session, [offering.id]).get(offering.id)
    formula = formulas.formula_of(price.terms) if price else None
    if price is None or formula is None or price.model not in FORMULA_MODELS:
        raise InvalidInput(f"offering: {offering.external_id} has no standard price formula")
    inputs = formulas.Inputs(
        data.machines,
        data.size_class.strip(),
        data.operating_hours_per_year,
        (data.region or "").strip() or None,
        data.term_months or quote.term_months,
    )
    if inputs.region and formula.region_factors and inputs.region not in formula.region_factors:
        raise InvalidInput(
            f"region: unknown region {inputs.region!r}; one of: "
            + ", ".join(sorted(formula.region_factors))
        )
    return offering, price, formula, inputs


def price_by_formula(ctx: Context, quote_id: int, data: FormulaIn) -> FormulaOffer:
    """The budget price at once: the formula's fixed price ± its spread (nothing is written;
    asked while editing the quote, so by who may edit it)."""
    quote = visible_quote(ctx, quote_id)
    require(ctx.user, "quote.edit", own=_own(ctx, quote))
    offering, _price, formula, inputs = _formula_of(ctx, quote, data)
    price = formulas.fixed_price(formula, inputs)
    return FormulaOffer(
        offering.external_id,
        offering.name,
        quote.currency,
        formulas.evidence(formula, inputs, price),
    )


def _formula_terms(model: RevenueModel, terms: dict[str, Any]) -> dict[str, Any]:
    """A formula prices a month: the line's fee falls due monthly."""
    if model in {RevenueModel.subscription, RevenueModel.availability_contract}:
        return terms | {"period": "month"}
    if model == RevenueModel.licence:
        return terms | {"per_project": False}
    return terms


def add_formula_line(
    ctx: Context, quote_id: int, data: FormulaLineIn, version: int | None = None
) -> Quote:
    """The fixed offer's line: its monthly price computed by the catalogue's formula from the
    parameters (never typed); the line keeps the formula and the parameters as its evidence."""
    quote = _editable(ctx, quote_id, version)
    offering, price, formula, inputs = _formula_of(ctx, quote, data)
    _check_discounts(ctx, data.discount_pct, data.bundle_discount_pct)
    _check_machines(ctx, quote, data.asset_ids)
    if data.asset_ids and len(set(data.asset_ids)) != inputs.machines:
        raise InvalidInput(
            f"machines: {inputs.machines} in the formula but "
            f"{len(set(data.asset_ids))} covered machines chosen"
        )
    fixed = formulas.fixed_price(formula, inputs)
    terms = _formula_terms(price.model, _catalogue_terms(price))
    rules.price_model(price.model, fixed.monthly_cents, terms)
    line = QuoteLine(
        quote_id=quote.id,
        position=len(repo.lines_of(ctx.session, quote.id)),
        offering_id=offering.id,
        name=offering.name,
        model=price.model,
        terms=terms,
        unit_price_cents=fixed.monthly_cents,
        quantity=Decimal(1),
        discount_pct=data.discount_pct,
        bundle=data.bundle,
        bundle_discount_pct=data.bundle_discount_pct,
        # the catalogue's cost is per unit and period; a formula line is all machines, monthly
        cost_cents=_monthly_cost(price) * inputs.machines,
        asset_ids=sorted(set(data.asset_ids)) if data.asset_ids else None,
        formula=formulas.evidence(formula, inputs, fixed),
    )
    repo.add(ctx.session, line)
    _recompute(ctx, quote)
    audit.record(
        ctx.session,
        ctx.actor,
        "add_line",
        "quote",
        quote.id,
        after={"offering": offering.external_id, "formula": line.formula},
    )
    return quote


def _monthly_cost(price: OfferingPrice) -> int:
    model = rules.price_model(price.model, price.cost_cents, _catalogue_terms(price))
    if isinstance(model, Subscription):
        return model.monthly_cents()
    return price.cost_cents


def remove_line(ctx: Context, quote_id: int, line_id: int, version: int | None = None) -> Quote:
    quote = _editable(ctx, quote_id, version)
    line = repo.line(ctx.session, quote.id, line_id)
    repo.delete(ctx.session, line)
    _recompute(ctx, quote)
    audit.record(ctx.session, ctx.actor, "remove_line", "quote", quote.id, before={"line": line_id})
    return quote


def _facts(lines: list[QuoteLine]) -> list[rules.LineFacts]:
    return [
        rules.LineFacts(
            ln.name,
            ln.model,
            ln.unit_price_cents,
            ln.terms or {},
            Decimal(ln.quantity),
            Decimal(ln.discount_pct),
            ln.bundle,
            Decimal(ln.bundle_discount_pct),
            ln.cost_cents,
        )
        for ln in lines
    ]


def totals_of(quote: Quote, lines: list[QuoteLine]) -> Totals:
    return quote_totals(rules.items(_facts(lines)), quote.term_months)


def _recompute(ctx: Context, quote: Quote) -> Totals:
    totals = totals_of(quote, repo.lines_of(ctx.session, quote.id))
    quote.one_time_cents = totals.one_time_cents
    quote.monthly_cents = totals.monthly_recurring_cents
    quote.usage_monthly_cents = totals.usage_estimate_monthly_cents
    quote.contract_value_cents = totals.contract_value_cents
    if quote.status == QuoteStatus.pending_approval:
        quote.status = QuoteStatus.draft  # a changed quote is submitted again
        quote.approval_reasons = None
    ctx.session.flush()
    return totals


def value_in_company(ctx: Context, quote: Quote) -> int | None:
    if quote.currency == ctx.settings.company_currency.upper():
        return quote.contract_value_cents  # no rate to look up
    rates = Rates(
        ib.load_rates(ctx.session, {quote.currency}),
        ctx.settings.company_currency,
        as_of=ctx.today,
    )
    return rates.convert(quote.contract_value_cents, quote.currency, ctx.today)


def approval_reasons(ctx: Context, quote: Quote, lines: list[QuoteLine]) -> list[str]:
    """Why this quote needs a manager's approval, given who submits it."""
    facts = _facts(lines)
    pol = policy_of(ctx.settings)
    risk = "medium"
    if quote.opportunity_id is not None:
        opp = sales_repo.get(ctx.session, ctx.user, quote.opportunity_id)
        risk = opp.risk
    cost = rules.cost_over_term(facts, quote.term_months)
    authority = ctx.settings.offers.discount_authority_pct.get(str(ctx.user.role), 0.0)
    return rules.approval_reasons(
        rules.ApprovalFacts(
            max((rules.effective_discount(f) for f in facts), default=Decimal(0)),
            authority,
            rules.margin_pct(quote.contract_value_cents, cost),
            ctx.settings.offers.min_margin_pct,
            value_in_company(ctx, quote),
            pol.approval_value_cents,
            risk,
            pol.approval_risk,
            terms_outside_borderline(
                rules.quote_terms_for_borderline(quote.terms or {}, quote.clause),
                pol.borderline,
            ),
        )
    )


def _check_structure(
    ctx: Context, quote: Quote, lines: list[QuoteLine], new: org_rules.QuoteLine | None = None
) -> None:
    """Conflict (409) naming the rule when the lines break the structure the account's
    organisation type allows (org_types; no type's rules for the account: nothing to check)."""
    shells = {
        o.id: o.shell
        for o in ib.offerings_by_id(ctx.session, {x.offering_id for x in lines}).values()
    }
    facts = [
        org_rules.QuoteLine(x.name, str(shells.get(x.offering_id)), str(x.model), x.bundle)
        for x in lines
    ]
    refusal = org_types.quote_refusal(
        ctx.session,
        quote.account_id,
        [*facts, *([new] if new else [])],
        ctx.today,
        ctx.settings.org_types,
    )
    if refusal:
        raise Conflict(refusal)


def submit(ctx: Context, quote_id: int, version: int | None = None) -> Quote:
    """Submit a draft: approved at once when nothing needs a manager, else pending approval
    with every reason listed."""
    quote = _editable(ctx, quote_id, version)
    lines = repo.lines_of(ctx.session, quote.id)
    if not lines:
        raise InvalidInput(f"quote {quote.number} has no lines")
    _check_structure(ctx, quote, lines)
    if quote.valid_until < ctx.today:
        raise Conflict(f"quote {quote.number} expired on {quote.valid_until}; revise it")
    reasons = approval_reasons(ctx, quote, lines)
    quote.approval_reasons = reasons
    quote.status = QuoteStatus.pending_approval if reasons else QuoteStatus.approved
    if not reasons:
        quote.approved_by_id, quote.approved_at = ctx.user.id or None, ctx.now
    ctx.session.flush()
    audit.record(
        ctx.session,
        ctx.actor,
        "submit",
        "quote",
        quote.id,
        after=_snapshot(quote) | {"reasons": reasons},
    )
    return quote


def approve(
    ctx: Context, quote_id: int, reason: str | None = None, version: int | None = None
) -> Quote:
    """A manager approves a pending quote. Terms outside the borderline need a named override
    reason; a discount needs an approver whose authority covers it; nobody approves their own."""
    quote = visible_quote(ctx, quote_id, for_update=True)
    require(ctx.user, "quote.approve")
    _check_version(quote, version)
    if quote.status != QuoteStatus.pending_approval:
        raise Conflict(
            f"quote {quote.number} is {quote.status.value.replace('_', ' ')}, not pending approval"
        )
    if quote.owner_id == ctx.user.id and ctx.user.role != "admin":
        raise PermissionDenied("a quote is approved by someone other than its owner")
    lines = repo.lines_of(ctx.session, quote.id)
    facts = _facts(lines)
    discount = max((rules.effective_discount(f) for f in facts), default=Decimal(0))
    authority = ctx.settings.offers.discount_authority_pct.get(str(ctx.user.role), 0.0)
    if discount > Decimal(str(authority)):
        raise PermissionDenied(
            f"a discount of {discount:.1f} % is beyond your authority of {authority:g} %"
        )
    outside = [r for r in quote.approval_reasons or [] if r.startswith("term outside")]
    if outside and not (reason and reason.strip()):
        raise InvalidInput(
            "reason: terms outside the borderline need an override reason: " + "; ".join(outside)
        )
    quote.status = QuoteStatus.approved
    quote.approved_by_id, quote.approved_at = ctx.user.id or None, ctx.now
    quote.override_reason = reason.strip() if reason and reason.strip() else None
    ctx.session.flush()
    audit.record(
        ctx.session,
        ctx.actor,
        "approve",
        "quote",
        quote.id,
        after=_snapshot(quote),
        note=quote.override_reason,
    )
    return quote


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send(ctx: Context, quote_id: int, version: int | None = None) -> tuple[Quote, str]:
    """Mark an approved quote sent and make the customer's acceptance link (shown once)."""
    quote = visible_quote(ctx, quote_id, for_update=True)
    require(ctx.user, "quote.edit", own=_own(ctx, quote))
    _check_version(quote, version)
    if quote.status not in {QuoteStatus.approved, QuoteStatus.sent}:
        raise Conflict(f"quote {quote.number} must be approved before it is sent")
    token = secrets.token_urlsafe(32)
    quote.accept_token_hash = _token_hash(token)
    quote.status = QuoteStatus.sent
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "send", "quote", quote.id, after=_snapshot(quote))
    return quote, token


def quote_by_token(ctx_session: Any, token: str) -> Quote | None:
    """The quote a customer's link points to (None: no such link)."""
    if not token or len(token) > 200:
        return None
    return repo.quote_by_token_hash(ctx_session, _token_hash(token))


def revise(
    ctx: Context, quote_id: int, version: int | None = None, kind: str | None = None
) -> Quote:
    """A new revision with the same lines (the old one is superseded and cannot be accepted).

    ``kind="fixed"`` turns a budget offer into the fixed offer: each line priced by a formula is
    priced again by the catalogue's formula from the parameters it keeps."""
    old = visible_quote(ctx, quote_id, for_update=True)
    require(ctx.user, "quote.edit", own=_own(ctx, old))
    _check_version(old, version)
    if old.status in {QuoteStatus.accepted, QuoteStatus.superseded}:
        raise Conflict(f"quote {old.number} revision {old.revision} is {old.status.value}")
    if kind is not None and kind not in QuoteKind.__members__:
        raise InvalidInput(f"kind: budget or fixed (got {kind!r})")
    new = Quote(
        number=old.number,
        revision=max(q.revision for q in repo.revisions(ctx.session, old.number)) + 1,
        account_id=old.account_id,
        opportunity_id=old.opportunity_id,
        owner_id=old.owner_id,
        title=old.title,
        kind=QuoteKind(kind) if kind else old.kind,
        status=QuoteStatus.draft,
        currency=old.currency,
        term_months=old.term_months,
        valid_until=max(
            old.valid_until, ctx.today + timedelta(days=ctx.settings.offers.quote_validity_days)
        ),
        terms=dict(old.terms or {}),
        clause=dict(old.clause) if old.clause else None,
        notes=old.notes,
    )
    repo.add(ctx.session, new)
    lines = repo.lines_of(ctx.session, old.id)
    prices = repo.prices_of(ctx.session, {ln.offering_id for ln in lines if ln.formula})
    for ln in lines:
        unit, evidence = ln.unit_price_cents, dict(ln.formula) if ln.formula else None
        price = prices.get(ln.offering_id)
        formula = formulas.formula_of(price.terms) if price else None
        if new.kind == QuoteKind.fixed and evidence and formula is not None:
            inputs = formulas.inputs_of(evidence)
            fixed = formulas.fixed_price(formula, inputs)
            unit, evidence = fixed.monthly_cents, formulas.evidence(formula, inputs, fixed)
        repo.add(
            ctx.session,
            QuoteLine(
                quote_id=new.id,
                position=ln.position,
                offering_id=ln.offering_id,
                name=ln.name,
                model=ln.model,
                terms=dict(ln.terms or {}),
                unit_price_cents=unit,
                quantity=ln.quantity,
                discount_pct=ln.discount_pct,
                bundle=ln.bundle,
                bundle_discount_pct=ln.bundle_discount_pct,
                cost_cents=ln.cost_cents,
                asset_ids=list(ln.asset_ids) if ln.asset_ids else None,
                formula=evidence,
            ),
        )
    _recompute(ctx, new)
    old.status = QuoteStatus.superseded
    old.accept_token_hash = None
    ctx.session.flush()
    audit.record(
        ctx.session,
        ctx.actor,
        "revise",
        "quote",
        new.id,
        after=_snapshot(new) | {"kind": new.kind.value},
        note=f"supersedes revision {old.revision}",
    )
    return new


# ---------------------------------------------------------------- versions with a diff


def line_price(ln: QuoteLine, currency: str, term_months: int) -> str:
    """A line's price in words: "60 EUR / month, 36 months" for a monthly fee over the contract's
    term (the quote's, or the item's minimum if longer; the same words as the lead and the
    sheet), the price model's words otherwise."""
    model = rules.price_model(ln.model, ln.unit_price_cents, ln.terms or {})
    if isinstance(model, Subscription):
        unit = {1: "month", 3: "quarter", 12: "year"}[model.period.months]
        term = max(term_months, model.minimum_term_months)  # the contract's term (acceptance)
        words = price_words("subscription", ln.unit_price_cents, currency, unit, term)
        extras = []
        if model.notice_months:
            extras.append(f"{model.notice_months} months' notice")
        if model.indexation_pct:
            extras.append(f"indexed {model.indexation_pct} % a year")
        return ", ".join([words, *extras])
    return price_in_words(model, currency)


def version_of(
    quote: Quote, lines: list[QuoteLine], totals: Totals | None = None
) -> versions.Version:
    """A revision as the plain facts the diff compares (its totals, if the caller has them)."""
    totals = totals_of(quote, lines) if totals is None else totals
    seen: dict[tuple[int, str | None], int] = {}
    facts = []
    for ln in lines:
        n = seen[(ln.offering_id, ln.bundle)] = seen.get((ln.offering_id, ln.bundle), 0) + 1
        facts.append(
            versions.LineFacts(
                (ln.offering_id, ln.bundle, n),
                ln.name,
                line_price(ln, quote.currency, quote.term_months),
                ln.unit_price_cents,
                Decimal(ln.quantity).normalize(),
                Decimal(ln.discount_pct).normalize(),
                Decimal(ln.bundle_discount_pct).normalize(),
                len(ln.asset_ids or []),
                formulas.parameters_in_words(ln.formula) if ln.formula else None,
            )
        )
    clause = None
    if quote.clause:
        clause = clause_from(quote.clause["kind"], quote.clause).words(quote.currency)
    return versions.Version(
        quote.revision,
        quote.currency,
        quote.kind.value,
        quote.term_months,
        quote.valid_until,
        dict(quote.terms or {}),
        clause,
        {
            "one_time": totals.one_time_cents,
            "monthly": totals.monthly_recurring_cents,
            "yearly": totals.yearly_recurring_cents,
            "usage": totals.usage_estimate_monthly_cents,
            "contract_value": totals.contract_value_cents,
        },
        facts,
    )


def previous_revision(ctx: Context, quote: Quote) -> Quote | None:
    """The revision before this one (None for the first)."""
    return previous_of(quote, repo.revisions(ctx.session, quote.number))


def previous_of(quote: Quote, revisions: list[Quote]) -> Quote | None:
    """Of a quote's revisions, the one just before it (None for the first)."""
    earlier = [q for q in revisions if q.revision < quote.revision]
    return max(earlier, key=lambda q: q.revision) if earlier else None


def diff(ctx: Context, old_id: int, new_id: int) -> versions.Diff:
    """What changed from one revision to another: lines, totals and terms."""
    old, new = visible_quote(ctx, old_id), visible_quote(ctx, new_id)
    if old.number != new.number:
        raise InvalidInput(f"quote {old.number} and quote {new.number} are not revisions of one")
    return diff_of(ctx, old, new)


def diff_of(
    ctx: Context,
    old: Quote,
    new: Quote,
    new_lines: list[QuoteLine] | None = None,
    new_totals: Totals | None = None,
) -> versions.Diff:
    """The differences of two revisions already loaded (and seen) by the caller."""
    a = version_of(old, repo.lines_of(ctx.session, old.id))
    lines = repo.lines_of(ctx.session, new.id) if new_lines is None else new_lines
    b = version_of(new, lines, new_totals)
    return versions.compare(a, b)


def read(
    ctx: Context, quote: Quote, lines: list[QuoteLine] | None = None, totals: Totals | None = None
) -> QuoteRead:
    """A quote as the API answers it (and every page and file shows it)."""
    lines = repo.lines_of(ctx.session, quote.id) if lines is None else lines
    offerings = ib.offerings_by_id(ctx.session, {ln.offering_id for ln in lines})
    totals = totals_of(quote, lines) if totals is None else totals
    approver = ib.user_by_id(ctx.session, quote.approved_by_id) if quote.approved_by_id else None
    clause_words = None
    if quote.clause:
        clause_words = clause_from(quote.clause["kind"], quote.clause).words(quote.currency)
    return QuoteRead(
        id=quote.id,
        number=quote.number,
        revision=quote.revision,
        account_id=quote.account_id,
        opportunity_id=quote.opportunity_id,
        title=quote.title,
        kind=quote.kind.value,
        status=quote.status.value,
        valid_until=quote.valid_until,
        terms=quote.terms or {},
        clause=quote.clause,
        clause_words=clause_words,
        lines=[
            LineRead(
                id=ln.id,
                position=ln.position,
                offering=offerings[ln.offering_id].external_id,
                name=ln.name,
                revenue_model=ln.model.value,
                price=line_price(ln, quote.currency, quote.term_months),
                unit_price=from_cents(ln.unit_price_cents),
                quantity=Decimal(ln.quantity).normalize(),
                discount_pct=Decimal(ln.discount_pct).normalize(),
                bundle=ln.bundle,
                bundle_discount_pct=Decimal(ln.bundle_discount_pct).normalize(),
                asset_ids=ln.asset_ids,
                formula=ln.formula,
                formula_words=(
                    formulas.parameters_in_words(ln.formula)
                    + ": "
                    + formulas.steps_in_words(ln.formula, quote.currency)
                    if ln.formula
                    else None
                ),
            )
            for ln in lines
        ],
        totals=TotalsRead(
            currency=quote.currency,
            one_time=from_cents(totals.one_time_cents),
            monthly_recurring=from_cents(totals.monthly_recurring_cents),
            yearly_recurring=from_cents(totals.yearly_recurring_cents),
            usage_estimate_monthly=from_cents(totals.usage_estimate_monthly_cents),
            contract_value=from_cents(totals.contract_value_cents),
            term_months=quote.term_months,
            contract_value_company=(
                None if (v := value_in_company(ctx, quote)) is None else from_cents(v)
            ),
            company_currency=ctx.settings.company_currency,
        ),
        approval_reasons=quote.approval_reasons or [],
        approved_by=approver.username if approver else None,
        approved_at=quote.approved_at,
        override_reason=quote.override_reason,
        accepted_at=quote.accepted_at,
        accepted_by=quote.accepted_by,
        version=quote.version,
    )


def listing_page(
    ctx: Context,
    sort: Sort,
    params: PageParams,
    status: str | None = None,
    opportunity_id: int | None = None,
) -> tuple[list[Quote], int]:
    """One page of the quotes of the accounts the user may see, sorted, and how many match."""
    return repo.quotes_page(
        ctx.session, visible_account_ids(ctx.user), sort, params, opportunity_id, status
    )


def listing(
    ctx: Context, status: str | None = None, opportunity_id: int | None = None
) -> list[Quote]:
    """The quotes of the accounts the user may see, newest first."""
    return repo.quotes_of(
        ctx.session, visible_account_ids(ctx.user), opportunity_id=opportunity_id, status=status
    )
