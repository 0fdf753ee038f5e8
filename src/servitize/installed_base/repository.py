"""Queries of the installed base; every one takes the user's scope into account."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from servitize.core.money import ExchangeRate
from servitize.installed_base.access import account_scope, visible_account_ids
from servitize.installed_base.models import (
    Account,
    Asset,
    CompetitorPresence,
    Contact,
    Offering,
    Order,
    ServiceEvent,
    Site,
)
from servitize.trust.models import User


def accounts_query(
    user: User,
    *,
    q: str | None = None,
    owner: str | None = None,
    country: str | None = None,
    industry: str | None = None,
    territory: str | None = None,
    kind: str | None = None,
) -> Select[tuple[Account]]:
    """Accounts the user may see, filtered."""
    query = select(Account).where(account_scope(user))
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(
            func.lower(Account.name).like(pattern) | func.lower(Account.external_id).like(pattern)
        )
    if owner:
        query = query.where(Account.owner_id.in_(select(User.id).where(User.username == owner)))
    if country:
        query = query.where(Account.country == country.upper())
    if industry:
        query = query.where(Account.industry == industry)
    if territory:
        query = query.where(Account.territory == territory)
    if kind:
        query = query.where(Account.kind == kind)
    return query


def page(session: Session, query: Select, order_by, limit: int, offset: int):  # type: ignore[no-untyped-def]
    """Rows of one page and the total number of matches."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(session.scalars(query.order_by(*order_by).limit(limit).offset(offset)))
    return rows, total


def users_by_id(session: Session, ids: set[int]) -> dict[int, User]:
    """Users keyed by id."""
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


def contacts_of(session: Session, account_id: int) -> list[Contact]:
    """The account's buying centre."""
    return list(
        session.scalars(select(Contact).where(Contact.account_id == account_id).order_by(Contact.name))
    )


def sites_with_asset_counts(session: Session, account_id: int) -> list[tuple[Site, int]]:
    """The account's sites with the number of machines at each."""
    counts = (
        select(Asset.site_id, func.count().label("n"))
        .where(Asset.account_id == account_id)
        .group_by(Asset.site_id)
        .subquery()
    )
    rows = session.execute(
        select(Site, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.site_id == Site.id)
        .where(Site.account_id == account_id)
        .order_by(Site.name)
    )
    return [(s, int(n)) for s, n in rows]


def asset_rows(session: Session, account_id: int):  # type: ignore[no-untyped-def]
    """Summary columns of every asset of the account, with its last service day."""
    last = (
        select(ServiceEvent.asset_id, func.max(ServiceEvent.day).label("last_day"))
        .where(ServiceEvent.account_id == account_id)
        .group_by(ServiceEvent.asset_id)
        .subquery()
    )
    return session.execute(
        select(
            Asset.id, Asset.serial, Asset.model, Asset.site_id, Asset.install_date,
            Asset.warranty_end, Asset.coverage, Asset.contract_end, Asset.origin,
            Asset.competitor, Asset.connectivity, Asset.product_line, Asset.updated_at,
            last.c.last_day,
        )
        .outerjoin(last, last.c.asset_id == Asset.id)
        .where(Asset.account_id == account_id)
    ).all()


def service_events_since(session: Session, account_id: int, since: date):  # type: ignore[no-untyped-def]
    """Kind, component and cost columns of the account's work orders since a day."""
    return session.execute(
        select(
            ServiceEvent.kind, ServiceEvent.component, ServiceEvent.parts_cost_cents,
            ServiceEvent.currency, ServiceEvent.labour_hours, ServiceEvent.downtime_hours,
            ServiceEvent.day,
        ).where(ServiceEvent.account_id == account_id, ServiceEvent.day >= since)
    ).all()


