"""HTML pages of partners: the staff's ``/partners`` (list with filters, one partner, add and
change for who may manage), the opportunity page's panel (assign blueprint activities to
partners, the opportunity's competitors with a SWOT line each), the twin grid's ecosystem level;
and the partner's own ``/partner`` pages (its activities; a dealer's customers with their leads
and sign-up sheets). The competitor pages are in ``competitor_views``."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servitize.core.errors import InvalidInput
from servitize.core.inputs import Id, Text
from servitize.core.pages import render
from servitize.installed_base.access import may, require
from servitize.kit.forms import FormPage, save_or_show_again
from servitize.kit.htmx import is_htmx
from servitize.partners import competition, competitor_views, service
from servitize.partners import repository as repo
from servitize.partners.models import Partner, PartnerKind
from servitize.partners.schemas import OpportunityCompetitorIn, PartnerIn, PartnerPatch
from servitize.partners.service import PartnerView
from servitize.trust.context import Context
from servitize.trust.http import RequestContext

router = APIRouter(include_in_schema=False)
router.include_router(competitor_views.router)  # /competitors, the account 360's panel

KIND_WORDS = {
    PartnerKind.subcontractor: "Subcontractor",
    PartnerKind.software_provider: "Software provider",
    PartnerKind.data_provider: "Data provider",
    PartnerKind.integrator: "Integrator",
    PartnerKind.dealer: "Dealer",
}
FormText = Annotated[str, Form(max_length=4000)]
FormList = Annotated[list[str], Form(max_length=200)]
Search = Annotated[Text, Query(max_length=80)]
_SPLIT = re.compile(r"[\s,;]+")


def _id(text: str, name: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise InvalidInput(f"{name}: {text!r} is not a record number")
    return int(text)


def _ids(values: list[str], name: str) -> list[int]:
    return [i for i in (_id(v, name) for v in values) if i is not None]


def _form_context(ctx: Context, partner: PartnerView | None = None) -> dict[str, Any]:
    return {
        "partner": partner,
        "kinds": KIND_WORDS,
        "codes": service.blueprint_codes(),
        "partner_codes": service.partner_codes(),
        "offerings": repo.offerings(ctx.session),
        "dealers": repo.dealer_accounts(ctx.session),
        "error": None,
        "values": {},
    }


def _values_of(view: PartnerView, ctx: Context) -> dict[str, Any]:
    p = view.partner
    numbers = repo.account_numbers(ctx.session, [a for a, _n in view.accounts])
    return {
        "name": p.name,
        "kind": p.kind,
        "role": p.role,
        "boundary": p.boundary or "",
        "activity_codes": list(p.activity_codes or []),
        "accounts": "\n".join(numbers[a] for a, _n in view.accounts if a in numbers),
        "offering_ids": [str(o) for o, _n in view.offerings],
        "contact_name": p.contact_name or "",
        "contact_email": p.contact_email or "",
        "contact_phone": p.contact_phone or "",
        "dealer_account_id": str(p.dealer_account_id or ""),
        "active": p.active,
    }


def _account_ids(ctx: Context, text: str) -> list[int]:
    numbers = [n for n in _SPLIT.split(text.strip()) if n]
    found = repo.visible_by_number(ctx.session, ctx.user, numbers)
    missing = [n for n in numbers if n not in found]
    if missing:
        raise InvalidInput(f"account_ids: no account numbered {missing[0]!r}")
    return [found[n] for n in numbers]


@router.get("/partners", response_class=HTMLResponse)
def partners_page(
    request: Request,
    ctx: RequestContext,
    kind: PartnerKind | None = None,
    account_id: Id | None = None,
    q: Search | None = None,
) -> HTMLResponse:
    """Partners and dealers, filtered by kind, account, or a part of the name."""
    rows = service.list_partners(
        ctx, kind=kind.value if kind else None, account_id=account_id, text=q
    )
    return render(
        request,
        "partners/list.html",
        {
            "rows": rows,
            "kinds": KIND_WORDS,
            "kind": kind.value if kind else "",
            "account_id": account_id or "",
            "q": q or "",
            "may_manage": service.may_manage(ctx.user),
        },
    )


@router.get("/partners/new", response_class=HTMLResponse)
def new_partner_page(request: Request, ctx: RequestContext) -> HTMLResponse:
    """The form that adds a partner."""
    service.staff_only(ctx.user)
    require(ctx.user, "partner.manage")
    return render(request, "partners/form.html", _form_context(ctx))


def _posted(
    ctx: Context,
    name: str,
    kind: str,
    role: str,
    boundary: str,
    activity_codes: list[str],
    accounts: str,
    offering_ids: list[str],
    contact_name: str,
    contact_email: str,
    contact_phone: str,
    dealer_account_id: str,
    active: str,
) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "role": role,
        "boundary": boundary,
        "activity_codes": activity_codes,
        "account_ids": _account_ids(ctx, accounts),
        "offering_ids": _ids(offering_ids, "offering_ids"),
        "contact_name": contact_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
        "dealer_account_id": _id(dealer_account_id, "dealer_account_id"),
        "active": active != "no",
    }


@router.post("/partners")
def create_partner_page(
    request: Request,
    ctx: RequestContext,
    name: FormText = "",
    kind: FormText = "",
    role: FormText = "",
    boundary: FormText = "",
    activity_codes: FormList = [],  # noqa: B006 (FastAPI copies form defaults)
    accounts: FormText = "",
    offering_ids: FormList = [],  # noqa: B006
    contact_name: FormText = "",
    contact_email: FormText = "",
    contact_phone: FormText = "",
    dealer_account_id: FormText = "",
    active: FormText = "yes",
) -> Response:
    """Add a partner and go to it; the form again with the reason when refused."""
    require(ctx.user, "partner.manage")
    values = {
        "name": name,
        "kind": kind,
        "role": role,
        "boundary": boundary,
        "activity_codes": activity_codes,
        "accounts": accounts,
        "offering_ids": offering_ids,
        "contact_name": contact_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
        "dealer_account_id": dealer_account_id,
        "active": active != "no",
    }

    def change() -> Partner:
        data = _posted(
            ctx,
            name,
            kind,
            role,
            boundary,
            activity_codes,
            accounts,
            offering_ids,
            contact_name,
            contact_email,
            contact_phone,
            dealer_account_id,
            active,
        )
        return service.create_partner(ctx, PartnerIn.model_validate(data))

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda p: RedirectResponse(f"/partners/{p.id}?done=created", status_code=303),
        FormPage("partners/form.html", lambda: _form_context(ctx)),
        values,
    )


def _partner_context(ctx: Context, partner_id: int, **extra: Any) -> dict[str, Any]:
    view = service.get_partner(ctx, partner_id)
    return {
        "v": view,
        "kinds": KIND_WORDS,
        "codes": service.blueprint_codes(),
        "may_manage": service.may_manage(ctx.user),
        "work": repo.partner_work(ctx.session, partner_id),
        "error": None,
        "values": {},
        **extra,
    }


@router.get("/partners/{partner_id}", response_class=HTMLResponse)
def partner_page(
    request: Request,
    ctx: RequestContext,
    partner_id: Id,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """One partner: role, boundary, accounts, offerings, contact, users, assigned activities."""
    return render(request, "partners/partner.html", _partner_context(ctx, partner_id, done=done))


@router.get("/partners/{partner_id}/edit", response_class=HTMLResponse)
def edit_partner_page(request: Request, ctx: RequestContext, partner_id: Id) -> HTMLResponse:
    """The form that changes a partner."""
    require(ctx.user, "partner.manage")
    view = service.get_partner(ctx, partner_id)
    context = _form_context(ctx, view)
    context["values"] = _values_of(view, ctx)
    return render(request, "partners/form.html", context)


@router.post("/partners/{partner_id}")
def edit_partner_form(
    request: Request,
    ctx: RequestContext,
    partner_id: Id,
    name: FormText = "",
    kind: FormText = "",
    role: FormText = "",
    boundary: FormText = "",
    activity_codes: FormList = [],  # noqa: B006
    accounts: FormText = "",
    offering_ids: FormList = [],  # noqa: B006
    contact_name: FormText = "",
    contact_email: FormText = "",
    contact_phone: FormText = "",
    dealer_account_id: FormText = "",
    active: FormText = "yes",
) -> Response:
    """Change a partner (the whole form) and go back to it."""
    require(ctx.user, "partner.manage")
    values = {
        "name": name,
        "kind": kind,
        "role": role,
        "boundary": boundary,
        "activity_codes": activity_codes,
        "accounts": accounts,
        "offering_ids": offering_ids,
        "contact_name": contact_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
        "dealer_account_id": dealer_account_id,
        "active": active != "no",
    }

    def change() -> Partner:
        data = _posted(
            ctx,
            name,
            kind,
            role,
            boundary,
            activity_codes,
            accounts,
            offering_ids,
            contact_name,
            contact_email,
            contact_phone,
            dealer_account_id,
            active,
        )
        return service.edit_partner(ctx, partner_id, PartnerPatch.model_validate(data))

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda p: RedirectResponse(f"/partners/{p.id}?done=saved", status_code=303),
        FormPage(
            "partners/form.html",
            lambda: _form_context(ctx, service.get_partner(ctx, partner_id)),
        ),
        values,
    )


@router.post("/partners/{partner_id}/users")
def link_user_form(
    request: Request,
    ctx: RequestContext,
    partner_id: Id,
    username: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """Link a user of role partner to this partner."""
    require(ctx.user, "partner.manage")
    return save_or_show_again(
        request,
        ctx.session,
        lambda: service.link_user(ctx, partner_id, username.strip()),
        lambda _u: RedirectResponse(f"/partners/{partner_id}?done=linked", status_code=303),
        FormPage("partners/partner.html", lambda: _partner_context(ctx, partner_id)),
        {"username": username},
    )


# ---------------------------------------------------------------- the opportunity's panel


def _panel_context(ctx: Context, opportunity_id: int, **extra: Any) -> dict[str, Any]:
    opp, lines = service.opportunity_work(ctx, opportunity_id)
    partners = {p.id: p.name for p in repo.partners(ctx.session)}
    return {
        "o": opp,
        "lines": lines,
        "partner_names": partners,
        "rivals": competition.opportunity_competitors(ctx, opp.id),
        "master": repo.competitors(ctx.session),
        "may_assign": may(ctx.user, "partner.assign"),
        "may_record": may(ctx.user, "competitor.record"),
        "error": None,
        "values": {},
        **extra,
    }


@router.get("/opportunities/{opportunity_id}/ecosystem-panel", response_class=HTMLResponse)
def opportunity_panel(request: Request, ctx: RequestContext, opportunity_id: Id) -> HTMLResponse:
    """Partners on the opportunity's activities and its competitors (loaded by HTMX)."""
    if ctx.user.role in service.OUTSIDE:
        return HTMLResponse("")
    return render(request, "partners/_opportunity_panel.html", _panel_context(ctx, opportunity_id))


