"""Pages of the organisation types: /org/types (the four types, the assignments with their
start, who and why, the form that adds or ends one, the sellers at each desk, and a type's
effects in words) and the account 360's panel "Served as type N — why"."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servitize.core.errors import InvalidInput
from servitize.core.inputs import Id
from servitize.core.pages import render
from servitize.installed_base.access import get_account, may
from servitize.kit.forms import FormPage, save_or_show_again
from servitize.org_types import charts, rules, service
from servitize.trust.context import Context
from servitize.trust.http import RequestContext

router = APIRouter(include_in_schema=False)
PAGE = "org_types/types.html"
DONE = {
    "assigned": "Type assigned.",
    "ended": "Assignment ended.",
    "seated": "Seller seated.",
    "removed": "Seller removed.",
}
Field80 = Annotated[str, Form(max_length=80)]


def _day(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not a date (YYYY-MM-DD)") from None


def _context(ctx: Context, chosen: int | None = None, done: str = "") -> dict[str, Any]:
    counts = service.counts(ctx)
    s = ctx.settings.org_types
    shown = chosen if chosen in rules.TYPES else s.default_type
    return {
        "types": [rules.TYPES[n] for n in rules.TYPE_NUMBERS],
        "counts": counts,
        "picture": charts.served_bars(counts),
        "precedence": [b.value for b in rules.PRECEDENCE],
        "default_type": s.default_type,
        "enforce_default": s.enforce_default,
        "assignments": service.assignments(ctx),
        "sellers": [service.seller_dict(x, u) for x, u in service.sellers(ctx)],
        "desks": [(d.value, rules.DESK_NAMES[d]) for d in rules.Desk],
        "families": [f.value for f in rules.Family],
        "chosen": shown,
        "effects": service.effects(shown),
        "segments": sorted(set(rules.KNOWN_SEGMENTS)),
        "may_assign": may(ctx.user, "org_type.assign"),
        "may_seat": may(ctx.user, "org_type.sellers"),
        "done": DONE.get(done, ""),
        "today": ctx.today.isoformat(),
    }


@router.get("/org/types", response_class=HTMLResponse)
def types_page(
    request: Request, ctx: RequestContext, effects: int | None = None, done: str = ""
) -> HTMLResponse:
    """The four types, the assignments, the sellers and one type's effects."""
    return render(request, PAGE, _context(ctx, effects, done))


def _again(ctx: Context) -> FormPage:
    return FormPage(PAGE, lambda: _context(ctx))


def _back(done: str) -> Response:
    return RedirectResponse(f"/org/types?done={done}", status_code=303)


@router.post("/org/types/assignments")
def add_assignment(
    request: Request,
    ctx: RequestContext,
    basis: Field80 = "",
    value: Annotated[str, Form(max_length=200)] = "",
    accounts: Annotated[str, Form(max_length=4000)] = "",
    org_type: Field80 = "",
    valid_from: Field80 = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Assign a type to a customer group; the page again with the reason when refused."""
    values = {
        "basis": basis,
        "value": value,
        "accounts": accounts,
        "org_type": org_type,
        "valid_from": valid_from,
        "reason": reason,
    }

    def change() -> object:
        service.require_assign(ctx)
        start = _day(valid_from, "valid_from")
        if basis == "account":
            group = [x.strip() for x in accounts.replace(";", ",").split(",")]
        else:
            group = [value]
        return service.assign(ctx, basis, group, org_type, start, reason)

    return save_or_show_again(
        request, ctx.session, change, lambda _: _back("assigned"), _again(ctx), values
    )


@router.post("/org/types/assignments/{assignment_id}/end")
def end_assignment(
    request: Request,
    ctx: RequestContext,
    assignment_id: Id,
    valid_to: Field80 = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """End an assignment from a day on."""

    def change() -> object:
        service.require_assign(ctx)
        return service.end(ctx, assignment_id, _day(valid_to, "valid_to"), reason)

    return save_or_show_again(
        request, ctx.session, change, lambda _: _back("ended"), _again(ctx), {}
    )


@router.post("/org/types/sellers")
def add_seller(
    request: Request,
    ctx: RequestContext,
    user: Field80 = "",
    desk: Field80 = "",
    territory: Field80 = "",
) -> Response:
    """Seat a seller at a desk."""
    values = {"user": user, "desk": desk, "territory": territory}
    return save_or_show_again(
        request,
        ctx.session,
        lambda: service.seat(ctx, user, desk, territory or None),
        lambda _: _back("seated"),
        _again(ctx),
        values,
    )


@router.post("/org/types/sellers/{seller_id}/remove")
def remove_seller(request: Request, ctx: RequestContext, seller_id: Id) -> Response:
    """Remove a seller from a desk."""
    return save_or_show_again(
        request,
        ctx.session,
        lambda: service.unseat(ctx, seller_id),
        lambda _: _back("removed"),
        _again(ctx),
        {},
    )


@router.get("/accounts/{account_id}/org-type-panel", response_class=HTMLResponse)
def account_panel(request: Request, ctx: RequestContext, account_id: Id) -> HTMLResponse:
    """The account 360's panel: which type serves the account and why (loaded by HTMX)."""
    get_account(ctx.session, ctx.user, account_id)  # 404 outside the scope
    return render(request, "org_types/_account_panel.html", {"x": service.explain(ctx, account_id)})
