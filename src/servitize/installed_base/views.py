"""HTML pages of the installed base: accounts list, account 360, asset page.

One URL, two renderings: a full page, or (for HTMX) the fragment of its ``_partial`` template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servitize.core.formats import label
from servitize.core.pages import render, text_form
from servitize.installed_base import buying_centre, editing_views, fixes, service
from servitize.installed_base.access import SALESPEOPLE, get_account, may, require
from servitize.installed_base.models import (
    BuyingRole,
    Connectivity,
    ContactLevel,
    Origin,
    ServiceCoverage,
)
from servitize.installed_base.repository import ACCOUNT_SORTS
from servitize.installed_base.schemas import Page
from servitize.kit.export import EXPORT_MAX_ROWS, Table, respond
from servitize.kit.forms import FormPage, save_or_show_again
from servitize.kit.htmx import is_htmx_for, vary
from servitize.trust.context import Context
from servitize.trust.http import RequestContext
from servitize.trust.lists import list_links

router = APIRouter(include_in_schema=False)

ACCOUNTS_PER_PAGE = 25
ASSETS_PER_PAGE = 15
EVENTS_PER_PAGE = 20
Text = Annotated[str | None, Query(max_length=200)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


@dataclass(frozen=True)
class Pager:
    """The pagination bar of one page of a list: rows shown, total, links to the neighbours."""

    first: int
    last: int
    total: int
    prev: str | None
    next: str | None


def pager(page: Page[Any], base: str, params: dict[str, Any], key: str = "offset") -> Pager:
    """Links and numbers for the pagination bar of one page of a list."""

    def link(offset: int) -> str:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        if offset:
            query[key] = offset
        return f"{base}?{urlencode(query)}" if query else base

    end = min(page.offset + len(page.items), page.total)
    has_prev, has_next = page.offset > 0, end < page.total
    return Pager(
        first=page.offset + 1 if page.items else 0,
        last=end,
        total=page.total,
        prev=link(max(page.offset - page.limit, 0)) if has_prev else None,
        next=link(page.offset + page.limit) if has_next else None,
    )


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request,
    ctx: RequestContext,
    q: Text = None,
    owner: Text = None,
    country: Text = None,
    industry: Text = None,
    territory: Text = None,
    sort: Text = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """The accounts the user may see, filtered, sorted and paginated."""
    filters = {
        "q": q,
        "owner": owner,
        "country": country,
        "industry": industry,
        "territory": territory,
    }
    order = ACCOUNT_SORTS.parse(sort)  # an unknown column: 422 naming the allowed ones
    page = service.list_accounts(
        ctx.session,
        ctx.user,
        **{k: v or None for k, v in filters.items()},
        limit=ACCOUNTS_PER_PAGE,
        offset=offset,
        sort=order,
    )
    shown = list_links(ctx, "/accounts", filters, order, ACCOUNT_SORTS)
    context: dict[str, Any] = {
        "page": page,
        "filters": filters,
        "pager": pager(page, "/accounts", shown.params),
        "list": shown,
    }
    if is_htmx_for(request, "account-results"):
        return vary(render(request, "installed_base/_accounts.html", context))
    context["facets"] = service.account_facets(ctx.session, ctx.user)
    return vary(render(request, "installed_base/accounts.html", context))


@router.get("/accounts.{fmt}")
def accounts_export(
    ctx: RequestContext,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    q: Text = None,
    owner: Text = None,
    country: Text = None,
    industry: Text = None,
    territory: Text = None,
    sort: Text = None,
) -> Response:
    """The accounts list as CSV or XLSX: every page of what it shows, so filtered and sorted."""
    filters = {"q": q, "owner": owner, "country": country, "industry": industry}
    found = service.list_accounts(
        ctx.session,
        ctx.user,
        **{k: v or None for k, v in filters.items()},
        territory=territory or None,
        limit=EXPORT_MAX_ROWS,
        offset=0,
        sort=ACCOUNT_SORTS.parse(sort),
    )
    rows = [
        [
            a.name,
            a.external_id,
            (a.owner.full_name or a.owner.username) if a.owner else None,
            a.country,
            label(a.industry) if a.industry else None,
            label(a.territory) if a.territory else None,
            a.volume,
            a.profitability_potential,
        ]
        for a in found.items
    ]
    headings = ["Account", "Customer no.", "Owner", "Country", "Industry", "Territory"]
    table = Table([*headings, "Volume", "Potential"], rows, cut=found.total > len(rows))
    return respond(table, fmt, "accounts")


@router.get("/accounts/{account_id}", response_class=HTMLResponse)
def account_page(
    request: Request,
    ctx: RequestContext,
    account_id: int,
    assets_offset: Offset = 0,
) -> HTMLResponse:
    """The account 360: one face to the customer; HTMX pages through its installed base."""
    session, user = ctx.session, ctx.user
    if is_htmx_for(request, "installed-base"):
        get_account(session, user, account_id)  # 404 outside the user's scope
        assets = service.list_assets(
            session,
            user,
            account_id=account_id,
            today=ctx.today,
            limit=ASSETS_PER_PAGE,
            offset=assets_offset,
        )
        context = {
            "assets": assets,
            "site_names": service.site_names(session, account_id),
            "asset_pager": pager(assets, f"/accounts/{account_id}", {}, key="assets_offset"),
        }
        return vary(render(request, "installed_base/_assets.html", context))
    shown = service.account_360_page(
        ctx, account_id, assets_offset=assets_offset, assets_limit=ASSETS_PER_PAGE
    )
    a360, assets = shown.view, shown.machines
    context = {
        "a": a360,
        "account": a360.account,
        "assets": assets,
        "asset_pager": pager(assets, f"/accounts/{account_id}", {}, key="assets_offset"),
        "site_names": {s.id: s.name for s in a360.sites},
        "technicians": shown.users,
        "owner_choices": (
            service.owner_choices(session, SALESPEOPLE) if may(user, "account.assign_owner") else []
        ),
        "may_edit_account": may(
            user,
            "account.edit",
            own=a360.account.owner is not None and a360.account.owner.id == user.id,
        ),
        "may_edit_records": may(user, "site.edit"),
    }
    return vary(render(request, "installed_base/account.html", context))


@router.get("/assets/{asset_id}", response_class=HTMLResponse)
def asset_page(
    request: Request,
    ctx: RequestContext,
    asset_id: int,
    events_offset: Offset = 0,
) -> HTMLResponse:
    """One machine: details, coverage, age, its line, and its work orders."""
    session, user = ctx.session, ctx.user
    asset = service.get_asset(session, user, asset_id, today=ctx.today)
    events = service.list_service_events(
        session, user, asset_id=asset_id, limit=EVENTS_PER_PAGE, offset=events_offset
    )
    context: dict[str, Any] = {
        "asset": asset,
        "events": events,
        "events_pager": pager(events, f"/assets/{asset_id}", {}, key="events_offset"),
        "technicians": service.technicians_of(session, events.items),
    }
    if is_htmx_for(request, "service-events"):
        return vary(render(request, "installed_base/_events.html", context))
    account = get_account(session, user, asset.account_id)
    children = service.list_assets(
        session, user, parent_id=asset.id, today=ctx.today, limit=50
    ).items
    context |= {
        "account": account,
        "site_names": service.site_names(session, asset.account_id),
        "parent": (
            service.get_asset(session, user, asset.parent_id, today=ctx.today)
            if asset.parent_id
            else None
        ),
        "children": children,
    }
    return vary(render(request, "installed_base/asset.html", context))


def _form_render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """kit.forms hands the reason as ``error``; these forms show it as ``message``."""
    return render(request, name, {**context, "message": context.get("error")}, status_code)


def _fix_context(ctx: Context, asset_id: int) -> dict[str, Any]:
    session, user = ctx.session, ctx.user
    asset = service.get_asset(session, user, asset_id, today=ctx.today)
    return {
        "asset": asset,
        "account": get_account(session, user, asset.account_id),
        "values": asset.model_dump(),
        "sites": service.sites_of(session, asset.account_id),
        "origins": list(Origin),
        "connectivities": list(Connectivity),
        "coverages": list(ServiceCoverage),
    }


@router.get("/assets/{asset_id}/fix", response_class=HTMLResponse)
def fix_asset_page(request: Request, ctx: RequestContext, asset_id: int) -> HTMLResponse:
    """The form to fix a machine's record (what the data health score asks for)."""
    require(ctx.user, "asset.edit")  # the analyst reads: no form to fill in vain
    return render(request, "installed_base/fix_asset.html", _fix_context(ctx, asset_id))