def _panel_done(request: Request, ctx: RequestContext, opportunity_id: int) -> Response:
    if is_htmx(request):
        return render(
            request, "partners/_opportunity_panel.html", _panel_context(ctx, opportunity_id)
        )
    return RedirectResponse(f"/opportunities/{opportunity_id}", status_code=303)


@router.post("/opportunities/{opportunity_id}/partner-assignments")
def assign_form(
    request: Request,
    ctx: RequestContext,
    opportunity_id: Id,
    activity_id: FormText = "",
    partner_id: FormText = "",
) -> Response:
    """Assign one of the opportunity's activities to a partner (empty: to nobody)."""
    require(ctx.user, "partner.assign")

    def change() -> None:
        activity = _id(activity_id, "activity_id")
        if activity is None:
            raise InvalidInput("activity_id: required")
        row = repo.activity(ctx.session, activity)
        if row is None or row.opportunity_id != opportunity_id:
            raise InvalidInput(f"activity_id: not an activity of opportunity {opportunity_id}")
        service.assign(ctx, activity, _id(partner_id, "partner_id"))

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda _r: _panel_done(request, ctx, opportunity_id),
        FormPage(
            "partners/opportunity_form.html",
            lambda: _panel_context(ctx, opportunity_id),
            fragment="partners/_opportunity_panel.html",
        ),
        {"activity_id": activity_id, "partner_id": partner_id},
    )


