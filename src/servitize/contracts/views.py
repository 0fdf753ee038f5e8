"""HTML pages and files of availability contracts: the list and the monthly operation report.

A contract is visible when its account is (installed_base.access); otherwise 404 everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from servitize.contracts import editing_views, repository
from servitize.contracts import report as rp
from servitize.contracts.models import AvailabilityContract
from servitize.contracts.report_files import (
    period_text,
    report_pdf,
    result_sentence,
    table_csv,
    tables_xlsx,
)
from servitize.core.inputs import Id
from servitize.core.pages import render
from servitize.installed_base.access import may
from servitize.installed_base.models import Account
from servitize.installed_base.service import get_asset
from servitize.kit.export import EXPORT_MAX_ROWS, amount
from servitize.kit.listing import Col, Listing
from servitize.kit.pagination import PageParams, pages_of
from servitize.kit.sorting import Sort
from servitize.telemetry import gaps
from servitize.telemetry.api import store_of
from servitize.telemetry.consent_usage import batched
from servitize.telemetry.records import visible_machines
from servitize.trust.context import Context
from servitize.trust.http import (
    CurrentUser,
    DbSession,
    RequestContext,
    require_role,
    settings_of,
)
from servitize.trust.lists import list_links
from servitize.trust.models import User

router = APIRouter(include_in_schema=False)
Month = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
Months = Annotated[int, Query(ge=1, le=rp.MAX_MONTHS)]
CHART_W, CHART_H, PAD_L, PAD_B, PAD_T = 640, 220, 44, 26, 14
GAP_ALERT_DAYS = 7  # the contracts page's alert: machines with a telemetry gap this recently
GAP_PAGE_DAYS, GAP_PAGE_LINES = 30, 20  # the machine page's list of recent gaps
CONTRACTS_PER_PAGE = 50
CENT = Decimal("0.01")


def _allowed(user: User) -> None:
    require_role(user, *rp.REPORT_ROLES)


def trend_chart(trend: list[rp.MonthResult], target: float) -> dict[str, Any]:
    """Geometry of the availability trend (SVG units): grid, target line, points, path."""
    low, high = rp.axis([m.availability_pct for m in trend], target)
    plot_w, plot_h = CHART_W - PAD_L - 8, CHART_H - PAD_T - PAD_B

    def y(value: float) -> float:
        return round(PAD_T + plot_h - (value - low) / (high - low) * plot_h, 1)

    slot = plot_w / len(trend)
    every = 1 if high - low <= 6 else 2 if high - low <= 12 else 5
    points = [
        {
            "x": round(PAD_L + slot * (i + 0.5), 1),
            "y": y(m.availability_pct) if m.availability_pct is not None else None,
            "m": m,
            "label": rp.month_label(m.month),
        }
        for i, m in enumerate(trend)
    ]
    known = [p for p in points if p["y"] is not None]
    return {
        "w": CHART_W,
        "h": CHART_H,
        "left": PAD_L,
        "right": CHART_W - 8,
        "bottom": PAD_T + plot_h,
        "grid": [{"v": v, "y": y(v)} for v in range(int(low), int(high) + 1, every)],
        "target_y": y(target),
        "points": points,
        "path": " ".join(f"{'M' if i == 0 else 'L'}{p['x']},{p['y']}" for i, p in enumerate(known)),
    }


def _report(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    contract_id: int,
    period: str | None,
    months: int,
) -> tuple[AvailabilityContract, rp.Report]:
    """A contract the user may see and its report (the page and the PDF show the same one)."""
    _allowed(user)
    contract = rp.visible_contract(session, user, contract_id)
    report = rp.build_report(
        session,
        store_of(request),
        contract,
        period or rp.last_complete_month(),
        months,
        supplier=settings_of(request).company_name,
        expected_interval_s=settings_of(request).telemetry_expected_interval_s,
    )
    return contract, report


@dataclass(frozen=True)
class ContractRow:
    """A contract of the list: its account and the month's result."""

    contract: AvailabilityContract
    account: Account
    result: rp.MonthResult
    month: str


