"""HTML pages of the value capability: open a value case (from an opportunity, a lead or the
account 360), the case page (savings with evidence, editable assumptions, alternatives side by
side, the cumulative cash-flow chart and the tornado) and the customer's PDF."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, create_model

from servitize.core.errors import InvalidInput
from servitize.core.inputs import Id
from servitize.core.pages import render
from servitize.installed_base.access import get_account, may, require
from servitize.kit.forms import FormPage, save_or_show_again
from servitize.kit.htmx import is_htmx
from servitize.kit.money import to_cents
from servitize.trust.context import Context
from servitize.trust.http import RequestContext
from servitize.value import service
from servitize.value.models import ValueCase
from servitize.value.pdf import amount, case_pdf, shown
from servitize.value.rules import ASSUMPTIONS, BY_NAME, MONEY

router = APIRouter(include_in_schema=False)

if TYPE_CHECKING:  # built at run time; to the type checker, form models
    AssumptionsForm = BaseModel
    NewCaseForm = BaseModel
else:
    AssumptionsForm = create_model(
        "AssumptionsForm",
        __config__=ConfigDict(extra="ignore"),
        version=(str, ""),
        **dict.fromkeys((a.name for a in ASSUMPTIONS), (str, "")),
    )
    NewCaseForm = create_model(
        "NewCaseForm",
        __config__=ConfigDict(extra="ignore"),
        account_id=(str, ""),
        opportunity_id=(str, ""),
        lead_id=(str, ""),
        title=(str, ""),
        downtime_cost_per_hour_cents=(str, ""),
        asset_ids=(list[str], []),
    )

FILTERS = {"amount": amount, "shown": shown}


def typed(name: str, text: str) -> float | None:
    """An assumption as typed on the page (money in major units); empty: the default."""
    text = text.strip()
    if not text:
        return None
    spec = BY_NAME[name]
    try:
        if spec.kind == MONEY:
            return to_cents(text)
        return float(text)
    except ValueError:
        raise InvalidInput(f"{name}: {text!r} is not a number") from None


def _id(text: str, name: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise InvalidInput(f"{name}: {text!r} is not a record number")
    return int(text)


def typed_value(spec_name: str, entered: dict[str, Any]) -> str:
    """What the form shows in an assumption's field: the entered value, or empty."""
    value = entered.get(spec_name)
    if value is None:
        return ""
    if BY_NAME[spec_name].kind == MONEY:
        return f"{Decimal(int(value)) / 100:.2f}"
    return f"{value:g}"


def case_context(ctx: Context, value_case: ValueCase, message: str = "") -> dict[str, Any]:
    """Everything the case page shows."""
    r = service.report(ctx, value_case)
    entered = dict(value_case.assumptions or {})
    return {
        "r": r,
        "case": value_case,
        "assumptions": ASSUMPTIONS,
        "typed": {a.name: typed_value(a.name, entered) for a in ASSUMPTIONS},
        "may_edit": may(ctx.user, "value_case.edit"),
        "message": message,
        "cumulative_chart": r.cumulative_chart(),
        "tornado_chart": r.tornado_chart(),
        **FILTERS,
    }


def _new_context(
    ctx: Context, account_id: int | None, opportunity_id: int | None, lead_id: int | None
) -> dict[str, Any]:
    account = get_account(ctx.session, ctx.user, account_id) if account_id else None
    machines = service.machines_of(ctx, account.id) if account else []
    return {
        "account": account,
        "machines": machines,
        "opportunity_id": opportunity_id,
        "lead_id": lead_id,
        "cases": service.cases(
            ctx, account_id=account_id, opportunity_id=opportunity_id, lead_id=lead_id
        )
        if account
        else [],
        "default_cost": f"{ctx.settings.value.downtime_cost_per_hour_cents / 100:.2f}",
    }


