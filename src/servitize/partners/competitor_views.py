"""HTML pages of the competitor master: ``/competitors`` (by type, with share of the installed
base and win/loss, CSV), one competitor (installed base per account, actions, alerts, the forms
that change it and record an action), ``/competitors/alerts``, and the account 360's panel."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servitize.core.errors import InvalidInput
from servitize.core.inputs import Id
from servitize.core.pages import render
from servitize.installed_base.access import may, require
from servitize.kit.forms import FormPage, save_or_show_again
from servitize.partners import competition
from servitize.partners import repository as repo
from servitize.partners.models import ActionKind, CompetitorType
from servitize.partners.schemas import ActionIn, CompetitorIn
from servitize.partners.service import OUTSIDE
from servitize.trust.context import Context
from servitize.trust.http import RequestContext

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form(max_length=4000)]
Done = Annotated[str, Query(max_length=20)]
ACTION_WORDS = {
    ActionKind.price: "Price",
    ActionKind.offer: "Offer",
    ActionKind.contract_won: "Contract won",
}


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{name}: {text!r} is not a day (YYYY-MM-DD)") from None


def _aliases(text: str) -> list[str]:
    return [a.strip() for a in text.replace(";", "\n").splitlines() if a.strip()]


def _list_context(ctx: Context, type_: str | None = None, **extra: Any) -> dict[str, Any]:
    rows, total = competition.list_competitors(ctx, type_)
    groups: dict[str, list[competition.CompetitorRow]] = {}
    for r in rows:
        groups.setdefault(r.competitor.type, []).append(r)
    return {
        "groups": groups,
        "total": total,
        "types": competition.TYPE_WORDS,
        "type": type_ or "",
        "may_manage": may(ctx.user, "competitor.manage"),
        "unmatched": competition.presence(ctx).unmatched,
        "error": None,
        "values": {},
        **extra,
    }


@router.get("/competitors", response_class=HTMLResponse)
def competitors_page(
    request: Request,
    ctx: RequestContext,
    type: CompetitorType | None = None,
    done: Done = "",
) -> HTMLResponse:
    """The competitor master by type: share of the installed base, accounts, win/loss."""
    return render(
        request,
        "partners/competitors.html",
        _list_context(ctx, type.value if type else None, done=done),
    )


@router.get("/competitors.csv", response_class=Response)
def competitors_csv(ctx: RequestContext, type: CompetitorType | None = None) -> Response:
    """The list as CSV: the page's numbers."""
    return Response(
        competition.list_csv(ctx, type.value if type else None),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="competitors.csv"'},
    )


@router.post("/competitors")
def create_competitor_form(
    request: Request,
    ctx: RequestContext,
    name: FormText = "",
    type: FormText = "",
    products: FormText = "",
    aliases: FormText = "",
    notes: FormText = "",
) -> Response:
    """Add a competitor and go to it."""
    require(ctx.user, "competitor.manage")
    values = {"name": name, "type": type, "products": products, "aliases": aliases, "notes": notes}

    def change() -> Any:
        data = CompetitorIn.model_validate(values | {"aliases": _aliases(aliases)})
        return competition.create_competitor(ctx, data)

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda c: RedirectResponse(f"/competitors/{c.id}?done=created", status_code=303),
        FormPage("partners/competitors.html", lambda: _list_context(ctx)),
        values,
    )


@router.get("/competitors/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request, ctx: RequestContext, unseen: bool = False, done: Done = ""
) -> HTMLResponse:
    """Competitors that appeared where they were not before, at the accounts the user sees."""
    return render(
        request,
        "partners/alerts.html",
        {
            "alerts": competition.alerts(ctx, unseen=unseen),
            "unseen": unseen,
            "done": done,
            "may_record": may(ctx.user, "competitor.record"),
        },
    )


@router.post("/competitors/alerts/scan")
def scan_form(request: Request, ctx: RequestContext) -> Response:
    """Look for competitors new at an account (after an import of machines)."""
    require(ctx.user, "competitor.record")
    raised = competition.scan(ctx)
    return RedirectResponse(f"/competitors/alerts?done={len(raised)}-raised", status_code=303)


