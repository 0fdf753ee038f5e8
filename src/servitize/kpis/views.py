"""HTML pages of the kpis capability: CAC, MRR and churn, CLV, the sales-service scorecard,
effort and spend; each table also as CSV and XLSX (the same cells)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servitize.core.errors import InvalidInput, ServitizeError
from servitize.core.inputs import Id
from servitize.core.pages import render
from servitize.installed_base.access import get_account, may
from servitize.kit.money import from_cents
from servitize.kpis import (
    acquisition,
    charts,
    effort,
    lifetime,
    recurring,
    scorecard,
    spend,
    types_schemas,
)
from servitize.kpis import schemas as out
from servitize.kpis import types as org_types_comparison
from servitize.kpis.export import to_csv, to_xlsx
from servitize.kpis.period import (
    Window,
    may_record_effort,
    may_record_spend,
    owner_filter,
    window,
)
from servitize.kpis.rules import ATTRIBUTION_RULES
from servitize.offers.mrr_chart import waterfall
from servitize.trust.http import RequestContext

router = APIRouter()

MonthText = Annotated[str, Query(max_length=7)]
Rule = Literal["first", "last", "linear"]
Grain = Literal["month", "quarter", "year"]
By = Literal["channel", "segment", "org_type", "owner", "period", "kind"]
Fmt = Literal["csv", "xlsx"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 2_000_000


def _window(ctx: RequestContext, start: str, end: str) -> tuple[Window, str | None]:
    """The asked window, or the default one and the message saying what was wrong."""
    try:
        return window(start or None, end or None, ctx.today), None
    except InvalidInput as exc:
        return window(None, None, ctx.today), exc.message


def _owner(ctx: RequestContext) -> int | None:
    return owner_filter(ctx, ctx.user.id if ctx.user.role == "account_owner" else None)


def _file(name: str, fmt: Fmt, title: str, columns: Any, rows: Any, notes: list[str]) -> Response:
    if fmt == "csv":
        return Response(
            to_csv(columns, rows, notes),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        to_xlsx(title, columns, rows, notes),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@router.get("/kpis", response_class=HTMLResponse)
def overview(request: Request, ctx: RequestContext) -> Response:
    """Where the measures are."""
    _owner(ctx)
    return render(request, "kpis/overview.html", {"may_spend": may_record_spend(ctx)})


def _cac(ctx: RequestContext, start: str, end: str, rule: Rule, grain: Grain, by: By) -> Any:
    owner = _owner(ctx)
    win, error = _window(ctx, start, end)
    return acquisition.cac(ctx, win, rule, grain, by, owner), error


@router.get("/kpis/cac", response_class=HTMLResponse)
def cac_page(
    request: Request,
    ctx: RequestContext,
    start: MonthText = "",
    end: MonthText = "",
    rule: Rule = "linear",
    grain: Grain = "quarter",
    by: By = "channel",
) -> Response:
    """CAC per new customer and per new stream, direct and fully loaded, and CAC payback."""
    report, error = _cac(ctx, start, end, rule, grain, by)
    payback = charts.hbars(
        "CAC payback (months of recurring margin)",
        [
            (
                x.key,
                float(x.payback.value) if x.payback.value is not None else None,
                out.shown(x.payback) if x.payback.value is not None else "not computed",
            )
            for x in report.lines
        ],
        "months",
        "No acquisition in the period.",
    )
    return render(
        request,
        "kpis/cac.html",
        {
            "report": report,
            "shown": out.shown,
            "payback": payback,
            "rules": ATTRIBUTION_RULES,
            "dimensions": acquisition.DIMENSIONS,
            "start": start or report.period.split(" to ")[0],
            "end": end or report.period.split(" to ")[-1],
            "error": error,
            "money": from_cents,
        },
        422 if error else 200,
    )


@router.get("/kpis/cac.{fmt}")
def cac_file(
    ctx: RequestContext,
    fmt: Fmt,
    start: MonthText = "",
    end: MonthText = "",
    rule: Rule = "linear",
    grain: Grain = "quarter",
    by: By = "channel",
) -> Response:
    """The CAC table as CSV or XLSX."""
    report, error = _cac(ctx, start, end, rule, grain, by)
    if error:
        raise InvalidInput(error)
    notes = [
        f"period {report.period}, currency {report.currency}, attribution {report.rule_text}",
        *report.notes,
    ]
    return _file("cac", fmt, "CAC", out.CAC_COLUMNS, out.cac_rows(report), notes)


def _mrr(ctx: RequestContext, start: str, end: str) -> Any:
    owner = _owner(ctx)
    win, error = _window(ctx, start, end)
    return recurring.recurring(ctx, win, owner), error


@router.get("/kpis/mrr", response_class=HTMLResponse)
def mrr_page(
    request: Request, ctx: RequestContext, start: MonthText = "", end: MonthText = ""
) -> Response:
    """MRR and ARR with their movements, NRR, churn and cohort retention curves."""
    report, error = _mrr(ctx, start, end)
    drawn = [c for c in report.cohorts if c.reason is None]
    months = list(range(max((len(c.logo_pct) for c in drawn), default=0)))
    curves = charts.lines(
        "Cohort retention (customers still paying, %)",
        [
            (f"{c.month} ({c.size})", [*c.logo_pct, *([None] * (len(months) - len(c.logo_pct)))])
            for c in drawn
        ],
        [f"+{m}" for m in months],
        "%",
        top=100.0,
        why_empty="No cohort large enough to draw (see the table).",
    )
    return render(
        request,
        "kpis/mrr.html",
        {
            "report": report,
            "shown": out.shown,
            "chart": waterfall(
                f"MRR from {report.months[0].month} to {report.months[-1].month}",
                report.months,
                report.currency,
            )
            if report.months
            else "",
            "curves": curves,
            "start": report.period.split(" to ")[0],
            "end": report.period.split(" to ")[-1],
            "error": error,
            "money": from_cents,
        },
        422 if error else 200,
    )


@router.get("/kpis/mrr.{fmt}")
def mrr_file(ctx: RequestContext, fmt: Fmt, start: MonthText = "", end: MonthText = "") -> Response:
    """The MRR bridge as CSV or XLSX."""
    report, error = _mrr(ctx, start, end)
    if error:
        raise InvalidInput(error)
    notes = [
        f"currency {report.currency}; MRR at each month's last day",
        f"net revenue retention: {out.shown(report.nrr)} ({report.nrr.period})",
        f"logo churn: {out.shown(report.logo_churn)}; revenue churn: "
        f"{out.shown(report.revenue_churn)}",
    ]
    return _file("mrr", fmt, "MRR", out.MRR_COLUMNS, out.mrr_rows(report), notes)


def _clv(ctx: RequestContext, end: str) -> Any:
    owner = _owner(ctx)
    win, error = _window(ctx, "", end)
    return lifetime.clv(ctx, win, owner, 50), error


@router.get("/kpis/clv", response_class=HTMLResponse)
def clv_page(request: Request, ctx: RequestContext, end: MonthText = "") -> Response:
    """CLV per account with its method, CLV/CAC by segment and organisation type, fit quality."""
    report, error = _clv(ctx, end)
    scatters = {}
    for key, title in (("segment", "segment"), ("org_type", "organisation type")):
        points = [
            (g, float(from_cents(int(c.value))), float(from_cents(int(m.value))))
            for g, m, c, _r in report.ratios.get(key, [])
            if m.value is not None and c.value is not None
        ]
        scatters[key] = charts.scatter(
            f"CLV against CAC by {title} ({report.currency})",
            points,
            "CAC",
            "CLV",
            "No group has both a CLV and a CAC yet (see the table for why).",
        )
    fit = charts.lines(
        "Fit quality: purchases in the holdout year, actual and predicted",
        [
            ("actual", [h.actual for h in report.holdout]),
            ("predicted", [h.predicted for h in report.holdout]),
        ],
        [h.label for h in report.holdout],
        "purchases per customer",
        why_empty="No holdout comparison (too little order history).",
    )
    return render(
        request,
        "kpis/clv.html",
        {
            "report": report,
            "shown": out.shown,
            "scatters": scatters,
            "fit": fit,
            "end": report.as_of,
            "error": error,
            "money": from_cents,
        },
        422 if error else 200,
    )


@router.get("/kpis/clv.{fmt}")
def clv_file(ctx: RequestContext, fmt: Fmt, end: MonthText = "") -> Response:
    """CLV per account as CSV or XLSX."""
    report, error = _clv(ctx, end)
    if error:
        raise InvalidInput(error)
    notes = [
        f"as of {report.as_of}, currency {report.currency}, horizon {report.horizon_months} "
        f"months, discount {report.discount_pct} % a year"
    ]
    return _file("clv", fmt, "CLV", out.CLV_COLUMNS, out.clv_rows(report), notes)


def _scorecard(ctx: RequestContext, start: str, end: str) -> Any:
    _owner(ctx)
    win, error = _window(ctx, start, end)
    return scorecard.scorecard(ctx, win), error


@router.get("/kpis/scorecard", response_class=HTMLResponse)
def scorecard_page(
    request: Request, ctx: RequestContext, start: MonthText = "", end: MonthText = ""
) -> Response:
    """The one scorecard for sales and service: the same page, the same numbers, for both."""
    card, error = _scorecard(ctx, start, end)
    sparks = {m.key: charts.spark([v for _m, v in m.trend], m.label) for m in card.measures}
    return render(
        request,
        "kpis/scorecard.html",
        {
            "card": card,
            "shown": out.shown,
            "sparks": sparks,
            "start": card.period.split(" to ")[0],
            "end": card.period.split(" to ")[-1],
            "error": error,
        },
        422 if error else 200,
    )


@router.get("/kpis/scorecard.{fmt}")
def scorecard_file(
    ctx: RequestContext, fmt: Fmt, start: MonthText = "", end: MonthText = ""
) -> Response:
    """The scorecard as CSV or XLSX."""
    card, error = _scorecard(ctx, start, end)
    if error:
        raise InvalidInput(error)
    notes = [f"period {card.period}, baseline {card.baseline}, currency {card.currency}"]
    return _file(
        "scorecard", fmt, "Scorecard", out.SCORECARD_COLUMNS, out.scorecard_rows(card), notes
    )


GroupBy = Literal["none", "segment", "industry", "country"]


def _types(ctx: RequestContext, start: str, end: str, by: GroupBy, group: str) -> Any:
    owner = _owner(ctx)
    win, error = _window(ctx, start, end)
    try:
        return org_types_comparison.compare(ctx, win, by, group or None, owner), error
    except InvalidInput as exc:
        return org_types_comparison.compare(ctx, win, by, None, owner), exc.message


@router.get("/kpis/types", response_class=HTMLResponse)
def types_page(
    request: Request,
    ctx: RequestContext,
    start: MonthText = "",
    end: MonthText = "",
    by: GroupBy = "none",
    group: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The organisation types side by side, each figure with how many it rests on, and a bar
    chart per measure."""
    report, error = _types(ctx, start, end, by, group)
    bars = []
    for key, label, _noun in org_types_comparison.MEASURES:
        items = []
        for r in report.rows:
            f = r.figures[key]
            name = f"type {r.type}" if r.type else "no type"
            if r.group is not None:
                name += f" · {r.group}"
            value = (
                float(from_cents(int(f.value)))
                if f.unit == "cents" and f.value is not None
                else (float(f.value) if f.value is not None else None)
            )
            text = (
                f"{out.shown(f)} (n = {f.count or 0})" if f.value is not None else "too few / none"
            )
            items.append((name, value, text))
        bars.append(charts.hbars(label, items, label, "No account in this view."))
    return render(
        request,
        "kpis/types.html",
        {
            "report": report,
            "shown": out.shown,
            "measures": org_types_comparison.MEASURES,
            "groupings": org_types_comparison.GROUPINGS,
            "bars": bars,
            "head": ["Type"]
            + (["Group"] if report.by != "none" else [])
            + [("Customers", "num")]
            + [(label, "num") for _k, label, _n in org_types_comparison.MEASURES],
            "start": report.period.split(" to ")[0],
            "end": report.period.split(" to ")[-1],
            "error": error,
        },
        422 if error else 200,
    )


