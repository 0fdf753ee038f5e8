"""Use cases of the value case: open one for an account's machines, edit its assumptions, read
it (savings, alternatives, prices, sensitivity), and what a quote takes of it.

Every use case takes a ``Context``; the edge owns the transaction.
"""

from __future__ import annotations

import decimal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from markupsafe import Markup
from sqlalchemy.orm import Session

from servitize.core.errors import InvalidInput, NotFound
from servitize.core.settings import Settings
from servitize.installed_base.access import get_account, require
from servitize.kit.money import from_cents
from servitize.trust import audit
from servitize.trust.context import Context
from servitize.trust.editing import check_version
from servitize.trust.models import User
from servitize.value import charts, pricing, sensitivity
from servitize.value import repository as repo
from servitize.value.alternatives import Alternative, compare
from servitize.value.finance import PeriodLength, rate_per_period
from servitize.value.models import ValueCase, ValueCaseEdit
from servitize.value.pricing import Price
from servitize.value.rules import ASSUMPTIONS, checked
from servitize.value.savings import (
    FleetBand,
    Records,
    Saving,
    Value,
    resolve,
    savings,
    total_saving_cents,
)

MAX_MACHINES = 5000
# The assumptions the tornado varies (those with a number), and the discount rate.
SENSITIVE = (
    "downtime_hours_per_year",
    "downtime_cost_per_hour_cents",
    "downtime_avoided_pct",
    "energy_kwh_per_year",
    "energy_price_cents_per_kwh",
    "energy_saving_pct",
    "tm_spend_cents_per_year",
    "scrap_cost_cents_per_year",
    "scrap_saving_pct",
    "major_failure_pct_per_year",
    "major_failure_cost_cents",
    "agreement_fee_cents_per_year",
    "setup_cents",
)
RATE = "discount_rate"  # the yearly rate as a fraction, varied like the others


@dataclass(frozen=True)
class Sensitivity:
    """The tornado (NPV of the service agreement against the status quo) and the break-even."""

    base_npv: float
    pct: float
    steps: int
    bars: list[tuple[str, str, float, float, float]]  # name, label, npv low, npv high, swing
    break_even_name: str | None
    break_even_value: float | None
    break_even_base: float | None
    break_even_note: str | None


@dataclass(frozen=True)
class Report:
    """A value case as read: every figure of the page, the API, the command and the PDF."""

    case: ValueCase
    account_name: str
    machines: int
    currency: str
    values: dict[str, Value]
    savings: list[Saving]
    saving_cents: int
    prices: list[Price]
    alternatives: list[Alternative]
    sensitivity: Sensitivity
    edits: list[ValueCaseEdit]

    @property
    def value_price(self) -> Price:
        return self.prices[0]

    def cumulative_chart(self) -> Markup:
        return charts.cumulative(self.alternatives, self.currency)

    def tornado_chart(self) -> Markup:
        s = self.sensitivity
        return charts.tornado([(b[1], b[2], b[3]) for b in s.bars], s.base_npv, self.currency)

    def as_dict(self) -> dict[str, Any]:
        """The case as plain data (money in cents and as exact amounts)."""

        def money(cents: int | float | None) -> str | None:
            return None if cents is None else str(from_cents(int(cents)))

        s = self.sensitivity
        return {
            "id": self.case.id,
            "title": self.case.title,
            "account_id": self.case.account_id,
            "account": self.account_name,
            "opportunity_id": self.case.opportunity_id,
            "lead_id": self.case.lead_id,
            "offering_id": self.case.offering_id,
            "asset_ids": list(self.case.asset_ids),
            "machines": self.machines,
            "currency": self.currency,
            "version": self.case.version,
            "assumptions": {
                a.name: {
                    "label": a.label,
                    "kind": a.kind,
                    "value": self.values[a.name].number,
                    "source": self.values[a.name].source,
                    "evidence": self.values[a.name].evidence,
                }
                for a in ASSUMPTIONS
                if a.name in self.values
            },
            "savings": [
                {
                    "key": x.key,
                    "label": x.label,
                    "cost_cents": x.cost_cents,
                    "saving_cents": x.saving_cents,
                    "saving": money(x.saving_cents),
                    "no_data": x.saving_cents is None,
                    "formula": x.formula,
                    "evidence": x.evidence,
                }
                for x in self.savings
            ],
            "saving_cents_per_year": self.saving_cents,
            "prices": [
                {
                    "key": p.key,
                    "label": p.label,
                    "cents": p.cents,
                    "amount": money(p.cents),
                    "margin_pct": p.margin_pct,
                    "formula": p.formula,
                }
                for p in self.prices
            ],
            "alternatives": [
                {
                    "key": a.key,
                    "label": a.label,
                    "yearly": [{"item": n, "cents": c} for n, c in a.yearly],
                    "flows_cents": a.flows_cents,
                    "cumulative_cents": a.cumulative_cents,
                    "tco_cents": a.tco_cents,
                    "tco_discounted_cents": a.tco_discounted_cents,
                    "npv_cents": a.npv_cents,
                    "npv": money(a.npv_cents),
                    "npv_convention": "time_zero",
                    "irr_pct": a.irr_pct,
                    "irr_note": a.irr_note,
                    "payback_years": a.payback_years,
                    "payback_note": a.payback_note,
                    "discounted_payback_years": a.discounted_payback_years,
                    "discounted_payback_note": a.discounted_payback_note,
                }
                for a in self.alternatives
            ],
            "sensitivity": {
                "of": "NPV of buy + service agreement against buy + time and material",
                "base_npv": round(s.base_npv, 2),
                "pct": s.pct,
                "steps": s.steps,
                "bars": [
                    {
                        "name": b[0],
                        "label": b[1],
                        "npv_low": round(b[2], 2),
                        "npv_high": round(b[3], 2),
                    }
                    for b in s.bars
                ],
                "break_even": {
                    "name": s.break_even_name,
                    "value": s.break_even_value,
                    "base": s.break_even_base,
                    "note": s.break_even_note,
                },
            },
            "edits": [
                {
                    "name": e.name,
                    "before": e.before,
                    "after": e.after,
                    "by": e.by,
                    "at": e.at.isoformat(),
                }
                for e in self.edits
            ],
        }