def _pct(value: float | None) -> Decimal | None:
    """A percentage as the list writes it, to two places."""
    return None if value is None else Decimal(f"{value:.2f}")


CONTRACTS: Listing[ContractRow] = Listing(
    "availability-contracts",
    (
        Col(
            "Contract",
            lambda r: r.contract.name,
            "contract",
            link=lambda r: f"/contracts/{r.contract.id}/report?period={r.month}",
        ),
        Col("Number", lambda r: r.contract.external_id, "number"),
        Col(
            "Account",
            lambda r: r.account.name,
            "account",
            link=lambda r: f"/accounts/{r.account.id}",
        ),
        Col("Target %", lambda r: _pct(r.contract.target_pct), "target", numeric=True),
        Col(
            "Availability %",
            lambda r: _pct(r.result.availability_pct),
            numeric=True,
            css=lambda r: f"band {r.result.band}",
        ),
        Col(
            "Result",
            lambda r: r.result.result or rp.band_label(r.result.band),
            css=lambda r: f"band {r.result.band}",
        ),
        Col(
            "Amount",
            lambda r: r.result.amount.quantize(CENT),
            numeric=True,
            css=lambda r: f"band {r.result.band}",
        ),
        Col("Monthly fee", lambda r: amount(r.contract.fee_cents), "fee", numeric=True),
        Col("Currency", lambda r: r.contract.currency),
    ),
    "number",
)


def _contract_rows(
    ctx: Context, request: Request, month: str, sort: str, params: PageParams
) -> tuple[Sort, list[ContractRow], int]:
    """A page of the contracts the user may see, each with the month's result."""
    order = CONTRACTS.sorts.parse(sort)  # an unknown column: 422 naming the allowed ones
    found, total = repository.contracts_page(ctx.session, ctx.user, params, order)
    store, rows = store_of(request), []
    interval = ctx.settings.telemetry_expected_interval_s
    with batched(ctx.session):  # the record of use: one statement for every contract
        for contract, account in found:
            [(m, evaluation)] = rp.evaluate_months(
                ctx.session, store, contract, [month], expected_interval_s=interval
            )
            rows.append(ContractRow(contract, account, rp.month_result(contract, m, evaluation), m))
    return order, rows, total