@router.get("/value-cases/new", response_class=HTMLResponse)
def new_case_page(
    request: Request,
    ctx: RequestContext,
    account_id: Id,
    opportunity_id: Id | None = None,
    lead_id: Id | None = None,
) -> HTMLResponse:
    """The form that opens a value case for some of an account's machines."""
    require(ctx.user, "value_case.create")
    return render(request, "value/new.html", _new_context(ctx, account_id, opportunity_id, lead_id))


@router.post("/value-cases")
def create_case_page(
    request: Request, ctx: RequestContext, form: Annotated[NewCaseForm, Form()]
) -> Response:
    """Open the case and go to its page."""
    values = form.model_dump()
    text = {k: v for k, v in values.items() if isinstance(v, str)}

    def change() -> ValueCase:
        account = _id(text["account_id"], "account_id")
        if account is None:
            raise InvalidInput("account_id: choose the account")
        picked = [i for a in values.get("asset_ids") or [] if (i := _id(a, "asset_ids"))]
        cost = typed("downtime_cost_per_hour_cents", text["downtime_cost_per_hour_cents"])
        return service.create_case(
            ctx,
            account,
            picked or None,
            title=text["title"].strip() or None,
            opportunity_id=_id(text["opportunity_id"], "opportunity_id"),
            lead_id=_id(text["lead_id"], "lead_id"),
            assumptions={} if cost is None else {"downtime_cost_per_hour_cents": cost},
        )

    def again() -> dict[str, Any]:
        try:
            account = _id(text["account_id"], "account_id")
        except InvalidInput:
            account = None
        return _new_context(ctx, account, None, None)

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda c: RedirectResponse(f"/value-cases/{c.id}", status_code=303),
        FormPage("value/new.html", again),
        text,
    )


@router.get("/value-cases/quote-panel", response_class=HTMLResponse)
def quote_panel(request: Request, ctx: RequestContext, opportunity_id: Id) -> HTMLResponse:
    """What a quote page shows of its opportunity's newest value case (empty without one)."""
    found = service.cases(ctx, opportunity_id=opportunity_id)
    case = service.for_quote(ctx, found[0].id) if found else None
    return render(request, "value/_quote_panel.html", {"case": case})


@router.get("/value-cases/{case_id}.pdf")
def case_pdf_file(ctx: RequestContext, case_id: Id) -> Response:
    """The value case as the customer reads it, as a PDF."""
    r = service.read(ctx, case_id)
    return Response(
        case_pdf(r, ctx.settings.company_name),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="value-case-{case_id}.pdf"'},
    )


@router.get("/value-cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, ctx: RequestContext, case_id: Id) -> HTMLResponse:
    """One value case."""
    value_case = service.visible_case(ctx, case_id)
    name = "value/_case.html" if is_htmx(request) else "value/case.html"
    return render(request, name, case_context(ctx, value_case))


@router.post("/value-cases/{case_id}/assumptions")
def edit_assumptions_page(
    request: Request, ctx: RequestContext, case_id: Id, form: Annotated[AssumptionsForm, Form()]
) -> Response:
    """Change the assumptions; the case again with every figure recomputed (HTMX: the part)."""
    values = {k: str(v) for k, v in form.model_dump().items()}

    def change() -> ValueCase:
        changes = {a.name: typed(a.name, values.get(a.name, "")) for a in ASSUMPTIONS}
        version = _id(values.get("version", ""), "version")
        return service.edit_assumptions(ctx, case_id, changes, version, blank_is_default=True)

    def done(c: ValueCase) -> Response:
        if not is_htmx(request):
            return RedirectResponse(f"/value-cases/{c.id}", status_code=303)
        return render(request, "value/_case.html", case_context(ctx, c, "assumptions saved"))

    def again() -> dict[str, Any]:
        return case_context(ctx, service.visible_case(ctx, case_id))

    page = FormPage("value/case.html", again, "value/_case.html")
    return save_or_show_again(request, ctx.session, change, done, page, values)