# --- opening and editing ---------------------------------------------------------------------


def create_case(
    ctx: Context,
    account_id: int,
    asset_ids: list[int] | None = None,
    *,
    title: str | None = None,
    opportunity_id: int | None = None,
    lead_id: int | None = None,
    offering_id: int | None = None,
    assumptions: Mapping[str, float | None] | None = None,
) -> ValueCase:
    """Open a value case for some (default: all) of an account's machines."""
    require(ctx.user, "value_case.create")
    account = get_account(ctx.session, ctx.user, account_id)
    entered = {k: v for k, v in checked(assumptions or {}).items() if v is not None}
    found = repo.machines(ctx.session, account.id, asset_ids)
    if asset_ids is not None:
        missing = sorted(set(asset_ids) - {m.id for m in found})
        if missing:
            raise InvalidInput(
                f"asset_ids: {', '.join(map(str, missing[:10]))} are not machines of this account"
            )
    if not found:
        raise InvalidInput("asset_ids: the account has no machines to make a case for")
    if len(found) > MAX_MACHINES:
        raise InvalidInput(f"asset_ids: at most {MAX_MACHINES} machines in one case")
    if opportunity_id is not None:
        opp = repo.opportunity_by_id(ctx.session, opportunity_id)
        if opp is None or opp.account_id != account.id:
            raise InvalidInput("opportunity_id: not an opportunity of this account")
    if lead_id is not None:
        lead = repo.lead_by_id(ctx.session, lead_id)
        if lead is None or lead.account_id != account.id:
            raise InvalidInput("lead_id: not a lead of this account")
    if offering_id is not None and repo.offering_by_id(ctx.session, offering_id) is None:
        raise InvalidInput("offering_id: no such offering")
    value_case = repo.add_case(
        ctx.session,
        ValueCase(
            account_id=account.id,
            opportunity_id=opportunity_id,
            lead_id=lead_id,
            offering_id=offering_id,
            title=(title or f"Value case for {account.name}")[:200],
            currency=account.currency,
            asset_ids=[m.id for m in found],
            assumptions=entered,
            created_by=ctx.actor.name,
        ),
    )
    audit.record(
        ctx.session,
        ctx.actor,
        "create",
        "value_case",
        value_case.id,
        after={"account_id": account.id, "machines": len(found), "assumptions": entered},
    )
    return value_case


def visible_case(ctx: Context, case_id: int) -> ValueCase:
    """The case if the user may see its account (else 404)."""
    found = repo.visible_case(ctx.session, ctx.user, case_id)
    if found is None:
        raise NotFound(f"value case {case_id} not found")
    return found