@router.get("/contracts", response_class=HTMLResponse)
def contracts_page(
    request: Request,
    ctx: RequestContext,
    period: Month = None,
    sort: Annotated[str, Query(max_length=40)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """The availability contracts the user may see, with the month's availability and band
    (last month unless asked), sorted by a column, a page at a time."""
    _allowed(ctx.user)
    month = period or rp.last_complete_month()
    params = PageParams(page, CONTRACTS_PER_PAGE)
    order, rows, total = _contract_rows(ctx, request, month, sort, params)
    shown = list_links(ctx, "/contracts", {"period": period}, order, CONTRACTS.sorts)
    return render(
        request,
        "contracts/contracts.html",
        {
            "rows": rows,
            "listing": CONTRACTS,
            "list": shown,
            "month": month,
            "rp": rp,
            "may_create": may(ctx.user, "contract.create"),
            "pager": pages_of("/contracts", shown.params, params, len(rows), total),
            "gap_machines": gaps.gap_alerts(
                store_of(request),
                visible_machines(ctx.session, ctx.user),
                GAP_ALERT_DAYS,
                ctx.settings.telemetry_expected_interval_s,
            ),
        },
    )


@router.get("/contracts.{fmt}")
def contracts_export(
    request: Request,
    ctx: RequestContext,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    period: Month = None,
    sort: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The availability contracts list as CSV or XLSX: every contract the list shows, with the
    month's availability, result and amount as the page writes them."""
    _allowed(ctx.user)
    month = period or rp.last_complete_month()
    _order, rows, total = _contract_rows(ctx, request, month, sort, PageParams(1, EXPORT_MAX_ROWS))
    return CONTRACTS.respond(rows, total, fmt)


@router.get("/assets/{asset_id}/telemetry-gaps", response_class=HTMLResponse)
def asset_gaps_fragment(
    request: Request, session: DbSession, user: CurrentUser, asset_id: Id
) -> HTMLResponse:
    """The machine page's recent telemetry gaps (loaded into the page by HTMX); a machine the
    user may not see answers 404, a role that reads no contract report gets an empty fragment."""
    get_asset(session, user, asset_id)  # 404 outside the user's scope
    if user.role not in {r.value for r in rp.REPORT_ROLES}:
        return HTMLResponse("")
    machines = visible_machines(session, user, asset_id)
    found = gaps.recent_gaps(
        store_of(request),
        machines,
        GAP_PAGE_DAYS,
        settings_of(request).telemetry_expected_interval_s,
    )
    return render(
        request,
        "telemetry/_asset_gaps.html",
        {
            "gaps": found[:GAP_PAGE_LINES],
            "more": max(0, len(found) - GAP_PAGE_LINES),
            "days": GAP_PAGE_DAYS,
            "has_serial": bool(machines),
        },
    )


@router.get("/contracts/{contract_id}/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    contract_id: int,
    period: Month = None,
    months: Months = rp.DEFAULT_MONTHS,
) -> HTMLResponse:
    """The monthly operation report of a contract as a page."""
    _, r = _report(request, session, user, contract_id, period, months)
    query = f"period={r.month}&months={months}"
    return render(
        request,
        "contracts/report.html",
        {
            "r": r,
            "rp": rp,
            "chart": trend_chart(r.trend, r.result.target_pct),
            "months": months,
            "sentence": result_sentence(r),
            "query": query,
            "period": period_text(r),
            "window": f"from={r.trend[0].month}&to={r.month}",
            "prev": rp.shift_month(r.month, -1),
            "next": rp.shift_month(r.month, 1),
            "latest": rp.last_complete_month(),
        },
    )


@router.get("/contracts/{contract_id}/report.pdf")
def report_pdf_file(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    contract_id: int,
    period: Month = None,
    months: Months = rp.DEFAULT_MONTHS,
) -> Response:
    """The monthly operation report as a PDF for the customer."""
    contract, r = _report(request, session, user, contract_id, period, months)
    name = f"operation-report-{contract.external_id}-{r.month}.pdf"
    return Response(
        report_pdf(r),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


def _window(session, user, request, contract_id, first, last):
    _allowed(user)
    contract = rp.visible_contract(session, user, contract_id)
    last = last or rp.last_complete_month()
    months = rp.month_range(first or rp.months_ending(last, rp.DEFAULT_MONTHS)[0], last)
    interval = settings_of(request).telemetry_expected_interval_s
    return (
        contract,
        months,
        *rp.tables(session, store_of(request), contract, months, expected_interval_s=interval),
    )


@router.get("/contracts/{contract_id}/report.csv")
def report_csv(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    contract_id: int,
    table: Annotated[str, Query(pattern="^(availability|downtime)$")] = "availability",
    first: Annotated[Month, Query(alias="from")] = None,
    last: Annotated[Month, Query(alias="to")] = None,
) -> Response:
    """One table of the report (availability or downtime) for any window of months, as CSV."""
    contract, months, results, stops = _window(session, user, request, contract_id, first, last)
    name = f"{contract.external_id}-{table}-{months[0]}-{months[-1]}.csv"
    return Response(
        table_csv(table, results, stops),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/contracts/{contract_id}/report.xlsx")
def report_xlsx(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    contract_id: int,
    first: Annotated[Month, Query(alias="from")] = None,
    last: Annotated[Month, Query(alias="to")] = None,
) -> Response:
    """Both tables of the report for any window of months, one sheet each."""
    contract, months, results, stops = _window(session, user, request, contract_id, first, last)
    name = f"{contract.external_id}-{months[0]}-{months[-1]}.xlsx"
    return Response(
        tables_xlsx(results, stops),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# Creating an availability contract (contracts.editing_views).
router.include_router(editing_views.router)
