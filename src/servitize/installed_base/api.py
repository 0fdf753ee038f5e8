"""REST routes of the installed base under /api/v1 (JSON; Bearer token or session cookie)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from servitize.core.dates import SaneDate
from servitize.core.inputs import Count, Id
from servitize.installed_base import buying_centre, editing_api, fixes, service
from servitize.installed_base.models import (
    AccountKind,
    Connectivity,
    CoverageStatus,
    Origin,
    ServiceKind,
)
from servitize.installed_base.schemas import (
    Account360,
    AccountRead,
    AssetFixBody,
    AssetRead,
    ContactBody,
    ContactRead,
    Page,
    ServiceEventRead,
    UserRef,
)
from servitize.trust.http import CurrentUser, RequestContext

router = APIRouter(tags=["installed base"])

Limit = Annotated[int, Query(ge=1, le=500, description="page size, at most 500")]
Offset = Annotated[Count, Query(description="rows to skip")]


@router.get("/me", response_model=UserRef, tags=["users"])
def me(user: CurrentUser) -> UserRef:
    """The user behind the token or session."""
    return UserRef.model_validate(user)


@router.get("/accounts", response_model=Page[AccountRead])
def accounts(
    ctx: RequestContext,
    q: Annotated[str | None, Query(max_length=200, description="part of name or number")] = None,
    owner: Annotated[str | None, Query(description="owner's username")] = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    industry: str | None = None,
    territory: str | None = None,
    kind: AccountKind | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AccountRead]:
    """Accounts the user may see, filtered and paginated."""
    return service.list_accounts(
        ctx.session,
        ctx.user,
        q=q,
        owner=owner,
        country=country,
        industry=industry,
        territory=territory,
        kind=kind.value if kind else None,
        limit=limit,
        offset=offset,
    )


@router.get("/accounts/{account_id}", response_model=Account360)
def account_360(account_id: Id, ctx: RequestContext) -> Account360:
    """The account 360: owner, buying centre, sites, installed base, history, data health."""
    return service.account_360(ctx, account_id)


@router.post("/accounts/{account_id}/contacts", response_model=ContactRead, status_code=201)
def add_contact(account_id: Id, body: ContactBody, ctx: RequestContext) -> ContactRead:
    """Add a person to the account's buying centre: name, buying_role (decision_maker,
    decision_influencer, user, technical, procurement), level, title, email, phone; audited."""
    contact = buying_centre.add_contact(
        ctx.session, ctx.user, account_id, buying_centre.parse_contact(body.values())
    )
    return ContactRead.model_validate(contact)


@router.get("/assets", response_model=Page[AssetRead])
def assets(
    ctx: RequestContext,
    account_id: Id | None = None,
    origin: Origin | None = None,
    connectivity: Connectivity | None = None,
    coverage_status: CoverageStatus | None = None,
    model: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AssetRead]:
    """Machines of the installed base the user may see."""
    return service.list_assets(
        ctx.session,
        ctx.user,
        today=ctx.today,
        account_id=account_id,
        origin=origin.value if origin else None,
        connectivity=connectivity.value if connectivity else None,
        coverage_status=coverage_status.value if coverage_status else None,
        model=model,
        limit=limit,
        offset=offset,
    )


@router.get("/assets/{asset_id}", response_model=AssetRead)
def asset(asset_id: Id, ctx: RequestContext) -> AssetRead:
    """One machine."""
    return service.get_asset(ctx.session, ctx.user, asset_id, today=ctx.today)


@router.patch("/assets/{asset_id}", response_model=AssetRead)
def fix_asset(asset_id: Id, body: AssetFixBody, ctx: RequestContext) -> AssetRead:
    """Fix a machine's record: only the fields sent change (``null`` clears); audited. Fields:
    serial, model, product_line, manufacturer, origin, competitor, install_date, connectivity,
    warranty_end, coverage, contract_end, site_id."""
    fix = fixes.parse_fix(body.values())
    asset = fixes.fix_asset(ctx.session, ctx.user, asset_id, fix, today=ctx.today)
    return service.asset_read(asset, ctx.today)


@router.get("/service-events", response_model=Page[ServiceEventRead])
def service_events(
    ctx: RequestContext,
    account_id: Id | None = None,
    asset_id: Id | None = None,
    kind: ServiceKind | None = None,
    since: SaneDate | None = None,
    until: SaneDate | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ServiceEventRead]:
    """Work orders, newest first."""
    return service.list_service_events(
        ctx.session,
        ctx.user,
        account_id=account_id,
        asset_id=asset_id,
        kind=kind.value if kind else None,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )


# Editing accounts, sites and contacts (installed_base.editing_api).
router.include_router(editing_api.router)
