"""REST routes to edit accounts, sites and contacts (installed_base.editing), under /api/v1.

Only the fields sent change (``null`` or empty text clears one); a wrong value answers 422
naming each field, and nothing is written.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from servitize.core.inputs import Id
from servitize.installed_base import editing
from servitize.installed_base.schemas import AccountRead, ContactRead, SiteRead
from servitize.trust.http import RequestContext

router = APIRouter(tags=["installed base"])


class AccountEditBody(BaseModel):
    """The fields of an account that change (the import's columns and rules)."""

    model_config = ConfigDict(extra="allow")

    name: Any = Field(default=None, description="required; at most 200 characters")
    industry: Any = None
    country: Any = Field(default=None, description="ISO 3166 alpha-2")
    territory: Any = Field(default=None, description="the sales/service region")
    employees: Any = Field(default=None, description="a whole number, 0 or more")
    ownership_type: Any = Field(default=None, description="family, listed, investor, public")
    address: Any = None
    dealer_id: Any = Field(default=None, description="the id of the serving dealer account")

    def values(self) -> dict[str, Any]:
        """The fields as sent (left out stays left out)."""
        return self.model_dump(exclude_unset=True)


class SiteBody(BaseModel):
    """A site's fields: ``name`` and ``country`` (ISO 3166) required for a new one."""

    model_config = ConfigDict(extra="allow")

    name: Any = None
    country: Any = Field(default=None, description="ISO 3166 alpha-2")
    city: Any = None
    address: Any = None

    def values(self) -> dict[str, Any]:
        """The fields as sent (left out stays left out)."""
        return self.model_dump(exclude_unset=True)


class ContactEditBody(BaseModel):
    """The fields of a contact that change; ``active`` false takes them off the buying centre."""

    model_config = ConfigDict(extra="allow")

    name: Any = None
    title: Any = None
    buying_role: Any = Field(default=None, description="the person's role in the buying centre")
    level: Any = None
    email: Any = None
    phone: Any = None
    active: Any = Field(default=None, description="true or false")

    def values(self) -> dict[str, Any]:
        """The fields as sent (left out stays left out)."""
        return self.model_dump(exclude_unset=True)


@router.patch("/accounts/{account_id}", response_model=AccountRead)
def edit_account(account_id: Id, body: AccountEditBody, ctx: RequestContext) -> AccountRead:
    """Change an account's record: name, industry, country, territory, employees,
    ownership_type, address, dealer_id; audited (the owner changes through PUT …/owner)."""
    account = editing.edit_account(ctx.session, ctx.user, account_id, body.values())
    return editing.account_read(ctx.session, account)


@router.post("/accounts/{account_id}/sites", response_model=SiteRead, status_code=201)
def add_site(account_id: Id, body: SiteBody, ctx: RequestContext) -> SiteRead:
    """Add a site to an account: name, country (ISO 3166), city, address; audited."""
    site = editing.add_site(ctx.session, ctx.user, account_id, body.values())
    return SiteRead.model_validate(site)


@router.patch("/accounts/{account_id}/sites/{site_id}", response_model=SiteRead)
def edit_site(account_id: Id, site_id: Id, body: SiteBody, ctx: RequestContext) -> SiteRead:
    """Change a site of an account; audited."""
    site = editing.edit_site(ctx.session, ctx.user, account_id, site_id, body.values())
    return SiteRead.model_validate(site)


@router.patch("/accounts/{account_id}/contacts/{contact_id}", response_model=ContactRead)
def edit_contact(
    account_id: Id, contact_id: Id, body: ContactEditBody, ctx: RequestContext
) -> ContactRead:
    """Change a person of the buying centre, or deactivate them (``active``: false); audited."""
    contact = editing.edit_contact(ctx.session, ctx.user, account_id, contact_id, body.values())
    return ContactRead.model_validate(contact)
