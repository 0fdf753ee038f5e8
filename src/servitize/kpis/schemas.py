"""What the measures look like outside: one shape for the API, the command's JSON, the pages'
CSV and XLSX. Money leaves as an exact amount in major units (from whole cents), never a float."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from servitize.core.dates import SaneDate
from servitize.core.inputs import Id, Text
from servitize.kit.money import from_cents
from servitize.kpis import rules
from servitize.kpis.acquisition import AcquisitionRow, CacLine, CacReport
from servitize.kpis.lifetime import ClvReport
from servitize.kpis.recurring import RecurringReport
from servitize.kpis.scorecard import Scorecard
from servitize.offers.schemas import MrrMonth

Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


class FigureOut(BaseModel):
    """A figure: its value (money in major units), or why there is none; method and period."""

    value: Decimal | None
    unit: str
    method: str
    period: str
    currency: str | None
    reason: str | None
    count: int | None


def figure(f: rules.Figure) -> FigureOut:
    value = f.value
    if value is not None and f.unit == "cents":
        value = from_cents(int(value))
    return FigureOut(
        value=value,
        unit="money" if f.unit == "cents" else f.unit,
        method=f.method,
        period=f.period,
        currency=f.currency,
        reason=f.reason,
        count=f.count,
    )


def shown(f: rules.Figure) -> str:
    """A figure in words for a page cell or a CSV cell: the number with its unit, or why not."""
    if f.value is None:
        return f"not computed: {f.reason}"
    if f.unit == "cents":
        return f"{from_cents(int(f.value)):,.2f} {f.currency or ''}".strip()
    if f.unit == "percent":
        return f"{f.value} %"
    if f.unit in ("months", "days"):
        return f"{f.value} {f.unit}"
    return f"{f.value}"


class CacLineOut(BaseModel):
    key: str
    customers: int
    streams: int
    customer_cac_direct: FigureOut
    customer_cac_loaded: FigureOut
    stream_cac_direct: FigureOut
    stream_cac_loaded: FigureOut
    payback: FigureOut


class AcquisitionOut(BaseModel):
    kind: str
    account_id: int
    account: str
    day: date
    stream: str
    channel: str
    segment: str
    org_type: str
    owner: str
    period: str
    direct: Decimal
    fully_loaded: Decimal
    effort_hours: Decimal
    uncosted_hours: Decimal
    monthly_margin: Decimal | None


class CacOut(BaseModel):
    period: str
    currency: str
    attribution: str
    attribution_method: str
    grain: str
    by: str
    lines: list[CacLineOut]
    acquisitions: list[AcquisitionOut]
    notes: list[str]


def cac_line(line: CacLine) -> CacLineOut:
    return CacLineOut(
        key=line.key,
        customers=line.customers,
        streams=line.streams,
        customer_cac_direct=figure(line.customer_direct),
        customer_cac_loaded=figure(line.customer_loaded),
        stream_cac_direct=figure(line.stream_direct),
        stream_cac_loaded=figure(line.stream_loaded),
        payback=figure(line.payback),
    )


def acquisition(a: AcquisitionRow) -> AcquisitionOut:
    return AcquisitionOut(
        kind=a.kind,
        account_id=a.account_id,
        account=a.account,
        day=a.day,
        stream=a.stream,
        channel=a.channel,
        segment=a.segment,
        org_type=a.org_type,
        owner=a.owner,
        period=a.period,
        direct=from_cents(a.direct_cents),
        fully_loaded=from_cents(a.loaded_cents),
        effort_hours=a.effort_hours,
        uncosted_hours=a.uncosted_hours,
        monthly_margin=from_cents(a.monthly_margin_cents),
    )


def cac(report: CacReport) -> CacOut:
    return CacOut(
        period=report.period,
        currency=report.currency,
        attribution=report.rule,
        attribution_method=report.rule_text,
        grain=report.grain,
        by=report.by,
        lines=[cac_line(x) for x in report.lines],
        acquisitions=[acquisition(a) for a in report.acquisitions],
        notes=report.notes,
    )


CAC_COLUMNS = (
    "group",
    "new customers",
    "CAC per customer (direct)",
    "CAC per customer (fully loaded)",
    "new streams",
    "CAC per stream (direct)",
    "CAC per stream (fully loaded)",
    "CAC payback",
)


def cac_rows(report: CacReport) -> list[list[Any]]:
    """The CAC table as cells (the same words as the page)."""
    return [
        [
            x.key,
            x.customers,
            shown(x.customer_direct),
            shown(x.customer_loaded),
            x.streams,
            shown(x.stream_direct),
            shown(x.stream_loaded),
            shown(x.payback),
        ]
        for x in report.lines
    ]


class CohortOut(BaseModel):
    month: str
    size: int
    logo_pct: list[Decimal]
    revenue_pct: list[Decimal]
    reason: str | None


class MrrOut(BaseModel):
    period: str
    currency: str
    mrr: FigureOut
    arr: FigureOut
    net_revenue_retention: FigureOut
    logo_churn: FigureOut
    revenue_churn: FigureOut
    months: list[MrrMonth]
    cohorts: list[CohortOut]


def mrr(report: RecurringReport) -> MrrOut:
    return MrrOut(
        period=report.period,
        currency=report.currency,
        mrr=figure(report.mrr),
        arr=figure(report.arr),
        net_revenue_retention=figure(report.nrr),
        logo_churn=figure(report.logo_churn),
        revenue_churn=figure(report.revenue_churn),
        months=[MrrMonth.of(m) for m in report.months],
        cohorts=[
            CohortOut(
                month=c.month,
                size=c.size,
                logo_pct=c.logo_pct,
                revenue_pct=c.revenue_pct,
                reason=c.reason,
            )
            for c in report.cohorts
        ],
    )


MRR_COLUMNS = (
    "month",
    "opening",
    "new",
    "expansion",
    "contraction",
    "churn",
    "reactivation",
    "closing",
    "ARR",
)


def mrr_rows(report: RecurringReport) -> list[list[Any]]:
    return [
        [
            m.month,
            *(
                from_cents(v)
                for v in (
                    m.opening_cents,
                    m.new_cents,
                    m.expansion_cents,
                    m.contraction_cents,
                    m.churn_cents,
                    m.reactivation_cents,
                    m.closing_cents,
                    m.arr_cents,
                )
            ),
        ]
        for m in report.months
    ]


class TrendPoint(BaseModel):
    month: str
    value: Decimal | None


class MeasureOut(BaseModel):
    key: str
    label: str
    figure: FigureOut
    trend: list[TrendPoint]


class RecognitionOut(BaseModel):
    user_id: int
    name: str
    technician_leads_won: int


class ScorecardOut(BaseModel):
    period: str
    baseline: str
    currency: str
    measures: list[MeasureOut]
    recognition: list[RecognitionOut]


def scorecard(card: Scorecard) -> ScorecardOut:
    return ScorecardOut(
        period=card.period,
        baseline=card.baseline,
        currency=card.currency,
        measures=[
            MeasureOut(
                key=m.key,
                label=m.label,
                figure=figure(m.figure),
                trend=[TrendPoint(month=k, value=v) for k, v in m.trend],
            )
            for m in card.measures
        ],
        recognition=[
            RecognitionOut(user_id=r.user_id, name=r.name, technician_leads_won=r.won)
            for r in card.recognition
        ],
    )


SCORECARD_COLUMNS = ("measure", "value", "method", "period")


def scorecard_rows(card: Scorecard) -> list[list[Any]]:
    return [[m.label, shown(m.figure), m.figure.method, m.figure.period] for m in card.measures]


class EffortCreate(BaseModel):
    """Hours on one subject: an activity, a visit or a lead (exactly one)."""

    model_config = ConfigDict(extra="forbid")

    day: SaneDate
    hours: Annotated[Decimal, Field(gt=0, le=24, max_digits=5, decimal_places=2)] | None = None
    activity_id: Id | None = None
    visit_id: Id | None = None
    lead_id: Id | None = None
    user_id: Id | None = None
    note: Annotated[Text, Field(max_length=500)] | None = None


class EffortOut(BaseModel):
    id: int
    user_id: int
    role: str
    region: str | None
    account_id: int
    activity_id: int | None
    opportunity_id: int | None
    visit_id: int | None
    lead_id: int | None
    day: date
    hours: Decimal
    note: str | None


class SpendCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[Text, Field(min_length=1, max_length=80)]
    kind: Literal["campaign", "trade_fair", "commission"]
    name: Annotated[Text, Field(min_length=1, max_length=200)]
    channel: Literal["sales_rep", "technician", "dealer", "web", "renewal"]
    segment: Annotated[Text, Field(max_length=60)] | None = None
    start_on: SaneDate
    end_on: SaneDate
    amount: Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    account_id: Id | None = None


class SpendOut(BaseModel):
    id: int
    external_id: str
    kind: str
    name: str
    channel: str
    segment: str | None
    start_on: date
    end_on: date
    amount: Decimal
    currency: str
    account_id: int | None
    touches: int = 0


class SpendImport(BaseModel):
    """A CSV file's text: spend rows or touches (see docs/kpis.md for the columns)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["spend", "touches"] = "spend"
    csv: Annotated[Text, Field(min_length=1, max_length=2_000_000)]


