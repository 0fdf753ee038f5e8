"""Pages to edit an account, its sites and its contacts (installed_base.editing).

A refused change shows the form again at 422 with what was typed and each reason next to its
field; a saved one goes back to the account 360.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, create_model

from servitize.core.formats import label
from servitize.core.pages import render
from servitize.installed_base import editing
from servitize.installed_base.access import get_account, require
from servitize.installed_base.editing_rules import reasons_by_field
from servitize.installed_base.models import BuyingRole, ContactLevel, OwnershipType
from servitize.kit.forms import FormPage, save_or_show_again
from servitize.trust.context import Context
from servitize.trust.http import RequestContext

router = APIRouter(include_in_schema=False)


def _render(fields: tuple[str, ...]) -> Callable[..., Response]:
    def run(
        request: Request, name: str, context: dict[str, Any], status_code: int = 200
    ) -> Response:
        errors = reasons_by_field(context.get("error"), fields)
        return render(request, name, {**context, "errors": errors}, status_code)

    return run


def _form_of(name: str, fields: tuple[str, ...]) -> type[BaseModel]:
    """A form as posted: every field as text, empty when not sent (the CSRF token ignored)."""
    texts: dict[str, Any] = dict.fromkeys(fields, (str, ""))
    return create_model(name, __config__=ConfigDict(extra="ignore"), **texts)


if TYPE_CHECKING:  # built at run time from the field lists; to the type checker, form models
    AccountForm = BaseModel
    SiteForm = BaseModel
    ContactForm = BaseModel
else:
    AccountForm = _form_of("AccountForm", editing.ACCOUNT_FIELDS)
    SiteForm = _form_of("SiteForm", editing.SITE_FIELDS)
    ContactForm = _form_of("ContactForm", editing.CONTACT_FIELDS)


def _save(
    request: Request,
    ctx: Context,
    change: Callable[[], object],
    back: str,
    template: str,
    context: Callable[[], dict[str, Any]],
    values: dict[str, Any],
    fields: tuple[str, ...],
) -> Response:
    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda _saved: RedirectResponse(back, status_code=303),
        FormPage(template, context),
        values,
        render=_render(fields),
    )


# Accounts


def _account_context(ctx: Context, account_id: int) -> dict[str, Any]:
    account = get_account(ctx.session, ctx.user, account_id)
    return {
        "account": account,
        "values": {n: getattr(account, n) for n in editing.ACCOUNT_FIELDS},
        "errors": {},
        "ownerships": [(o.value, label(o.value)) for o in OwnershipType],
        "dealers": [d for d in editing.dealer_choices(ctx.session) if d[0] != account.id],
        "former": editing.former_contacts(ctx.session, account.id),
    }


@router.get("/accounts/{account_id}/edit", response_class=HTMLResponse)
def account_form(request: Request, ctx: RequestContext, account_id: int) -> HTMLResponse:
    """The form to edit an account's record."""
    context = _account_context(ctx, account_id)
    require(ctx.user, "account.edit", own=context["account"].owner_id == ctx.user.id)
    return render(request, "installed_base/account_edit.html", context)


@router.post("/accounts/{account_id}/edit", response_class=HTMLResponse)
def account_save(
    request: Request,
    ctx: RequestContext,
    account_id: int,
    form: Annotated[AccountForm, Form()],
) -> Response:
    """Save the account; back to its 360, or the form again with each field's reason."""
    values = form.model_dump()
    return _save(
        request,
        ctx,
        lambda: editing.edit_account(ctx.session, ctx.user, account_id, dict(values)),
        f"/accounts/{account_id}",
        "installed_base/account_edit.html",
        lambda: _account_context(ctx, account_id),
        values,
        editing.ACCOUNT_FIELDS,
    )


# Sites


def _site_context(ctx: Context, account_id: int, site_id: int | None) -> dict[str, Any]:
    account = get_account(ctx.session, ctx.user, account_id)
    site = editing.site_of(ctx.session, ctx.user, account_id, site_id) if site_id else None
    base = f"/accounts/{account_id}/sites"
    return {
        "account": account,
        "site": site,
        "action": f"{base}/{site_id}/edit" if site_id else f"{base}/new",
        "values": {n: getattr(site, n) for n in editing.SITE_FIELDS} if site else {},
        "errors": {},
    }


