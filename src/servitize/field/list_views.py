"""The visits and sign-up sheets lists: sortable headers, saved filters, CSV and XLSX.

Each list is a ``kit.listing.Listing``: its columns give the page's table and the file's rows,
so the CSV/XLSX holds exactly the values the page shows (a sheet's total to the cent, next to
its currency).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from servitize.core.errors import InvalidInput
from servitize.core.pages import render
from servitize.field import sheets, visits
from servitize.field.models import SheetStatus
from servitize.field.repository import lists
from servitize.field.schemas import SheetRead
from servitize.installed_base.access import get_account
from servitize.kit.export import EXPORT_MAX_ROWS
from servitize.kit.listing import Col, Listing
from servitize.kit.pagination import PageParams, pages_of
from servitize.trust.context import Context
from servitize.trust.http import RequestContext, require_role
from servitize.trust.lists import list_links
from servitize.trust.models import Role

router = APIRouter(include_in_schema=False)
STAFF = (
    Role.admin,
    Role.analyst,
    Role.sales_manager,
    Role.service_manager,
    Role.account_owner,
    Role.technician,
)
PER_PAGE = 50
Text = Annotated[str, Query(max_length=40)]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
CENT = Decimal("0.01")
JOBS = ("maintenance", "repair", "inspection", "installation", "visit")


def _id(name: str, text: str) -> int | None:
    """An optional id from a filter (empty: none); 422 naming the filter otherwise."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput(f"{name}: not an id: {text!r}")
    return int(text)


def _account(ctx: Context, text: str) -> int | None:
    """The account a list is filtered to: 404 for one the user may not see."""
    account = _id("account_id", text)
    if account is not None:
        get_account(ctx.session, ctx.user, account)
    return account


def _day(name: str, text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name}: a day is written YYYY-MM-DD (got {text!r})") from None


def _words(value: str) -> str:
    return value.replace("_", " ")


# ---------------------------------------------------------------- visits

VISITS: Listing[lists.VisitRow] = Listing(
    "visits",
    (
        Col("Day", lambda v: v.day, "day", link=lambda v: f"/visits/{v.id}"),
        Col("Starts", lambda v: f"{v.start_time:%H:%M}" if v.start_time else None, "start"),
        Col("Minutes", lambda v: v.duration_minutes, "duration", numeric=True),
        Col("Job", lambda v: _words(v.job_type), "job"),
        Col("Account", lambda v: v.account, "account", link=lambda v: f"/accounts/{v.account_id}"),
        Col("Site", lambda v: v.site, "site"),
        Col("Technician", lambda v: v.technician, "technician"),
        Col("Visit no.", lambda v: v.external_id),
    ),
    "-day",
)


@dataclass(frozen=True)
class VisitFilters:
    """What the visits list is filtered by."""

    technician_id: int | None
    account_id: int | None
    job_type: str | None
    first: date | None
    last: date | None

    @property
    def query(self) -> dict[str, Any]:
        return {
            "technician_id": self.technician_id,
            "account_id": self.account_id,
            "job_type": self.job_type,
            "from": self.first.isoformat() if self.first else None,
            "to": self.last.isoformat() if self.last else None,
        }


def _visit_filters(
    ctx: Context, technician_id: str, account_id: str, job_type: str, first: str, last: str
) -> VisitFilters:
    account = _account(ctx, account_id)
    return VisitFilters(
        _id("technician_id", technician_id),
        account,
        job_type.strip() or None,
        _day("from", first),
        _day("to", last),
    )


def _visits(ctx: Context, f: VisitFilters, sort: str, params: PageParams) -> Any:
    order = VISITS.sorts.parse(sort)  # an unknown column: 422 naming the allowed ones
    rows, total = lists.visits_page(
        ctx.session,
        ctx.user,
        params,
        order,
        f.technician_id,
        f.account_id,
        f.job_type,
        f.first,
        f.last,
    )
    return order, rows, total


def _list_page(
    request: Request,
    ctx: Context,
    path: str,
    listing: Listing[Any],
    f: Any,
    found: tuple[Any, list[Any], int],
    params: PageParams,
    **extra: object,
) -> HTMLResponse:
    """A list page (``field/<path>.html``): its rows, sortable headers, the technicians to
    filter by (not for technicians: they see their own) and the pager."""
    order, rows, total = found
    shown = list_links(ctx, path, f.query, order, listing.sorts)
    technicians = [] if ctx.user.role == Role.technician else visits.technicians(ctx.session)
    return render(
        request,
        f"field{path}.html",
        {
            "rows": rows,
            "listing": listing,
            "list": shown,
            "f": f,
            "technicians": technicians,
            "pager": pages_of(path, shown.params, params, len(rows), total),
            **extra,
        },
    )


@router.get("/visits", response_class=HTMLResponse)
def visits_page(
    request: Request,
    ctx: RequestContext,
    technician_id: Text = "",
    account_id: Text = "",
    job_type: Text = "",
    first: Annotated[str, Query(alias="from", max_length=10)] = "",
    last: Annotated[str, Query(alias="to", max_length=10)] = "",
    sort: Text = "",
    page: PageNo = 1,
) -> HTMLResponse:
    """The visits the user may see (technicians: their own) with time of day and duration,
    latest day first or sorted by a column, a page at a time."""
    require_role(ctx.user, *STAFF)
    f = _visit_filters(ctx, technician_id, account_id, job_type, first, last)
    params = PageParams(page, PER_PAGE)
    found = _visits(ctx, f, sort, params)
    return _list_page(request, ctx, "/visits", VISITS, f, found, params, jobs=JOBS)