class Imported(BaseModel):
    kind: str
    rows: int


class RateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal[
        "admin", "sales_manager", "account_owner", "technician", "service_manager", "analyst"
    ]
    region: Annotated[Text, Field(min_length=1, max_length=80)] | None = None
    valid_from: SaneDate
    per_hour: Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]


class RateOut(BaseModel):
    role: str
    region: str | None
    valid_from: date
    per_hour: Decimal
    currency: str


class AccountClvOut(BaseModel):
    account_id: int
    account: str
    segment: str
    org_type: str
    clv: Decimal | None
    contractual: Decimal | None
    contractual_method: str | None
    repeat_purchases: Decimal | None
    repeat_purchases_method: str | None


class RatioOut(BaseModel):
    group: str
    mean_clv: FigureOut
    cac: FigureOut
    clv_to_cac: FigureOut


class HoldoutOut(BaseModel):
    repeat_purchases_in_calibration: str
    customers: int
    actual: float
    predicted: float


class ClvOut(BaseModel):
    as_of: str
    currency: str
    horizon_months: int
    discount_rate_pct: float
    accounts_valued: int
    accounts: list[AccountClvOut]
    cohorts: list[dict[str, Any]]
    repeat_purchases_method: str | None
    repeat_purchases_reason: str | None
    holdout: list[HoldoutOut]
    clv_to_cac_by_segment: list[RatioOut]
    clv_to_cac_by_org_type: list[RatioOut]


