"""REST routes of the kpis capability under /api/v1/kpis: CAC, MRR and churn, the scorecard,
CLV; and the effort, spend and cost rates they are computed from."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from servitize.core.inputs import Id
from servitize.kit.money import from_cents, to_cents
from servitize.kpis import acquisition, effort, lifetime, recurring, scorecard, spend
from servitize.kpis import schemas as out
from servitize.kpis import types as org_types_comparison
from servitize.kpis.models import EffortEntry, Spend
from servitize.kpis.period import owner_filter, window
from servitize.kpis.types_schemas import TypesOut, types_out
from servitize.trust.http import RequestContext

router = APIRouter(prefix="/kpis", tags=["measures of the sales organisation"])

Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Rule = Literal["first", "last", "linear"]
Grain = Literal["month", "quarter", "year"]
By = Literal["channel", "segment", "org_type", "owner", "period", "kind"]


@router.get("/cac", response_model=out.CacOut)
def cac(
    ctx: RequestContext,
    start: Month = None,
    end: Month = None,
    rule: Rule = "linear",
    grain: Grain = "quarter",
    by: By = "channel",
    owner_id: Id | None = None,
) -> out.CacOut:
    """CAC per new customer and per new revenue stream, direct and fully loaded, with CAC
    payback, grouped by one dimension (default: the last twelve months by channel)."""
    owner = owner_filter(ctx, owner_id)
    win = window(start, end, ctx.today)
    return out.cac(acquisition.cac(ctx, win, rule, grain, by, owner))


@router.get("/mrr", response_model=out.MrrOut)
def mrr(
    ctx: RequestContext, start: Month = None, end: Month = None, owner_id: Id | None = None
) -> out.MrrOut:
    """MRR and ARR, their movements month by month, net revenue retention, logo and revenue
    churn from the first to the last month, and cohort retention curves."""
    owner = owner_filter(ctx, owner_id)
    return out.mrr(recurring.recurring(ctx, window(start, end, ctx.today), owner))


@router.get("/scorecard", response_model=out.ScorecardOut)
def get_scorecard(
    ctx: RequestContext,
    start: Month = None,
    end: Month = None,
    baseline_start: Month = None,
    baseline_end: Month = None,
) -> out.ScorecardOut:
    """The one scorecard for sales and service (the same numbers for both managers)."""
    owner_filter(ctx, None if ctx.user.role != "account_owner" else ctx.user.id)
    win = window(start, end, ctx.today)
    base = None
    if baseline_start or baseline_end:
        base = window(baseline_start, baseline_end or baseline_start, ctx.today)
    return out.scorecard(scorecard.scorecard(ctx, win, base))


@router.get("/clv", response_model=out.ClvOut)
def clv(
    ctx: RequestContext,
    end: Month = None,
    owner_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> out.ClvOut:
    """Customer lifetime value per account, the method named on every figure, and CLV/CAC by
    segment and organisation type."""
    owner = owner_filter(ctx, owner_id)
    return out.clv(lifetime.clv(ctx, window(None, end, ctx.today), owner, limit))


@router.get("/types", response_model=TypesOut)
def types(
    ctx: RequestContext,
    start: Month = None,
    end: Month = None,
    by: Literal["none", "segment", "industry", "country"] = "none",
    group: Annotated[str | None, Query(max_length=200)] = None,
    owner_id: Id | None = None,
) -> TypesOut:
    """The four organisation types side by side: CLV, CAC, CLV/CAC, conversion, sales cycle
    and attach rate per type (and per segment, industry or country), each with its count."""
    owner = owner_filter(ctx, owner_id)
    win = window(start, end, ctx.today)
    return types_out(org_types_comparison.compare(ctx, win, by, group, owner))


def effort_out(e: EffortEntry) -> out.EffortOut:
    return out.EffortOut(
        id=e.id,
        user_id=e.user_id,
        role=e.role,
        region=e.region,
        account_id=e.account_id,
        activity_id=e.activity_id,
        opportunity_id=e.opportunity_id,
        visit_id=e.visit_id,
        lead_id=e.lead_id,
        day=e.day,
        hours=e.hours,
        note=e.note,
    )


@router.get("/effort", response_model=list[out.EffortOut])
def list_effort(ctx: RequestContext, start: Month = None, end: Month = None) -> list[out.EffortOut]:
    """Effort recorded on the accounts the user may see, newest first (at most 200)."""
    owner_filter(ctx, None if ctx.user.role != "account_owner" else ctx.user.id)
    win = window(start, end, ctx.today)
    return [effort_out(e) for e in effort.entries(ctx, win.start, win.end)]


@router.post("/effort", response_model=out.EffortOut, status_code=201)
def record_effort(data: out.EffortCreate, ctx: RequestContext) -> out.EffortOut:
    """Record hours on an activity, a visit or a lead (hours left out: the template's)."""
    entry = effort.record(
        ctx,
        effort.EffortIn(
            day=data.day,
            hours=data.hours,
            activity_id=data.activity_id,
            visit_id=data.visit_id,
            lead_id=data.lead_id,
            user_id=data.user_id,
            note=data.note,
        ),
    )
    return effort_out(entry)


def spend_out(s: Spend, touches: int = 0) -> out.SpendOut:
    return out.SpendOut(
        id=s.id,
        external_id=s.external_id,
        kind=str(s.kind),
        name=s.name,
        channel=str(s.channel),
        segment=s.segment,
        start_on=s.start_on,
        end_on=s.end_on,
        amount=from_cents(s.amount_cents),
        currency=s.currency,
        account_id=s.account_id,
        touches=touches,
    )


@router.get("/spend", response_model=list[out.SpendOut])
def list_spend(ctx: RequestContext) -> list[out.SpendOut]:
    """Campaigns, trade fairs and commissions, with how many accounts each reached."""
    owner_filter(ctx, None if ctx.user.role != "account_owner" else ctx.user.id)
    counts = spend.touch_counts(ctx)
    return [spend_out(s, counts.get(s.id, 0)) for s in spend.listing(ctx)]


@router.post("/spend", response_model=out.SpendOut, status_code=201)
def record_spend(data: out.SpendCreate, ctx: RequestContext) -> out.SpendOut:
    """Add a campaign, trade fair or commission (or update the one with its external id)."""
    row = spend.record(
        ctx,
        spend.SpendIn(
            external_id=data.external_id,
            kind=data.kind,
            name=data.name,
            channel=data.channel,
            start_on=data.start_on,
            end_on=data.end_on,
            amount_cents=to_cents(data.amount),
            currency=data.currency,
            segment=data.segment,
            account_id=data.account_id,
        ),
    )
    return spend_out(row)


@router.post("/spend/import", response_model=out.Imported)
def import_spend(data: out.SpendImport, ctx: RequestContext) -> out.Imported:
    """Import spend rows or touches from a CSV file's text (all or nothing)."""
    n = (
        spend.import_spend(ctx, data.csv)
        if data.kind == "spend"
        else spend.import_touches(ctx, data.csv)
    )
    return out.Imported(kind=data.kind, rows=n)


@router.get("/cost-rates", response_model=list[out.RateOut])
def cost_rates(ctx: RequestContext) -> list[out.RateOut]:
    """The loaded cost of an hour per role and region, from the day each holds."""
    owner_filter(ctx, None if ctx.user.role != "account_owner" else ctx.user.id)
    return [
        out.RateOut(
            role=r.role,
            region=r.region,
            valid_from=r.valid_from,
            per_hour=from_cents(r.cents_per_hour),
            currency=r.currency,
        )
        for r in effort.rates(ctx)
    ]


@router.put("/cost-rates", response_model=out.RateOut)
def set_cost_rate(data: out.RateIn, ctx: RequestContext) -> out.RateOut:
    """Set the loaded cost of an hour of a role (in a region, or everywhere) from a day on."""
    r = effort.set_rate(ctx, data.role, data.region, data.valid_from, to_cents(data.per_hour))
    return out.RateOut(
        role=r.role,
        region=r.region,
        valid_from=r.valid_from,
        per_hour=from_cents(r.cents_per_hour),
        currency=r.currency,
    )