def cases(
    ctx: Context,
    *,
    account_id: int | None = None,
    opportunity_id: int | None = None,
    lead_id: int | None = None,
) -> list[ValueCase]:
    """The cases the user may see (of an account, opportunity or lead)."""
    return repo.visible_cases(
        ctx.session, ctx.user, account_id=account_id, opportunity_id=opportunity_id, lead_id=lead_id
    )


def edit_assumptions(
    ctx: Context,
    case_id: int,
    changes: Mapping[str, float | None],
    version: int | None = None,
    *,
    blank_is_default: bool = False,
) -> ValueCase:
    """Change some assumptions (None: back to the default); each change is kept as an edit.

    Through the API a None for an assumption the case needs (cost per hour, discount rate,
    years) is refused; a page's empty field (``blank_is_default``) means its default."""
    require(ctx.user, "value_case.edit")
    value_case = visible_case(ctx, case_id)
    check_version(version, value_case.version, "this value case")
    good = checked(changes, blank_is_default)
    current = dict(value_case.assumptions or {})
    edits = []
    for name, after in good.items():
        before = current.get(name)
        if before == after:
            continue
        edits.append(
            ValueCaseEdit(
                case_id=value_case.id,
                name=name,
                before=before,
                after=after,
                by=ctx.actor.name,
                at=ctx.now,
            )
        )
        if after is None:
            current.pop(name, None)
        else:
            current[name] = after
    if edits:
        value_case.assumptions = current
        value_case.version += 1
        repo.add_edits(ctx.session, edits)
        audit.record(
            ctx.session,
            ctx.actor,
            "edit",
            "value_case",
            value_case.id,
            after={e.name: e.after for e in edits},
        )
    return value_case


# --- reading ---------------------------------------------------------------------------------


def records_of(ctx: Context, value_case: ValueCase, months: int) -> Records:
    """What the account's records say about the case's machines over ``months``."""
    from servitize.telemetry.consent import consenting_accounts

    machines = repo.machines(ctx.session, value_case.account_id, list(value_case.asset_ids))
    ids = [m.id for m in machines]
    today = ctx.today
    since, start, end = repo.span(today, months)
    work_orders, parts, labour, service = repo.service_history(
        ctx.session, value_case.account_id, ids, since, today, value_case.currency
    )
    consented = value_case.account_id in consenting_accounts(
        ctx.session, "service_offers", "status", ctx.now
    )
    telemetry = (
        repo.telemetry_downtime(ctx.session, value_case.account_id, ids, start, end)
        if consented
        else {}
    )
    downtime = {i: (service.get(i, 0.0), telemetry.get(i, 0.0) if consented else None) for i in ids}
    energy = _energy_of(ctx, [m.serial for m in machines if m.serial], end)
    ages = [(today - m.install_date).days / 365.25 for m in machines if m.install_date]
    bands: dict[int, int] = {}
    for m in machines:
        if m.install_date:
            b = repo.band_of(m.install_date, today)
            bands[b] = bands.get(b, 0) + 1
    models = sorted({m.model for m in machines if m.model})
    list_price = None
    if value_case.offering_id is not None:
        offering = repo.offering_by_id(ctx.session, value_case.offering_id)
        if offering is not None and offering.currency == value_case.currency:
            list_price = offering.list_price_cents
    return Records(
        machines=len(machines),
        ages=ages,
        months=months,
        work_orders=work_orders,
        downtime=downtime,
        parts_cents=parts,
        labour_hours=labour,
        telemetry_consented=consented,
        fleet=fleet_of(ctx, models, since, value_case.currency),
        bands=bands,
        list_price_cents=list_price,
        energy_kwh=sum(e.kwh for e in energy.values()) if energy else None,
        energy_machines=len(energy),
        energy_days=(
            (max(e.last for e in energy.values()) - min(e.first for e in energy.values()))
            / timedelta(days=1)
            if energy
            else 0.0
        ),
    )


def _energy_of(ctx: Context, serials: list[str], end: datetime) -> dict[str, Any]:
    """The machines' energy in the year before ``end`` from consented telemetry (purpose
    service offers, data kind energy), read from the telemetry store."""
    from servitize.telemetry.availability import Period
    from servitize.telemetry.service import energy_used
    from servitize.telemetry.store import TelemetryStore

    store = TelemetryStore(ctx.settings.telemetry_dir)
    period = Period(end - timedelta(days=365), end)
    return energy_used(ctx.session, store, serials, period, "service_offers", ctx.now)


# The fleet's failure rates by age: a statistic over every machine of the case's models (tens of
# thousands), the same for every case of those models on a day. Kept per process for
# FLEET_TTL_S and recomputed as soon as a machine or a work order is added; outside tests only.
FLEET_TTL_S = 300.0
_fleet: dict[tuple[object, ...], tuple[float, list[FleetBand]]] = {}


