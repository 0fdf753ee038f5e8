"""Use cases of the installed base: account lists, the account 360, assets, service history.

Every function takes the user and answers only what the user may see.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from servitize.core.errors import InvalidInput, NotFound
from servitize.installed_base import repository as repo
from servitize.installed_base import rules
from servitize.installed_base.access import get_account
from servitize.installed_base.models import Account, Asset, ServiceEvent, Site
from servitize.installed_base.schemas import (
    Account360,
    AccountRead,
    AssetRead,
    CompetitorRead,
    ContactRead,
    CountBy,
    DataHealth,
    HealthIssue,
    InstalledBaseSummary,
    Page,
    PurchaseSummary,
    ServiceEventRead,
    ServiceHistorySummary,
    SiteRead,
    Unconverted,
    UserRef,
)
from servitize.kit import money
from servitize.kit.money import from_cents
from servitize.kit.sorting import Sort
from servitize.trust import audit
from servitize.trust.audit import Actor
from servitize.trust.context import Context
from servitize.trust.models import User

CONNECTIVITY_ORDER = ("none", "legacy", "current")
ORIGIN_ORDER = ("own", "competitor")
COVERAGE_ORDER = ("under_warranty", "under_contract", "out_of_contract", "out_of_warranty")
HISTORY_DAYS = 365
RECENT_WORK_ORDERS = 10  # listed on the 360


def _cb(pairs: list[tuple[str, int]]) -> list[CountBy]:
    return [CountBy(label=label, count=n) for label, n in pairs]


def account_read(account: Account, owners: dict[int, User]) -> AccountRead:
    """An account with its owner resolved."""
    owner = owners.get(account.owner_id) if account.owner_id else None
    return AccountRead(
        id=account.id,
        external_id=account.external_id,
        name=account.name,
        kind=account.kind,
        industry=account.industry,
        country=account.country,
        territory=account.territory,
        employees=account.employees,
        turnover=from_cents(account.turnover_cents),
        currency=account.currency,
        ownership_type=account.ownership_type,
        owner=UserRef.model_validate(owner) if owner else None,
        dealer_id=account.dealer_id,
        address=account.address,
        volume=account.volume,
        profitability_potential=account.profitability_potential,
        technical_risk=account.technical_risk,
        country_risk=account.country_risk,
        relationship_quality=account.relationship_quality,
    )


def list_accounts(
    session: Session,
    user: User,
    *,
    q: str | None = None,
    owner: str | None = None,
    country: str | None = None,
    industry: str | None = None,
    territory: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
    sort: Sort | None = None,
) -> Page[AccountRead]:
    """One page of the accounts the user may see, by name (or ``sort``)."""
    rows, total = repo.accounts_page(
        session,
        user,
        sort=sort,
        q=q,
        owner=owner,
        country=country,
        industry=industry,
        territory=territory,
        kind=kind,
        limit=limit,
        offset=offset,
    )
    owners = repo.users_by_id(session, {a.owner_id for a in rows if a.owner_id})
    items = [account_read(a, owners) for a in rows]
    return Page[AccountRead](items=items, total=total, limit=limit, offset=offset)


def asset_read(asset: Asset | Row[Any], today: date) -> AssetRead:
    """An asset (record or row of its columns) with its age and coverage status as of today."""
    return AssetRead(
        id=asset.id,
        external_id=asset.external_id,
        account_id=asset.account_id,
        site_id=asset.site_id,
        parent_id=asset.parent_id,
        serial=asset.serial,
        model=asset.model,
        product_line=asset.product_line,
        manufacturer=asset.manufacturer,
        origin=asset.origin,
        competitor=asset.competitor,
        install_date=asset.install_date,
        age_years=rules.age_years(asset.install_date, today),
        connectivity=asset.connectivity,
        warranty_end=asset.warranty_end,
        coverage=asset.coverage,
        contract_end=asset.contract_end,
        coverage_status=rules.coverage_status(
            asset.warranty_end, asset.coverage, asset.contract_end, today
        ).value,
        version=asset.version,
    )


def event_read(event: ServiceEvent | Row[Any]) -> ServiceEventRead:
    """A work order (record or row of its columns) with its cost in major units."""
    return ServiceEventRead(
        id=event.id,
        external_id=event.external_id,
        asset_id=event.asset_id,
        account_id=event.account_id,
        day=event.day,
        kind=event.kind,
        component=event.component,
        parts_cost=from_cents(event.parts_cost_cents) or 0,
        currency=event.currency,
        labour_hours=event.labour_hours,
        downtime_hours=event.downtime_hours,
        technician_id=event.technician_id,
        description=event.description,
    )


def _installed_base(rows: Sequence[Row[*tuple[Any, ...]]], today: date) -> InstalledBaseSummary:
    ages = [rules.age_band(rules.age_years(r.install_date, today)) for r in rows]
    statuses = [
        rules.coverage_status(r.warranty_end, r.coverage, r.contract_end, today).value for r in rows
    ]
    return InstalledBaseSummary(
        assets=len(rows),
        by_origin=_cb(rules.counts((r.origin for r in rows), ORIGIN_ORDER)),
        by_age_band=_cb(rules.counts(ages, rules.AGE_BANDS)),
        by_connectivity=_cb(rules.counts((r.connectivity for r in rows), CONNECTIVITY_ORDER)),
        by_coverage_status=_cb(rules.counts(statuses, COVERAGE_ORDER)),
        by_product_line=_cb(rules.counts(r.product_line or "unknown" for r in rows)),
        competitors=_cb(
            rules.counts(r.competitor or "unknown" for r in rows if r.origin == "competitor")
        ),
    )


def _data_health(
    rows: Sequence[Row[*tuple[Any, ...]]], today: date, stale_years: int
) -> DataHealth:
    facts = [
        rules.AssetFacts(
            id=r.id,
            serial=r.serial,
            model=r.model,
            site_id=r.site_id,
            install_date=r.install_date,
            warranty_end=r.warranty_end,
            last_touched=max(
                d for d in (r.last_day, r.updated_at.date() if r.updated_at else None) if d
            )
            if (r.last_day or r.updated_at)
            else None,
        )
        for r in rows
    ]
    score, n, findings = rules.data_health(facts, today, stale_years)
    return DataHealth(
        score=score,
        assets=n,
        issues=[
            HealthIssue(
                check=f.check, message=f.message, count=len(f.asset_ids), asset_ids=f.asset_ids
            )
            for f in findings
        ],
    )


def _unconverted(done: money.Converted) -> list[Unconverted]:
    return [Unconverted(amount=m.amount, currency=m.currency) for m in done.unconverted_money()]


def _service_history(
    session: Session, account_id: int, today: date, company: str
) -> ServiceHistorySummary:
    since = today - timedelta(days=HISTORY_DAYS)
    found = repo.service_events_since(session, account_id, since, RECENT_WORK_ORDERS)
    rows = [r for r in found if r.day > since]  # (today - 365 days, today]: twelve months
    rates = repo.exchange_rates(session, {r.currency for r in rows} - {company})
    parts = money.Rates(rates, company, as_of=today).sum(  # no rate dated after today
        (r.parts_cost_cents, r.currency, r.day) for r in rows
    )
    return ServiceHistorySummary(
        since=since + timedelta(days=1),
        events=len(rows),
        by_kind=_cb(rules.counts(r.kind for r in rows)),
        top_components=_cb(rules.counts(r.component for r in rows if r.component)[:5]),
        parts_cost=from_cents(parts.cents) or 0,
        currency=company,
        parts_cost_unconverted=_unconverted(parts),
        labour_hours=round(sum(r.labour_hours for r in rows), 1),
        downtime_hours=round(sum(r.downtime_hours for r in rows if r.kind == "repair"), 1),
        repairs=sum(1 for r in rows if r.kind == "repair"),
        planned_downtime_hours=round(sum(r.downtime_hours for r in rows if r.kind != "repair"), 1),
        recent=[event_read(e) for e in found[:RECENT_WORK_ORDERS]],
    )


def _purchases(session: Session, account_id: int, today: date, company: str) -> PurchaseSummary:
    since = today - timedelta(days=HISTORY_DAYS)
    found = repo.orders_since(session, account_id, since)
    rows = [r for r in found if r.day > since]  # (today - 365 days, today]: twelve months
    rates = repo.exchange_rates(session, {r.currency for r in rows} - {company})
    total = money.Rates(rates, company, as_of=today).sum(  # no rate dated after today
        (r.amount_cents, r.currency, r.day) for r in rows
    )
    return PurchaseSummary(
        since=since + timedelta(days=1),
        orders=len(rows),
        amount=from_cents(total.cents) or 0,
        currency=company,
        unconverted=_unconverted(total),
        last_order=found[0].day if found else None,
        by_shell=_cb(rules.counts(r.shell for r in rows)),
    )


def account_id_by_ref(session: Session, ref: str) -> int:
    """The id of the account named by its external id or its numeric id; NotFound otherwise."""
    found = repo.account_by_ref(session, ref)
    if found is None:
        raise NotFound(f"account {ref!r} not found (give its id or its external id)")
    return found.id


def account_360(ctx: Context, account_id: int) -> Account360:
    """Everything known about one account: the one face to the customer (as of ``ctx.today``)."""
    return account_360_page(ctx, account_id).view


@dataclass(frozen=True)
class Account360Page:
    """What the account page shows: the 360, one page of its machines, the users it names."""

    view: Account360
    machines: Page[AssetRead]
    users: dict[int, User]


def account_360_page(
    ctx: Context, account_id: int, *, assets_offset: int = 0, assets_limit: int = 25
) -> Account360Page:
    """The 360 with one page of its machines and the users it names (owners, technicians).

    The account page needs all three; they come from one pass over the account's records:
    the machines are read once for the summaries, the data health, the site counts and the page.
    """
    session, user, today, settings = ctx.session, ctx.user, ctx.today, ctx.settings
    account = get_account(session, user, account_id)
    dealer = dealer_name = None
    if account.dealer_id:
        # A dealer outside the user's scope is named, nothing more (its record answers 404).
        dealer, dealer_name = repo.dealer_of(session, user, account.dealer_id)
    contacts: dict[str, list[ContactRead]] = defaultdict(list)
    for c in repo.contacts_of(session, account.id):
        contacts[c.buying_role].append(ContactRead.model_validate(c))
    rows = repo.asset_rows(session, account.id)
    per_site = Counter(r.site_id for r in rows)
    sites = [
        SiteRead.model_validate(s).model_copy(update={"assets": per_site.get(s.id, 0)})
        for s in repo.sites_of(session, account.id)
    ]
    history = _service_history(session, account.id, today, settings.company_currency)
    users = repo.users_by_id(
        session,
        {
            *(a.owner_id for a in (account, dealer) if a and a.owner_id),
            *(e.technician_id for e in history.recent if e.technician_id),
        },
    )
    a360 = Account360(
        account=account_read(account, users),
        dealer=account_read(dealer, users) if dealer else None,
        dealer_name=dealer_name,
        contacts_by_role=dict(contacts),
        sites=sites,
        installed_base=_installed_base(rows, today),
        service_history=history,
        purchases=_purchases(session, account.id, today, settings.company_currency),
        competitors=[
            CompetitorRead.model_validate(c) for c in repo.competitors_of(session, account.id)
        ],
        data_health=_data_health(rows, today, settings.stale_record_years),
    )
    machines = Page[AssetRead](
        items=[asset_read(r, today) for r in rows[assets_offset : assets_offset + assets_limit]],
        total=len(rows),
        limit=assets_limit,
        offset=assets_offset,
    )
    return Account360Page(a360, machines, users)


def list_assets(
    session: Session,
    user: User,
    *,
    account_id: int | None = None,
    origin: str | None = None,
    connectivity: str | None = None,
    model: str | None = None,
    coverage_status: str | None = None,
    parent_id: int | None = None,
    today: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[AssetRead]:
    """One page of the machines the user may see (``parent_id``: the machines of a line)."""
    today = today or date.today()
    rows, total = repo.assets_page(
        session,
        user,
        today=today,
        coverage_status=coverage_status,
        account_id=account_id,
        origin=origin,
        connectivity=connectivity,
        model=model,
        parent_id=parent_id,
        limit=limit,
        offset=offset,
    )
    return Page[AssetRead](
        items=[asset_read(a, today) for a in rows], total=total, limit=limit, offset=offset
    )


def get_asset(session: Session, user: User, asset_id: int, today: date | None = None) -> AssetRead:
    """One machine, if the user may see its account."""
    asset = repo.visible_asset(session, user, asset_id)
    if asset is None:
        raise NotFound(f"asset {asset_id} not found")
    return asset_read(asset, today or date.today())


def list_service_events(
    session: Session,
    user: User,
    *,
    account_id: int | None = None,
    asset_id: int | None = None,
    kind: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[ServiceEventRead]:
    """One page of work orders, newest first."""
    rows, total = repo.service_events_page(
        session,
        user,
        since=since,
        until=until,
        account_id=account_id,
        asset_id=asset_id,
        kind=kind,
        limit=limit,
        offset=offset,
    )
    return Page[ServiceEventRead](
        items=[event_read(e) for e in rows], total=total, limit=limit, offset=offset
    )


def link_dealer_user(
    session: Session, actor: Actor, username: str, dealer_external_id: str
) -> None:
    """Give a dealer's user the dealer's scope: the dealer and the accounts it serves."""
    user = repo.user_named(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    dealer = repo.account_by_external_id(session, dealer_external_id)
    if dealer is None or dealer.kind != "dealer":
        raise InvalidInput(f"{dealer_external_id!r} is not a dealer account")
    before = {"dealer_account_id": user.dealer_account_id}
    user.dealer_account_id = dealer.id
    audit.record(
        session,
        actor,
        "update",
        "user",
        user.id,
        before=before,
        after={"dealer_account_id": dealer.id},
    )


FACET_LIMIT = 300


def account_facets(session: Session, user: User) -> repo.AccountFacets:
    """The values the account filters offer: what occurs in the user's own accounts."""
    return repo.account_facets(session, user, FACET_LIMIT)


def site_names(session: Session, account_id: int) -> dict[int, str]:
    """The account's site names keyed by id."""
    return {s.id: s.name for s in repo.sites_of(session, account_id)}


def sites_of(session: Session, account_id: int) -> list[Site]:
    """The account's sites by name (the choices of a machine's site)."""
    return repo.sites_of(session, account_id)


def owner_choices(session: Session, roles: tuple[str, ...]) -> list[User]:
    """Active users of these roles, by name: who may be given an account."""
    return repo.possible_owners(session, roles)


def technicians_of(session: Session, events: Sequence[ServiceEventRead]) -> dict[int, User]:
    """The technicians the work orders name, keyed by id."""
    return repo.users_by_id(session, {e.technician_id for e in events if e.technician_id})