def clv(report: ClvReport) -> ClvOut:
    def ratios(key: str) -> list[RatioOut]:
        return [
            RatioOut(group=g, mean_clv=figure(m), cac=figure(c), clv_to_cac=figure(r))
            for g, m, c, r in report.ratios.get(key, [])
        ]

    return ClvOut(
        as_of=report.as_of,
        currency=report.currency,
        horizon_months=report.horizon_months,
        discount_rate_pct=report.discount_pct,
        accounts_valued=report.total,
        accounts=[
            AccountClvOut(
                account_id=v.account_id,
                account=v.account,
                segment=v.segment,
                org_type=v.org_type,
                clv=from_cents(v.total_cents),
                contractual=from_cents(v.contract_cents),
                contractual_method=v.contract_method,
                repeat_purchases=from_cents(v.orders_cents),
                repeat_purchases_method=v.orders_method,
            )
            for v in report.accounts
        ],
        cohorts=report.cohorts,
        repeat_purchases_method=report.repeat_method,
        repeat_purchases_reason=report.repeat_reason,
        holdout=[
            HoldoutOut(
                repeat_purchases_in_calibration=h.label,
                customers=h.customers,
                actual=h.actual,
                predicted=h.predicted,
            )
            for h in report.holdout
        ],
        clv_to_cac_by_segment=ratios("segment"),
        clv_to_cac_by_org_type=ratios("org_type"),
    )


CLV_COLUMNS = (
    "account",
    "segment",
    "organisation type",
    "CLV",
    "contractual",
    "method",
    "repeat purchases",
    "method",
)


def clv_rows(report: ClvReport) -> list[list[Any]]:
    return [
        [
            v.account,
            v.segment,
            v.org_type,
            from_cents(v.total_cents),
            from_cents(v.contract_cents),
            v.contract_method or "",
            from_cents(v.orders_cents),
            v.orders_method or report.repeat_reason or "",
        ]
        for v in report.accounts
    ]