def fleet_of(ctx: Context, models: list[str], since: date, currency: str) -> list[FleetBand]:
    """The fleet's machines and major failures by age band (cached, see FLEET_TTL_S)."""
    if ctx.settings.environment == "test":
        return repo.fleet_bands(ctx.session, models, since, ctx.today, currency)
    key = (
        str(ctx.session.get_bind().engine.url),
        tuple(models),
        since,
        ctx.today,
        currency,
        repo.fleet_fingerprint(ctx.session),
    )
    now = time.monotonic()
    hit = _fleet.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    bands = repo.fleet_bands(ctx.session, models, since, ctx.today, currency)
    if len(_fleet) > 256:
        _fleet.clear()
    _fleet[key] = (now + FLEET_TTL_S, bands)
    return bands


def settings_defaults(ctx: Context) -> dict[str, float]:
    s = ctx.settings.value
    return {
        "downtime_cost_per_hour_cents": s.downtime_cost_per_hour_cents,
        "discount_rate_pct": s.discount_rate_pct,
        "supplier_share_pct": s.supplier_share_pct,
    }


def evaluate(
    entered: Mapping[str, float | None],
    records: Records,
    defaults: Mapping[str, float],
    currency: str,
) -> tuple[dict[str, Value], list[Saving], int, list[Price], list[Alternative]]:
    """Assumptions, savings, prices and alternatives of a case (pure)."""
    values = resolve(entered, records, defaults)
    items = savings(values, records.machines)
    saving = total_saving_cents(items)
    pricing.fill_fees(values, saving, records.machines)
    prices = pricing.prices(values, saving)
    alternatives = compare(values, items, records.machines, currency)
    return values, items, saving, prices, alternatives


def agreement_model(years: int, machines: int) -> sensitivity.Model:
    """The flows (major units) of the service agreement less the status quo, vectorised: year 0
    nothing (the machines are bought either way), years 1 … N the savings less the fee."""

    def model(v: Mapping[str, sensitivity.Array]) -> sensitivity.Array:
        k = len(next(iter(v.values())))
        zero = np.zeros(k)

        def g(name: str) -> sensitivity.Array:
            return v.get(name, zero)

        saving = (
            g("downtime_hours_per_year")
            * g("downtime_cost_per_hour_cents")
            * g("downtime_avoided_pct")
            / 100
            + g("energy_kwh_per_year")
            * g("energy_price_cents_per_kwh")
            * g("energy_saving_pct")
            / 100
            + g("tm_spend_cents_per_year")
            + g("scrap_cost_cents_per_year") * g("scrap_saving_pct") / 100
            + g("major_failure_pct_per_year")
            / 100
            * machines
            * g("major_failure_cost_cents")
            * g("downtime_avoided_pct")
            / 100
        )
        yearly = (saving - g("agreement_fee_cents_per_year")) / 100
        out = np.zeros((k, years + 1))
        out[:, 0] = -g("setup_cents") / 100
        out[:, 1:] = yearly[:, None]
        return out

    return model


def _sensitivity(ctx: Context, values: Mapping[str, Value], machines: int) -> Sensitivity:
    s = ctx.settings.value
    base: dict[str, float] = {}
    for key in SENSITIVE:
        number = values[key].number
        if number is None:
            continue
        base[key] = float(number)
    base[RATE] = (values["discount_rate_pct"].number or 0.0) / 100
    years = int(values["years"].number or 1)
    model = agreement_model(years, machines)
    try:
        found = sensitivity.tornado(
            model,
            base,
            s.sensitivity_pct,
            s.sensitivity_steps,
            rate_assumption=RATE,
            length=PeriodLength.YEAR,
        )
    except InvalidInput:
        found = sensitivity.tornado(
            model,
            {k: v for k, v in base.items() if k != RATE},
            s.sensitivity_pct,
            s.sensitivity_steps,
            rate=float(rate_per_period(Decimal(repr(base[RATE])), PeriodLength.YEAR)),
        )
    label = {a.name: a.label for a in ASSUMPTIONS} | {RATE: "Customer's discount rate a year"}
    bars = [(b.name, label[b.name], b.low_npv, b.high_npv, b.swing) for b in found.bars if b.swing]
    name = bars[0][0] if bars else None
    be_value = be_base = None
    note: str | None = "no assumption moves the NPV"
    if name is not None:
        even = sensitivity.break_even(model, base, name, rate_assumption=RATE)
        be_value, be_base, note = even.value, even.base_value, even.reason
        if name == RATE and be_value is not None:
            be_value, be_base = be_value * 100, be_base * 100
    return Sensitivity(
        found.base_npv, s.sensitivity_pct, s.sensitivity_steps, bars, name, be_value, be_base, note
    )