@router.get("/visits.{fmt}")
def visits_export(
    ctx: RequestContext,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    technician_id: Text = "",
    account_id: Text = "",
    job_type: Text = "",
    first: Annotated[str, Query(alias="from", max_length=10)] = "",
    last: Annotated[str, Query(alias="to", max_length=10)] = "",
    sort: Text = "",
) -> Response:
    """The visits list as CSV or XLSX: every page of it, filtered and sorted as shown."""
    require_role(ctx.user, *STAFF)
    f = _visit_filters(ctx, technician_id, account_id, job_type, first, last)
    _order, rows, total = _visits(ctx, f, sort, PageParams(1, EXPORT_MAX_ROWS))
    return VISITS.respond(rows, total, fmt)


# ---------------------------------------------------------------- sign-up sheets


@dataclass(frozen=True)
class SheetShown:
    """A sheet of the list: its row and its total as the sheet's page shows it."""

    row: lists.SheetRow
    read: SheetRead

    @property
    def unconverted(self) -> str | None:
        parts = [f"{u.amount:,.2f} {u.currency}" for u in self.read.unconverted]
        return " + ".join(parts) or None


SHEETS: Listing[SheetShown] = Listing(
    "sign-up-sheets",
    (
        Col("Sheet", lambda s: s.row.sheet.id, "sheet", link=lambda s: f"/sheets/{s.row.sheet.id}"),
        Col("Visit day", lambda s: s.row.visit_day, "visit"),
        Col(
            "Account",
            lambda s: s.row.account,
            "account",
            link=lambda s: f"/accounts/{s.row.sheet.account_id}",
        ),
        Col("Technician", lambda s: s.row.technician, "technician"),
        Col("Status", lambda s: str(s.row.sheet.status), "status"),
        Col("Lines", lambda s: s.row.lines, numeric=True),
        Col("Ticked", lambda s: s.row.ticked, "ticked", numeric=True),
        Col("Total ticked", lambda s: s.read.total_ticked.quantize(CENT), numeric=True),
        Col("Currency", lambda s: s.read.currency),
        Col("Not converted", lambda s: s.unconverted),
        Col("Signed", lambda s: s.row.sheet.signed_at, "signed"),
        Col("Signer", lambda s: s.row.sheet.signer_name),
    ),
    "-sheet",
)


@dataclass(frozen=True)
class SheetFilters:
    """What the sheets list is filtered by."""

    status: str | None
    account_id: int | None
    technician_id: int | None

    @property
    def query(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "account_id": self.account_id,
            "technician_id": self.technician_id,
        }


def _sheet_filters(ctx: Context, status: str, account_id: str, technician_id: str) -> SheetFilters:
    account = _account(ctx, account_id)
    wanted = status.strip()
    if wanted and wanted not in SheetStatus.__members__:
        allowed = ", ".join(SheetStatus.__members__)
        raise InvalidInput(f"status: {wanted!r} is not one of: {allowed}")
    return SheetFilters(wanted or None, account, _id("technician_id", technician_id))


def _sheets(ctx: Context, f: SheetFilters, sort: str, params: PageParams) -> Any:
    order = SHEETS.sorts.parse(sort)
    rows, total = lists.sheets_page(
        ctx.session, ctx.user, params, order, f.status, f.account_id, f.technician_id
    )
    reads = sheets.sheet_reads(
        ctx.session, [r.sheet for r in rows], ctx.settings.company_currency, ctx.today
    )
    return order, [SheetShown(r, x) for r, x in zip(rows, reads, strict=True)], total


@router.get("/sheets", response_class=HTMLResponse)
def sheets_page(
    request: Request,
    ctx: RequestContext,
    status: Text = "",
    account_id: Text = "",
    technician_id: Text = "",
    sort: Text = "",
    page: PageNo = 1,
) -> HTMLResponse:
    """The sign-up sheets the user reads (technicians: theirs), newest first or sorted by a
    column, with the ticked total of each as its page shows it."""
    require_role(ctx.user, *STAFF)
    f = _sheet_filters(ctx, status, account_id, technician_id)
    params = PageParams(page, PER_PAGE)
    found = _sheets(ctx, f, sort, params)
    statuses = list(SheetStatus.__members__)
    return _list_page(request, ctx, "/sheets", SHEETS, f, found, params, statuses=statuses)


@router.get("/sheets.{fmt}")
def sheets_export(
    ctx: RequestContext,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    status: Text = "",
    account_id: Text = "",
    technician_id: Text = "",
    sort: Text = "",
) -> Response:
    """The sheets list as CSV or XLSX: every page of it, filtered and sorted as shown."""
    require_role(ctx.user, *STAFF)
    f = _sheet_filters(ctx, status, account_id, technician_id)
    _order, rows, total = _sheets(ctx, f, sort, PageParams(1, EXPORT_MAX_ROWS))
    return SHEETS.respond(rows, total, fmt)