@router.post("/competitors/alerts/{alert_id}/seen")
def seen_form(request: Request, ctx: RequestContext, alert_id: Id) -> Response:
    """Mark an alert read; back to where it was shown."""
    require(ctx.user, "competitor.record")
    row = competition.mark_seen(ctx, alert_id)
    if request.headers.get("hx-request") == "true":
        return HTMLResponse('<span class="muted">read</span>')
    back = f"/accounts/{row.account_id}" if request.query_params.get("back") == "account" else ""
    return RedirectResponse(back or "/competitors/alerts?done=read", status_code=303)


def _detail_context(ctx: Context, competitor_id: int, **extra: Any) -> dict[str, Any]:
    d = competition.get_competitor(ctx, competitor_id)
    c = d.competitor
    return {
        "d": d,
        "types": competition.TYPE_WORDS,
        "action_words": ACTION_WORDS,
        "may_manage": may(ctx.user, "competitor.manage"),
        "may_record": may(ctx.user, "competitor.record"),
        "edit": {
            "name": c.name,
            "type": c.type,
            "products": c.products or "",
            "aliases": "\n".join(c.aliases or []),
            "notes": c.notes or "",
        },
        "today": ctx.today.isoformat(),
        "error": None,
        "values": {},
        "done": "",
        **extra,
    }


@router.get("/competitors/{competitor_id}", response_class=HTMLResponse)
def competitor_page(
    request: Request, ctx: RequestContext, competitor_id: Id, done: Done = ""
) -> HTMLResponse:
    """One competitor: installed base per account, observed actions, win/loss, alerts."""
    return render(
        request, "partners/competitor.html", _detail_context(ctx, competitor_id, done=done)
    )


@router.post("/competitors/{competitor_id}")
def edit_competitor_form(
    request: Request,
    ctx: RequestContext,
    competitor_id: Id,
    name: FormText = "",
    type: FormText = "",
    products: FormText = "",
    aliases: FormText = "",
    notes: FormText = "",
) -> Response:
    """Change a competitor (aliases one per line)."""
    require(ctx.user, "competitor.manage")
    values = {"name": name, "type": type, "products": products, "aliases": aliases, "notes": notes}

    def change() -> Any:
        data = CompetitorIn.model_validate(values | {"aliases": _aliases(aliases)})
        return competition.edit_competitor(ctx, competitor_id, data)

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda c: RedirectResponse(f"/competitors/{c.id}?done=saved", status_code=303),
        FormPage("partners/competitor.html", lambda: _detail_context(ctx, competitor_id)),
        values,
    )


@router.post("/competitors/{competitor_id}/actions")
def action_form(
    request: Request,
    ctx: RequestContext,
    competitor_id: Id,
    kind: FormText = "",
    observed_on: FormText = "",
    source: FormText = "",
    account: FormText = "",
    detail: FormText = "",
) -> Response:
    """Record an observed action (the account by its number, or none)."""
    require(ctx.user, "competitor.record")
    values = {
        "kind": kind,
        "observed_on": observed_on,
        "source": source,
        "account": account,
        "detail": detail,
    }

    def change() -> Any:
        account_id = None
        if account.strip():
            found = repo.visible_by_number(ctx.session, ctx.user, [account.strip()])
            if account.strip() not in found:
                raise InvalidInput(f"account_id: no account numbered {account.strip()!r}")
            account_id = found[account.strip()]
        data = ActionIn.model_validate(
            {
                "kind": kind,
                "observed_on": _day(observed_on, "observed_on"),
                "source": source,
                "account_id": account_id,
                "detail": detail,
            }
        )
        return competition.record_action(ctx, competitor_id, data)

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda _a: RedirectResponse(f"/competitors/{competitor_id}?done=recorded", status_code=303),
        FormPage("partners/competitor.html", lambda: _detail_context(ctx, competitor_id)),
        values,
    )


@router.get("/accounts/{account_id}/competitors-panel", response_class=HTMLResponse)
def account_panel(request: Request, ctx: RequestContext, account_id: Id) -> HTMLResponse:
    """Competitor share of the account's installed base, recent actions and unread alerts (the
    account 360 loads it by HTMX)."""
    if ctx.user.role in OUTSIDE:
        return HTMLResponse("")
    panel = competition.account_panel(ctx, account_id)
    return render(request, "partners/_account_competitors.html", {"p": panel})
