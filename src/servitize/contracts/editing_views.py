"""The page to create an availability contract (contracts.editing)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, create_model

from servitize.contracts import editing
from servitize.core.pages import render
from servitize.installed_base import repository as installed_base
from servitize.installed_base.access import require
from servitize.installed_base.editing_rules import reasons_by_field
from servitize.kit.forms import FormPage, save_or_show_again
from servitize.trust.context import Context
from servitize.trust.http import RequestContext

router = APIRouter(include_in_schema=False)

if TYPE_CHECKING:  # built at run time from the field list; to the type checker, a form model
    ContractForm = BaseModel
else:
    ContractForm = create_model(
        "ContractForm",
        __config__=ConfigDict(extra="ignore"),
        **dict.fromkeys(editing.FIELDS, (str, "")),
    )


def _context(ctx: Context, account_id: int | None = None) -> dict[str, Any]:
    accounts = installed_base.account_choices(ctx.session, ctx.user, 500)
    return {
        "accounts": [(a.id, a.name) for a in accounts],
        "values": {
            "account_id": account_id or "",
            "name": "Availability contract",
            "target_pct": "98",
            "penalty_step": "0.5",
            "bonus_step": "0.5",
            "valid_from": ctx.today.replace(day=1).isoformat(),
        },
        "errors": {},
    }


def _render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    errors = reasons_by_field(context.get("error"), editing.FIELDS)
    return render(request, name, {**context, "errors": errors}, status_code)


@router.get("/contracts/new", response_class=HTMLResponse)
def new_contract_form(
    request: Request, ctx: RequestContext, account_id: int | None = None
) -> HTMLResponse:
    """The form to create an availability contract for an account."""
    require(ctx.user, "contract.create")
    return render(request, "contracts/contract_new.html", _context(ctx, account_id))


@router.post("/contracts/new", response_class=HTMLResponse)
def new_contract_save(
    request: Request, ctx: RequestContext, form: Annotated[ContractForm, Form()]
) -> Response:
    """Create the contract; to its report, or the form again with each field's reason (422)."""
    values = form.model_dump()
    return save_or_show_again(
        request,
        ctx.session,
        lambda: editing.create(ctx.session, ctx.user, values),
        lambda c: RedirectResponse(f"/contracts/{c.id}/report", status_code=303),
        FormPage("contracts/contract_new.html", lambda: _context(ctx)),
        values,
        render=_render,
    )