def report(ctx: Context, value_case: ValueCase) -> Report:
    """The case as read now: its records, its assumptions, every figure."""
    entered = dict(value_case.assumptions or {})
    months = int(entered.get("history_months") or 36)
    records = records_of(ctx, value_case, months)
    try:
        values, items, saving, prices, alternatives = evaluate(
            entered, records, settings_defaults(ctx), value_case.currency
        )
    except (decimal.InvalidOperation, decimal.Overflow, OverflowError):
        raise InvalidInput(
            "discount_rate_pct: the discounted amounts grow too large to compute at "
            f"{entered.get('discount_rate_pct')} % over {entered.get('years', 'the')} years; "
            "choose a rate further from −100 % or fewer years"
        ) from None
    account = repo.account_by_id(ctx.session, value_case.account_id)
    return Report(
        value_case,
        account.name if account else "",
        records.machines,
        value_case.currency,
        values,
        items,
        saving,
        prices,
        alternatives,
        _sensitivity(ctx, values, records.machines),
        repo.edits_of(ctx.session, value_case.id),
    )


def read(ctx: Context, case_id: int) -> Report:
    """A visible case, read."""
    return report(ctx, visible_case(ctx, case_id))


@dataclass(frozen=True)
class ForQuote:
    """What a quote shows of a linked case: the price, the chart, a few lines."""

    case_id: int
    price_cents: int
    currency: str
    chart: Markup
    lines: list[str]


def for_quote(ctx: Context, case_id: int) -> ForQuote:
    """The value-based price, the cumulative cash-flow chart and summary lines of a case."""
    return _for_quote(read(ctx, case_id))


def _for_quote(r: Report) -> ForQuote:
    agreement = next(a for a in r.alternatives if a.key == "buy_agreement")
    lines = [
        f"Quantified savings: {from_cents(r.saving_cents)} {r.currency} a year "
        f"over {int(r.values['years'].number or 0)} years",
        f"Value-based price: {from_cents(r.value_price.cents or 0)} {r.currency} a year "
        f"({r.value_price.formula})",
        f"NPV of the service agreement: {from_cents(agreement.npv_cents)} {r.currency} "
        f"at {r.values['discount_rate_pct'].number:g} % a year",
    ]
    if agreement.payback_years is not None:
        lines.append(f"Payback: {agreement.payback_years:.1f} years")
    return ForQuote(r.case.id, r.value_price.cents or 0, r.currency, r.cumulative_chart(), lines)


def quote_case(session: Session, settings: Settings, opportunity_id: int | None) -> ForQuote | None:
    """What the quote of an opportunity shows of the opportunity's newest value case (None:
    no case). For the quote's document, which its reader may already see (the user's quote
    or the customer's signed link), so no user scope is asked here."""
    if opportunity_id is None:
        return None
    found = repo.newest_case_of_opportunity(session, opportunity_id)
    if found is None:
        return None
    reader = User(username="quote", full_name="Quote document", role="analyst")
    return _for_quote(report(Context(session, reader, settings), found))


def create_by_keys(
    ctx: Context,
    account: str,
    machines: list[str] | None,
    assumptions: Mapping[str, float | None] | None = None,
) -> ValueCase:
    """Open a case naming the account by its number (or id) and machines by serial or number."""
    found = repo.account_by_external_id(ctx.session, account)
    if found is None and account.isdigit():
        found = repo.account_by_id(ctx.session, int(account))
    if found is None:
        raise NotFound(f"account {account} not found")
    asset_ids = None
    if machines:
        assets = repo.machines_by_serial(ctx.session, found.id, machines)
        known = {a.serial for a in assets} | {a.external_id for a in assets}
        missing = [m for m in machines if m not in known]
        if missing:
            raise InvalidInput(f"machines: {', '.join(missing[:10])} are not machines of {account}")
        asset_ids = [a.id for a in assets]
    return create_case(ctx, found.id, asset_ids, assumptions=assumptions)


def machines_of(ctx: Context, account_id: int) -> list[Any]:
    """The machines of an account the user may see (the form's choice)."""
    get_account(ctx.session, ctx.user, account_id)
    return repo.machines(ctx.session, account_id, None)[:MAX_MACHINES]