def recent_service_events(session: Session, account_id: int, limit: int = 10) -> list[ServiceEvent]:
    """The newest work orders of the account."""
    return list(
        session.scalars(
            select(ServiceEvent)
            .where(ServiceEvent.account_id == account_id)
            .order_by(ServiceEvent.day.desc(), ServiceEvent.id.desc())
            .limit(limit)
        )
    )


def orders_since(session: Session, account_id: int, since: date):  # type: ignore[no-untyped-def]
    """Amount, currency, day and shell of the account's orders since a day."""
    return session.execute(
        select(Order.amount_cents, Order.currency, Order.day, Offering.shell)
        .join(Offering, Offering.id == Order.offering_id)
        .where(Order.account_id == account_id, Order.day >= since)
    ).all()


def last_order_day(session: Session, account_id: int) -> date | None:
    """The day of the account's newest order."""
    return session.scalar(select(func.max(Order.day)).where(Order.account_id == account_id))


def competitors_of(session: Session, account_id: int) -> list[CompetitorPresence]:
    """Competitors present at the account."""
    return list(
        session.scalars(
            select(CompetitorPresence)
            .where(CompetitorPresence.account_id == account_id)
            .order_by(CompetitorPresence.competitor)
        )
    )


def exchange_rates(session: Session, currencies: set[str]) -> dict[str, list[tuple[date, float]]]:
    """Rates to the company currency per currency, sorted by day."""
    out: dict[str, list[tuple[date, float]]] = {}
    if not currencies:
        return out
    rows = session.execute(
        select(ExchangeRate.currency, ExchangeRate.day, ExchangeRate.rate)
        .where(ExchangeRate.currency.in_(currencies))
        .order_by(ExchangeRate.currency, ExchangeRate.day)
    )
    for currency, day, rate in rows:
        out.setdefault(currency, []).append((day, rate))
    return out


def assets_query(user: User, **filters: object) -> Select[tuple[Asset]]:
    """Assets of accounts the user may see, filtered by equality on the given columns."""
    query = select(Asset).where(Asset.account_id.in_(visible_account_ids(user)))
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(Asset, column) == value)
    return query


def service_events_query(
    user: User, *, since: date | None = None, until: date | None = None, **filters: object
) -> Select[tuple[ServiceEvent]]:
    """Work orders of accounts the user may see, filtered."""
    query = select(ServiceEvent).where(ServiceEvent.account_id.in_(visible_account_ids(user)))
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(ServiceEvent, column) == value)
    if since:
        query = query.where(ServiceEvent.day >= since)
    if until:
        query = query.where(ServiceEvent.day <= until)
    return query


def coverage_status_sql(today: date):  # type: ignore[no-untyped-def]
    """The coverage status as a SQL expression (same rule as ``rules.coverage_status``)."""
    from sqlalchemy import and_, case, or_

    has_contract = and_(Asset.coverage.is_not(None), Asset.coverage != "none")
    return case(
        (and_(Asset.warranty_end.is_not(None), Asset.warranty_end >= today), "under_warranty"),
        (
            and_(has_contract, or_(Asset.contract_end.is_(None), Asset.contract_end >= today)),
            "under_contract",
        ),
        (or_(Asset.contract_end.is_not(None), has_contract), "out_of_contract"),
        else_="out_of_warranty",
    )


def account_facets(session: Session, user: User, limit: int) -> dict[str, list]:  # type: ignore[type-arg]
    """Distinct countries, industries, territories and owners among the user's accounts."""
    scope = account_scope(user)

    def values(column):  # type: ignore[no-untyped-def]
        query = select(column).where(scope, column.is_not(None)).distinct().order_by(column)
        return list(session.scalars(query.limit(limit)))

    owners = select(User.username, User.full_name).where(
        User.id.in_(select(Account.owner_id).where(scope))
    )
    return {
        "country": values(Account.country),
        "industry": values(Account.industry),
        "territory": values(Account.territory),
        "owner": list(session.execute(owners.order_by(User.full_name).limit(limit))),
    }