@router.get("/accounts/{account_id}/sites/new", response_class=HTMLResponse)
def new_site_form(request: Request, ctx: RequestContext, account_id: int) -> HTMLResponse:
    """The form to add a site to an account."""
    context = _site_context(ctx, account_id, None)
    require(ctx.user, "site.edit")
    return render(request, "installed_base/site_edit.html", context)


@router.post("/accounts/{account_id}/sites/new", response_class=HTMLResponse)
def new_site_save(
    request: Request, ctx: RequestContext, account_id: int, form: Annotated[SiteForm, Form()]
) -> Response:
    """Add the site; back to the 360's sites, or the form again with each field's reason."""
    values = form.model_dump()
    return _save(
        request,
        ctx,
        lambda: editing.add_site(ctx.session, ctx.user, account_id, dict(values)),
        f"/accounts/{account_id}#sites-title",
        "installed_base/site_edit.html",
        lambda: _site_context(ctx, account_id, None),
        values,
        editing.SITE_FIELDS,
    )


@router.get("/accounts/{account_id}/sites/{site_id}/edit", response_class=HTMLResponse)
def site_form(request: Request, ctx: RequestContext, account_id: int, site_id: int) -> HTMLResponse:
    """The form to edit a site."""
    context = _site_context(ctx, account_id, site_id)
    require(ctx.user, "site.edit")
    return render(request, "installed_base/site_edit.html", context)


@router.post("/accounts/{account_id}/sites/{site_id}/edit", response_class=HTMLResponse)
def site_save(
    request: Request,
    ctx: RequestContext,
    account_id: int,
    site_id: int,
    form: Annotated[SiteForm, Form()],
) -> Response:
    """Save the site; back to the 360's sites, or the form again with each field's reason."""
    values = form.model_dump()
    return _save(
        request,
        ctx,
        lambda: editing.edit_site(ctx.session, ctx.user, account_id, site_id, dict(values)),
        f"/accounts/{account_id}#sites-title",
        "installed_base/site_edit.html",
        lambda: _site_context(ctx, account_id, site_id),
        values,
        editing.SITE_FIELDS,
    )


# Contacts


def _contact_context(ctx: Context, account_id: int, contact_id: int) -> dict[str, Any]:
    contact = editing.contact_of(ctx.session, ctx.user, account_id, contact_id)
    return {
        "account": get_account(ctx.session, ctx.user, account_id),
        "contact": contact,
        "values": {n: getattr(contact, n) for n in editing.CONTACT_FIELDS},
        "errors": {},
        "roles": [(r.value, label(r.value)) for r in BuyingRole],
        "levels": [(c.value, label(c.value)) for c in ContactLevel],
    }


@router.get("/accounts/{account_id}/contacts/{contact_id}/edit", response_class=HTMLResponse)
def contact_form(
    request: Request, ctx: RequestContext, account_id: int, contact_id: int
) -> HTMLResponse:
    """The form to edit a person of the buying centre."""
    context = _contact_context(ctx, account_id, contact_id)
    require(ctx.user, "contact.edit")
    return render(request, "installed_base/contact_edit.html", context)


@router.post("/accounts/{account_id}/contacts/{contact_id}/edit", response_class=HTMLResponse)
def contact_save(
    request: Request,
    ctx: RequestContext,
    account_id: int,
    contact_id: int,
    form: Annotated[ContactForm, Form()],
) -> Response:
    """Save the contact (an unticked "active" box deactivates them)."""
    values = form.model_dump()
    values["active"] = values["active"] or "false"
    return _save(
        request,
        ctx,
        lambda: editing.edit_contact(ctx.session, ctx.user, account_id, contact_id, dict(values)),
        f"/accounts/{account_id}#bc-title",
        "installed_base/contact_edit.html",
        lambda: _contact_context(ctx, account_id, contact_id),
        values,
        editing.CONTACT_FIELDS,
    )


@router.post("/accounts/{account_id}/contacts/{contact_id}/deactivate")
def contact_deactivate(ctx: RequestContext, account_id: int, contact_id: int) -> Response:
    """Take a person off the buying centre (they left); kept for the history, audited."""
    editing.edit_contact(ctx.session, ctx.user, account_id, contact_id, {"active": False})
    return RedirectResponse(f"/accounts/{account_id}#bc-title", status_code=303)