if TYPE_CHECKING:  # built at run time from the input models; to the type checker, form models
    from pydantic import BaseModel

    FixForm = BaseModel
    ContactForm = BaseModel
else:
    FixForm = text_form(fixes.AssetFix)
    ContactForm = text_form(buying_centre.NewContact)


@router.post("/assets/{asset_id}/fix", response_class=HTMLResponse)
def fix_asset_save(
    request: Request,
    ctx: RequestContext,
    asset_id: int,
    form: Annotated[FixForm, Form()],
) -> Response:
    """Save the form; back to the machine, or the form again with every reason."""
    values = form.model_dump()
    return save_or_show_again(
        request,
        ctx.session,
        lambda: fixes.fix_asset(
            ctx.session, ctx.user, asset_id, fixes.parse_fix(values), today=ctx.today
        ),
        lambda _fixed: RedirectResponse(f"/assets/{asset_id}", status_code=303),
        FormPage("installed_base/fix_asset.html", lambda: _fix_context(ctx, asset_id)),
        values,
        render=_form_render,
    )


def _contact_context(ctx: Context, account_id: int) -> dict[str, Any]:
    return {
        "account": get_account(ctx.session, ctx.user, account_id),
        "values": {},
        "roles": list(BuyingRole),
        "levels": list(ContactLevel),
    }


@router.get("/accounts/{account_id}/contacts/new", response_class=HTMLResponse)
def new_contact_page(request: Request, ctx: RequestContext, account_id: int) -> HTMLResponse:
    """The form to add a person to the account's buying centre."""
    require(ctx.user, "contact.add")
    return render(request, "installed_base/new_contact.html", _contact_context(ctx, account_id))


@router.post("/accounts/{account_id}/contacts/new", response_class=HTMLResponse)
def new_contact_save(
    request: Request,
    ctx: RequestContext,
    account_id: int,
    form: Annotated[ContactForm, Form()],
) -> Response:
    """Save the form; back to the 360's buying centre, or the form again with every reason."""
    values = form.model_dump()
    return save_or_show_again(
        request,
        ctx.session,
        lambda: buying_centre.add_contact(
            ctx.session, ctx.user, account_id, buying_centre.parse_contact(values)
        ),
        lambda _added: RedirectResponse(f"/accounts/{account_id}#bc-title", status_code=303),
        FormPage("installed_base/new_contact.html", lambda: _contact_context(ctx, account_id)),
        values,
        render=_form_render,
    )


# Editing accounts, sites and contacts (installed_base.editing_views).
router.include_router(editing_views.router)