@router.post("/opportunities/{opportunity_id}/competitors")
def opportunity_competitor_form(
    request: Request,
    ctx: RequestContext,
    opportunity_id: Id,
    competitor_id: FormText = "",
    strengths: FormText = "",
    weaknesses: FormText = "",
    opportunities: FormText = "",
    threats: FormText = "",
) -> Response:
    """Name a competitor in the opportunity with its SWOT line (or change the line)."""
    require(ctx.user, "competitor.record")
    values = {
        "competitor_id": competitor_id,
        "strengths": strengths,
        "weaknesses": weaknesses,
        "opportunities": opportunities,
        "threats": threats,
    }

    def change() -> None:
        cid = _id(competitor_id, "competitor_id")
        if cid is None:
            raise InvalidInput("competitor_id: choose a competitor")
        data = OpportunityCompetitorIn.model_validate(values | {"competitor_id": cid})
        competition.set_opportunity_competitor(ctx, opportunity_id, data)

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda _r: _panel_done(request, ctx, opportunity_id),
        FormPage(
            "partners/opportunity_form.html",
            lambda: _panel_context(ctx, opportunity_id),
            fragment="partners/_opportunity_panel.html",
        ),
        values,
    )


# ---------------------------------------------------------------- the twin's ecosystem level


@router.get("/twin/ecosystem", response_class=HTMLResponse)
def twin_ecosystem(
    request: Request, ctx: RequestContext, account_id: Id | None = None
) -> HTMLResponse:
    """The ecosystem level of the twin grid: the real actors around each account (partners,
    the dealer, competitors holding installed base), for one account or the busiest ones."""
    if ctx.user.role in service.OUTSIDE:
        return HTMLResponse("")
    return render(
        request,
        "partners/_twin_ecosystem.html",
        {"rows": competition.ecosystem_rows(ctx, account_id), "account_id": account_id},
    )