@router.get("/kpis/types.{fmt}")
def types_file(
    ctx: RequestContext,
    fmt: Fmt,
    start: MonthText = "",
    end: MonthText = "",
    by: GroupBy = "none",
    group: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The types comparison as CSV or XLSX."""
    report, error = _types(ctx, start, end, by, group)
    if error:
        raise InvalidInput(error)
    notes = [
        f"period {report.period}, currency {report.currency}; a figure resting on fewer than "
        f"{report.min_count} says too few to say; attach within {report.attach_months} months"
    ]
    return _file(
        "types",
        fmt,
        "Types",
        types_schemas.columns(report),
        types_schemas.rows(report),
        notes,
    )


@router.get("/kpis/effort", response_class=HTMLResponse)
def effort_page(
    request: Request, ctx: RequestContext, message: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """Effort recorded lately, the cost rates, and the form to record hours."""
    _owner(ctx)
    win = window(None, None, ctx.today, default_months=3)
    return _effort_page(request, ctx, win, message, None, {})


def _effort_page(
    request: Request,
    ctx: RequestContext,
    win: Window,
    message: str,
    error: str | None,
    form: dict[str, str],
    status: int = 200,
) -> Response:
    return render(
        request,
        "kpis/effort.html",
        {
            "entries": effort.entries(ctx, win.start, ctx.today),
            "rates": effort.rates(ctx),
            "may_record": may_record_effort(ctx),
            "message": message,
            "error": error,
            "form": form,
            "today": ctx.today.isoformat(),
            "money": from_cents,
        },
        status,
    )


def _id(value: str, name: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit() or len(value.strip()) > 18:
        raise InvalidInput(f"{name}: a record's number")
    return int(value)


@router.post("/kpis/effort", response_class=HTMLResponse)
def record_effort_page(
    request: Request,
    ctx: RequestContext,
    subject: Annotated[Literal["activity", "visit", "lead"], Form()],
    subject_id: Annotated[str, Form(max_length=20)],
    day: Annotated[str, Form(max_length=10)],
    hours: Annotated[str, Form(max_length=8)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Record hours from the form; the page again with the message or what was wrong."""
    form = {"subject": subject, "subject_id": subject_id, "day": day, "hours": hours, "note": note}
    try:
        sid = _id(subject_id, "subject_id")
        if sid is None:
            raise InvalidInput("subject_id: the number of the activity, visit or lead")
        try:
            on = date.fromisoformat(day)
        except ValueError:
            raise InvalidInput("day: a day is written YYYY-MM-DD") from None
        try:
            h = Decimal(hours) if hours.strip() else None
        except InvalidOperation:
            raise InvalidInput("hours: a number of hours") from None
        if h is not None and not h.is_finite():
            raise InvalidInput("hours: a number of hours")
        entry = effort.record(
            ctx,
            effort.EffortIn(
                day=on,
                hours=h,
                note=note or None,
                **{f"{subject}_id": sid},
            ),
        )
    except ServitizeError as exc:
        if exc.status_code == 403:
            raise
        win = window(None, None, ctx.today, default_months=3)
        return _effort_page(request, ctx, win, "", exc.message, form, 422)
    said = urlencode({"message": f"Recorded {entry.hours} h on {subject} {sid}"})
    return RedirectResponse(f"/kpis/effort?{said}", status_code=303)


@router.get("/kpis/spend", response_class=HTMLResponse)
def spend_page(
    request: Request, ctx: RequestContext, message: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """Campaigns, trade fairs and commissions, and the CSV import."""
    _owner(ctx)
    return _spend_page(request, ctx, message, None)


def _spend_page(
    request: Request, ctx: RequestContext, message: str, error: str | None, status: int = 200
) -> Response:
    return render(
        request,
        "kpis/spend.html",
        {
            "spends": spend.listing(ctx),
            "touches": spend.touch_counts(ctx),
            "may_import": may_record_spend(ctx),
            "message": message,
            "error": error,
            "money": from_cents,
            "columns": ", ".join(spend.SPEND_COLUMNS),
            "touch_columns": ", ".join(spend.TOUCH_COLUMNS),
        },
        status,
    )


@router.post("/kpis/spend/import", response_class=HTMLResponse)
def import_spend_page(
    request: Request,
    ctx: RequestContext,
    kind: Annotated[Literal["spend", "touches"], Form()] = "spend",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Import a CSV file of spend or touches (all or nothing)."""
    spend.may_import(ctx)
    raw = file.file.read(MAX_UPLOAD + 1) if file is not None else b""
    try:
        if file is None or not raw:
            raise InvalidInput("file: choose a CSV file")
        if len(raw) > MAX_UPLOAD:
            raise InvalidInput("file: at most 2 MB at once")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("file: a CSV file in UTF-8") from None
        n = spend.import_spend(ctx, text) if kind == "spend" else spend.import_touches(ctx, text)
    except ServitizeError as exc:
        if exc.status_code == 403:
            raise
        return _spend_page(request, ctx, "", exc.message, 422)
    said = urlencode({"message": f"Imported {n} {kind} rows"})
    return RedirectResponse(f"/kpis/spend?{said}", status_code=303)


@router.get("/accounts/{account_id}/clv-panel", response_class=HTMLResponse)
def account_clv_panel(request: Request, ctx: RequestContext, account_id: Id) -> HTMLResponse:
    """The account's lifetime value for the account 360 (loaded by HTMX); empty for a role that
    sees no measures, or an account owner's colleague's account."""
    account = get_account(ctx.session, ctx.user, account_id)  # 404 outside the scope
    if not may(ctx.user, "kpis.view", own=account.owner_id == ctx.user.id):
        return HTMLResponse("")
    value = lifetime.account_clv(ctx, account_id, ctx.today)
    return render(
        request,
        "kpis/_account_clv.html",
        {
            "value": value,
            "account_id": account_id,
            "currency": ctx.settings.company_currency,
            "money": from_cents,
            "horizon": ctx.settings.kpis.clv_horizon_months,
            "rate": ctx.settings.kpis.discount_rate_pct,
        },
    )
