"""Pages: edit an opportunity (value with its currency and what it is worth in the account's and
the company's currency), and open an opportunity from a lead with one button."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, create_model

from servitize.core.pages import render
from servitize.installed_base.access import require
from servitize.installed_base.editing_rules import reasons_by_field
from servitize.kit.forms import FormPage, save_or_show_again
from servitize.sales import editing, editing_leads
from servitize.sales import repository as repo
from servitize.trust.context import Context
from servitize.trust.http import RequestContext

router = APIRouter(include_in_schema=False)
FORM_FIELDS = editing.FIELDS

if TYPE_CHECKING:  # built at run time from the field list; to the type checker, a form model
    OpportunityForm = BaseModel
else:
    OpportunityForm = create_model(
        "OpportunityForm",
        __config__=ConfigDict(extra="ignore"),
        **dict.fromkeys(FORM_FIELDS, (str, "")),
    )


def _context(ctx: Context, opportunity_id: int) -> dict[str, Any]:
    opp = repo.get(ctx.session, ctx.user, opportunity_id)
    read = editing.service.read_one(ctx.session, ctx.user, opp)
    currencies = list(
        dict.fromkeys((opp.currency, ctx.settings.company_currency, *editing.COMMON_CURRENCIES))
    )
    return {
        "o": read,
        "values": editing.form_values(opp),
        "errors": {},
        "currencies": currencies,
        "equivalents": editing.equivalents(
            ctx.session, ctx.user, opp, ctx.settings.company_currency, ctx.today
        ),
    }


def _render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    errors = reasons_by_field(context.get("error"), FORM_FIELDS)
    return render(request, name, {**context, "errors": errors}, status_code)


@router.get("/opportunities/{opportunity_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, ctx: RequestContext, opportunity_id: int) -> HTMLResponse:
    """The form to change an opportunity's title, value and currency, close, probability, terms."""
    context = _context(ctx, opportunity_id)
    require(ctx.user, "opportunity.edit")
    return render(request, "sales/opportunity_edit.html", context)


@router.post("/opportunities/{opportunity_id}/edit", response_class=HTMLResponse)
def edit_save(
    request: Request,
    ctx: RequestContext,
    opportunity_id: int,
    form: Annotated[OpportunityForm, Form()],
) -> Response:
    """Save; back to the opportunity, or the form again with each field's reason (422)."""
    values = form.model_dump()
    return save_or_show_again(
        request,
        ctx.session,
        lambda: editing.edit(ctx.session, ctx.user, opportunity_id, values),
        lambda _saved: RedirectResponse(f"/opportunities/{opportunity_id}", status_code=303),
        FormPage("sales/opportunity_edit.html", lambda: _context(ctx, opportunity_id)),
        values,
        render=_render,
    )


@router.post("/leads/{lead_id}/opportunity")
def open_from_lead(ctx: RequestContext, lead_id: int) -> Response:
    """ "Open an opportunity": prefilled from the lead, the lead converted, its clock stopped."""
    opp = editing_leads.open_from_lead(ctx.session, ctx.user, lead_id, ctx.now)
    return RedirectResponse(f"/opportunities/{opp.id}", status_code=303)