# ---------------------------------------------------------------- the partner's own pages


@router.get("/partner", response_class=HTMLResponse)
def partner_home(
    request: Request, ctx: RequestContext, done: Annotated[str, Query(max_length=20)] = ""
) -> HTMLResponse:
    """A partner's user: the activities assigned to their partner, nothing else of the deals."""
    p, items = service.my_work(ctx)
    return render(
        request,
        "partners/partner_home.html",
        {"p": p, "items": items, "done": done, "is_dealer": p.kind == PartnerKind.dealer},
    )


@router.post("/partner/activities/{activity_id}/done")
def partner_tick(request: Request, ctx: RequestContext, activity_id: Id) -> Response:
    """Tick an assigned activity done; the list again with the reason when refused."""
    require(ctx.user, "activity.partner_done", own=True)

    def page() -> dict[str, Any]:
        p, items = service.my_work(ctx)
        return {"p": p, "items": items, "done": "", "is_dealer": p.kind == PartnerKind.dealer}

    return save_or_show_again(
        request,
        ctx.session,
        lambda: service.tick_done(ctx, activity_id),
        lambda _i: RedirectResponse("/partner?done=ticked", status_code=303),
        FormPage("partners/partner_home.html", page),
    )


@router.get("/partner/customers", response_class=HTMLResponse)
def partner_customers(request: Request, ctx: RequestContext) -> HTMLResponse:
    """A dealer's customers with their open leads and sign-up sheets."""
    customers = service.dealer_customers(ctx)
    return render(request, "partners/partner_customers.html", {"customers": customers})


@router.get("/partner/customers/{account_id}", response_class=HTMLResponse)
def partner_customer(request: Request, ctx: RequestContext, account_id: Id) -> HTMLResponse:
    """One customer of the dealer: its open leads and sign-up sheets (404 for any other)."""
    customer = service.dealer_customer(ctx, account_id)
    return render(request, "partners/partner_customer.html", {"c": customer})
