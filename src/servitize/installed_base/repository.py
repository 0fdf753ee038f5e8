"""Queries of the installed base; every one takes the user's scope into account."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    Select,
    bindparam,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import True_

from servitize.installed_base.access import account_scope, visible_account_ids
from servitize.installed_base.catalogue import ONE_OFF
from servitize.installed_base.models import (
    Account,
    Asset,
    CompetitorPresence,
    Contact,
    ExchangeRate,
    Offering,
    Order,
    ServiceEvent,
    Site,
)
from servitize.kit.sorting import Sort, Sorts, order_by
from servitize.trust.models import User

_T = TypeVar("_T")


def accounts_query(
    user: User,
    *,
    q: str | None = None,
    owner: str | None = None,
    country: str | None = None,
    industry: str | None = None,
    territory: str | None = None,
    kind: str | None = None,
) -> Select[Account]:
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


def page(
    session: Session,
    query: Select[_T],
    order_by: tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...],
    limit: int,
    offset: int,
) -> tuple[list[_T], int]:
    """Rows of one page and the total number of matches."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(session.scalars(query.order_by(*order_by).limit(limit).offset(offset)))
    return rows, total


# The account 360's statements are built once, with bound parameters: building a SELECT costs
# more Python than SQLAlchemy's cached compile of it, and the 360 runs nine per page.
ACCOUNT: BindParameter[int] = bindparam("account_id")
SINCE: BindParameter[date] = bindparam("since")

_USERS = select(User).where(User.id.in_(bindparam("ids", expanding=True)))
# Deactivated contacts (they left) stay for the history, off the buying centre.
_CONTACTS = (
    select(Contact)
    .where(Contact.account_id == ACCOUNT, Contact.active.is_(True))
    .order_by(Contact.name)
)
_SITES = select(Site).where(Site.account_id == ACCOUNT).order_by(Site.name)
_LAST_SERVICE = (
    select(ServiceEvent.asset_id, func.max(ServiceEvent.day).label("last_day"))
    .where(ServiceEvent.account_id == ACCOUNT)
    .group_by(ServiceEvent.asset_id)
    .subquery()
)
_ASSET_ROWS = (
    select(
        Asset.id,
        Asset.external_id,
        Asset.account_id,
        Asset.parent_id,
        Asset.serial,
        Asset.model,
        Asset.manufacturer,
        Asset.site_id,
        Asset.install_date,
        Asset.warranty_end,
        Asset.coverage,
        Asset.contract_end,
        Asset.origin,
        Asset.competitor,
        Asset.connectivity,
        Asset.product_line,
        Asset.updated_at,
        Asset.version,
        _LAST_SERVICE.c.last_day,
    )
    .outerjoin(_LAST_SERVICE, _LAST_SERVICE.c.asset_id == Asset.id)
    .where(Asset.account_id == ACCOUNT)
    .order_by(Asset.id)
)
_NEWEST_EVENTS = (
    select(ServiceEvent.id)
    .where(ServiceEvent.account_id == ACCOUNT)
    .order_by(ServiceEvent.day.desc(), ServiceEvent.id.desc())
    .limit(bindparam("newest"))
)
_EVENTS_SINCE = (
    select(*ServiceEvent.__table__.c)
    .where(
        ServiceEvent.account_id == ACCOUNT,
        or_(ServiceEvent.day >= SINCE, ServiceEvent.id.in_(_NEWEST_EVENTS)),
    )
    .order_by(ServiceEvent.day.desc(), ServiceEvent.id.desc())
)
_NEWEST_ORDER = (
    select(Order.id)
    .where(Order.account_id == ACCOUNT)
    .order_by(Order.day.desc(), Order.id.desc())
    .limit(1)
)
_ORDERS_SINCE = (
    select(Order.amount_cents, Order.currency, Order.day, Offering.shell)
    .join(Offering, Offering.id == Order.offering_id)
    .where(Order.account_id == ACCOUNT, or_(Order.day >= SINCE, Order.id.in_(_NEWEST_ORDER)))
    .order_by(Order.day.desc(), Order.id.desc())
)
_COMPETITORS = (
    select(CompetitorPresence)
    .where(CompetitorPresence.account_id == ACCOUNT)
    .order_by(CompetitorPresence.competitor)
)


def possible_owners(session: Session, roles: tuple[str, ...]) -> list[User]:
    """Active users who may own accounts, by name."""
    return list(
        session.scalars(
            select(User)
            .where(User.role.in_(roles), User.active.is_(True))
            .order_by(User.full_name, User.username)
        )
    )


def users_by_id(session: Session, ids: set[int]) -> dict[int, User]:
    """Users keyed by id."""
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(_USERS, {"ids": sorted(ids)})}


def contacts_of(session: Session, account_id: int) -> list[Contact]:
    """The account's buying centre."""
    return list(session.scalars(_CONTACTS, {"account_id": account_id}))


def sites_of(session: Session, account_id: int) -> list[Site]:
    """The account's sites by name."""
    return list(session.scalars(_SITES, {"account_id": account_id}))


def asset_rows(session: Session, account_id: int) -> Sequence[Row[*tuple[Any, ...]]]:
    """Every asset of the account by id, as plain rows, with its last service day.

    The 360 reads its summaries, its data health, its site counts and its first page of
    machines from this one query.
    """
    return session.execute(_ASSET_ROWS, {"account_id": account_id}).all()


def service_events_since(
    session: Session, account_id: int, since: date, newest: int
) -> Sequence[Row[*tuple[Any, ...]]]:
    """The account's work orders since a day and, older or not, its ``newest`` ones, newest
    first, as plain rows: one query serves the 12-month summary and the recent list."""
    return session.execute(
        _EVENTS_SINCE, {"account_id": account_id, "since": since, "newest": newest}
    ).all()


def orders_since(
    session: Session, account_id: int, since: date
) -> Sequence[Row[int, str, date, str]]:
    """Amount, currency, day and shell of the account's orders since a day, newest first, and
    its newest order even when older (so the first row's day is the last order's)."""
    return session.execute(_ORDERS_SINCE, {"account_id": account_id, "since": since}).all()


def competitors_of(session: Session, account_id: int) -> list[CompetitorPresence]:
    """Competitors present at the account."""
    return list(session.scalars(_COMPETITORS, {"account_id": account_id}))


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


def assets_query(user: User, **filters: object) -> Select[Asset]:
    """Assets of accounts the user may see, filtered by equality on the given columns."""
    query = select(Asset).where(Asset.account_id.in_(visible_account_ids(user)))
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(Asset, column) == value)
    return query


def service_events_query(
    user: User, *, since: date | None = None, until: date | None = None, **filters: object
) -> Select[ServiceEvent]:
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


def coverage_status_sql(today: date) -> ColumnElement[str]:
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


@dataclass(frozen=True)
class AccountFacets:
    """The values the account filters offer; ``owner``: (username, full name) pairs."""

    country: list[str]
    industry: list[str]
    territory: list[str]
    owner: list[tuple[str, str | None]]


def account_facets(session: Session, user: User, limit: int) -> AccountFacets:
    """Distinct countries, industries, territories and owners among the user's accounts."""
    scope = account_scope(user)
    if not isinstance(scope, True_):
        return _scoped_facets(session, scope, limit)

    def values(column: InstrumentedAttribute[str | None]) -> list[str]:
        query = select(column).where(scope, column.is_not(None)).distinct().order_by(column)
        return [v for v in session.scalars(query.limit(limit)) if v is not None]

    owners = select(User.username, User.full_name).where(
        User.id.in_(select(Account.owner_id).where(scope))
    )
    return AccountFacets(
        country=values(Account.country),
        industry=values(Account.industry),
        territory=values(Account.territory),
        owner=[
            (username, full_name)
            for username, full_name in session.execute(owners.order_by(User.full_name).limit(limit))
        ],
    )


def _scoped_facets(session: Session, scope: ColumnElement[bool], limit: int) -> AccountFacets:
    """The facets of a part of the accounts (a territory, a technician's visits, an owner's),
    in one statement: the part is read once, and each facet grouped from what was read.

    Asked one facet at a time, each statement found the part again (four reads of a territory's
    5,000 accounts), and PostgreSQL planned the owners' one as a probe of every user's accounts.
    An unscoped user keeps one statement per facet: each is answered from its column's index.
    """
    seen = (
        select(Account.country, Account.industry, Account.territory, Account.owner_id)
        .where(scope)
        .cte("seen")
    )
    parts: list[Select[Any, Any, Any, Any]] = []
    for kind, column in (
        ("country", seen.c.country),
        ("industry", seen.c.industry),
        ("territory", seen.c.territory),
    ):
        parts.append(
            select(literal(kind).label("kind"), column.label("key"), column, null())
            .where(column.is_not(None))
            .group_by(column)
        )
    parts.append(
        select(literal("owner"), User.full_name, User.username, User.full_name).where(
            User.id.in_(select(seen.c.owner_id))
        )
    )
    found: dict[str, list[tuple[str, str | None]]] = {
        "country": [],
        "industry": [],
        "territory": [],
        "owner": [],
    }
    query = union_all(*parts)
    for kind, _key, value, full_name in session.execute(query.order_by("kind", "key")):
        if len(found[kind]) < limit:
            found[kind].append((value, full_name))
    return AccountFacets(
        country=[v for v, _ in found["country"]],
        industry=[v for v, _ in found["industry"]],
        territory=[v for v, _ in found["territory"]],
        owner=found["owner"],
    )


# The installed base's own use cases, by name: pages of lists, single records, look-ups.


# The accounts list's sortable columns (kit.sorting): name -> column.
ACCOUNT_SORTS = Sorts(
    ("name", "owner", "country", "industry", "territory", "volume", "potential"), default="name"
)


def _account_columns() -> dict[str, Any]:
    owner_name = (
        select(func.coalesce(func.nullif(User.full_name, ""), User.username))
        .where(User.id == Account.owner_id)
        .scalar_subquery()
    )
    return {
        "name": Account.name,
        "owner": owner_name,
        "country": Account.country,
        "industry": Account.industry,
        "territory": Account.territory,
        "volume": Account.volume,
        "potential": Account.profitability_potential,
    }


def accounts_page(
    session: Session,
    user: User,
    *,
    limit: int,
    offset: int,
    sort: Sort | None = None,
    **filters: str | None,
) -> tuple[list[Account], int]:
    """One page of the accounts the user may see, by name (or ``sort``), and how many match."""
    query = accounts_query(user, **filters)
    if sort is None:
        return page(session, query, (Account.name, Account.id), limit, offset)
    clauses = tuple(order_by(sort, _account_columns(), Account.id))
    return page(session, query, clauses, limit, offset)


def assets_page(
    session: Session,
    user: User,
    *,
    today: date,
    coverage_status: str | None = None,
    limit: int,
    offset: int,
    **filters: object,
) -> tuple[list[Asset], int]:
    """One page of the machines the user may see, by id (coverage status as of ``today``)."""
    query = assets_query(user, **filters)
    if coverage_status:
        query = query.where(coverage_status_sql(today) == coverage_status)
    return page(session, query, (Asset.id,), limit, offset)


def service_events_page(
    session: Session,
    user: User,
    *,
    since: date | None,
    until: date | None,
    limit: int,
    offset: int,
    **filters: object,
) -> tuple[list[ServiceEvent], int]:
    """One page of the work orders the user may see, newest first."""
    query = service_events_query(user, since=since, until=until, **filters)
    order = (ServiceEvent.day.desc(), ServiceEvent.id.desc())
    return page(session, query, order, limit, offset)


def dealer_of(session: Session, user: User, dealer_id: int) -> tuple[Account | None, str | None]:
    """An account's dealer if the user may see it, and the dealer's name either way."""
    dealer = session.scalar(select(Account).where(Account.id == dealer_id, account_scope(user)))
    if dealer is not None:
        return dealer, dealer.name
    return None, session.scalar(select(Account.name).where(Account.id == dealer_id))


def visible_asset(session: Session, user: User, asset_id: int) -> Asset | None:
    """One machine, if the user may see its account."""
    return session.scalar(asset_to_edit(user, asset_id))


def asset_to_edit(user: User, asset_id: int) -> Select[Asset]:
    """The query of one machine the user may see (to hold its row while a fix is checked)."""
    return select(Asset).where(
        Asset.id == asset_id, Asset.account_id.in_(visible_account_ids(user))
    )


def site_by_id(session: Session, site_id: int) -> Site | None:
    """One site, or None."""
    return session.get(Site, site_id)


def user_by_id(session: Session, user_id: int) -> User | None:
    """One user, or None."""
    return session.get(User, user_id)


def user_named(session: Session, username: str) -> User | None:
    """The user with this username, or None."""
    return session.scalar(select(User).where(User.username == username))


def account_by_external_id(session: Session, external_id: str) -> Account | None:
    """The account with this number (the ERP's id), or None."""
    return session.scalar(select(Account).where(Account.external_id == external_id))


def account_by_ref(session: Session, ref: str) -> Account | None:
    """The account named by its external id, else by its numeric id (``42``), or None."""
    found = account_by_external_id(session, ref)
    if found is None and ref.strip().isdigit() and int(ref) < 2**63:
        found = session.get(Account, int(ref))
    return found


def contact_with_email(session: Session, account_id: int, email: str) -> Contact | None:
    """The account's first contact with this e-mail address, in any case."""
    return session.scalar(
        select(Contact)
        .where(Contact.account_id == account_id, func.lower(Contact.email) == email.lower())
        .order_by(Contact.id)
        .limit(1)
    )


def recent_contact_alike(
    session: Session, account_id: int, details: Mapping[str, object], since: datetime
) -> Contact | None:
    """The account's first contact without e-mail, added since a moment, whose ``details``
    (column: value; None matches an empty column) are all the same."""
    same: list[ColumnElement[bool]] = [
        Contact.account_id == account_id,
        Contact.email.is_(None),
        Contact.created_at >= since,
    ]
    for name, value in details.items():
        column = getattr(Contact, name)
        same.append(column.is_(None) if value is None else column == value)
    return session.scalar(select(Contact).where(*same).order_by(Contact.id).limit(1))


# What other capabilities (sales, field) read of the installed base, by name.


def account_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Account names keyed by id (for lists that show them)."""
    if not ids:
        return {}
    query = select(Account.id, Account.name).where(Account.id.in_(sorted(ids)))
    return dict(session.execute(query).all())


def accounts_by_id(session: Session, ids: set[int]) -> dict[int, Account]:
    """Accounts keyed by id (no scope: batch jobs)."""
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(sorted(ids))))}


def account_choices(session: Session, user: User, limit: int = 500) -> list[Account]:
    """The accounts a user may pick in a form, by name."""
    query = select(Account).where(account_scope(user)).order_by(Account.name).limit(limit)
    return list(session.scalars(query))


def account_row(account_id: int) -> Select[Account]:
    """The query of one account's row (to hold it while a change is checked)."""
    return select(Account).where(Account.id == account_id)


def asset_counts(session: Session, account_ids: set[int]) -> dict[int, int]:
    """How many machines each account has."""
    if not account_ids:
        return {}
    query = (
        select(Asset.account_id, func.count())
        .where(Asset.account_id.in_(sorted(account_ids)))
        .group_by(Asset.account_id)
    )
    return dict(session.execute(query).all())


def assets_of_account(session: Session, account_id: int, limit: int = 200) -> list[Asset]:
    """An account's machines by model (for pickers)."""
    query = select(Asset).where(Asset.account_id == account_id).order_by(Asset.model, Asset.id)
    return list(session.scalars(query.limit(limit)))


def service_kinds_since(session: Session, account_id: int, since: date) -> dict[str, int]:
    """How many service events of each kind an account had since a day."""
    query = (
        select(ServiceEvent.kind, func.count())
        .where(ServiceEvent.account_id == account_id, ServiceEvent.day >= since)
        .group_by(ServiceEvent.kind)
    )
    return dict(session.execute(query).all())


def uncovered_and_old_assets(
    session: Session, account_id: int, installed_before: date
) -> tuple[int, int]:
    """An account's machines without service coverage, and those installed before a day."""
    uncovered = session.scalar(
        select(func.count()).where(Asset.account_id == account_id, Asset.coverage == "none")
    )
    old = session.scalar(
        select(func.count()).where(
            Asset.account_id == account_id, Asset.install_date < installed_before
        )
    )
    return uncovered or 0, old or 0


def sign_up_offerings(session: Session) -> list[Offering]:
    """The catalogue items a technician may offer on a sign-up sheet: flagged, and one-time or
    per service (a recurring item is never on a sheet; see ``installed_base.catalogue``)."""
    query = (
        select(Offering)
        .where(Offering.sign_up_eligible.is_(True))
        .where(Offering.revenue_model.in_(sorted(ONE_OFF)))
        .order_by(Offering.family, Offering.name, Offering.id)
    )
    return list(session.scalars(query))


def load_rates(
    session: Session, currencies: Iterable[str] | None = None
) -> dict[str, list[tuple[date, float]]]:
    """Every stored exchange rate (of some currencies), per currency sorted by day; the series
    ``kit.money.Rates`` converts with."""
    q = select(ExchangeRate.currency, ExchangeRate.day, ExchangeRate.rate).order_by(
        ExchangeRate.currency, ExchangeRate.day
    )
    if currencies is not None:
        wanted = set(currencies)
        if not wanted:
            return {}
        q = q.where(ExchangeRate.currency.in_(wanted))
    out: dict[str, list[tuple[date, float]]] = {}
    for currency, day, rate in session.execute(q):
        out.setdefault(currency, []).append((day, rate))
    return out


# What offers reads and writes of the installed base: catalogue items, orders, coverage.


def offering_by_external_id(session: Session, external_id: str) -> Offering | None:
    return session.scalar(select(Offering).where(Offering.external_id == external_id))


def offerings_by_id(session: Session, ids: Iterable[int]) -> dict[int, Offering]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {o.id: o for o in session.scalars(select(Offering).where(Offering.id.in_(wanted)))}


def add_order(session: Session, order: Order) -> Order:
    """Store an order of purchase history (a sold one-time line, a signed sheet line)."""
    session.add(order)
    session.flush()
    return order


def assets_of_account_by_id(session: Session, account_id: int, ids: Iterable[int]) -> list[Asset]:
    """The machines with these ids that belong to the account (others are left out)."""
    wanted = set(ids)
    if not wanted:
        return []
    return list(
        session.scalars(select(Asset).where(Asset.id.in_(wanted), Asset.account_id == account_id))
    )


# --- what telemetry and availability contracts read of the installed base ------------------


@dataclass(frozen=True)
class SerialMachine:
    """A machine that reports telemetry: an asset with a serial, its account and model."""

    asset_id: int
    account_id: int
    serial: str
    model: str | None


def machines_with_serial(
    session: Session,
    *,
    visible_to: User | None = None,
    account_ids: Iterable[int] | None = None,
    serials: Iterable[str] | None = None,
    asset_ids: Iterable[int] | None = None,
    own_only: bool = False,
) -> list[SerialMachine]:
    """The assets with a serial (seen by ``visible_to``, of these accounts, serials or asset ids
    when given; ``own_only``: the manufacturer's own machines), newest asset first, so that a
    dict by serial keeps the lower asset id of a serial used twice."""
    query = select(Asset.id, Asset.account_id, Asset.serial, Asset.model).where(
        Asset.serial.is_not(None)
    )
    if visible_to is not None:
        query = query.where(Asset.account_id.in_(visible_account_ids(visible_to)))
    if account_ids is not None:
        query = query.where(Asset.account_id.in_(sorted(set(account_ids)) or [-1]))
    if serials is not None:
        query = query.where(Asset.serial.in_(sorted(set(serials)) or [""]))
    if asset_ids is not None:
        query = query.where(Asset.id.in_(sorted(set(asset_ids)) or [-1]))
    if own_only:
        query = query.where(Asset.origin == "own")
    rows = session.execute(query.order_by(Asset.id.desc()))
    return [SerialMachine(i, a, s, m) for i, a, s, m in rows if s is not None]


def machine_tenant_keys(session: Session) -> list[tuple[str, str, str | None, date | None]]:
    """(serial, account external id, site external id, install date) of every asset with a
    serial, newest asset first: under which keys its gateway may report, from when."""
    rows = session.execute(
        select(Asset.serial, Account.external_id, Site.external_id, Asset.install_date)
        .join(Account, Account.id == Asset.account_id)
        .outerjoin(Site, Site.id == Asset.site_id)
        .where(Asset.serial.is_not(None))
        .order_by(Asset.id.desc())
    )
    return [(s, a, k, d) for s, a, k, d in rows if s is not None]


def asset_by_id(session: Session, asset_id: int) -> Asset | None:
    """An asset by id, whoever's it is (the caller checks the scope)."""
    return session.get(Asset, asset_id)


def site_by_external_id(session: Session, external_id: str) -> Site | None:
    """A site by its external id."""
    return session.scalar(select(Site).where(Site.external_id == external_id))


def first_customer_with_own_machines(session: Session, at_least: int) -> int | None:
    """The lowest id of a customer account with at least ``at_least`` of our own machines that
    have a serial (the demo contract's account)."""
    return session.scalar(
        select(Asset.account_id)
        .join(Account, Account.id == Asset.account_id)
        .where(Asset.serial.is_not(None), Asset.origin == "own", Account.kind == "customer")
        .group_by(Asset.account_id)
        .having(func.count() >= at_least)
        .order_by(Asset.account_id)
        .limit(1)
    )


def work_orders_with_serial(
    session: Session, asset_ids: Iterable[int] | None = None
) -> list[tuple[str, date, str, float | None]]:
    """(serial, day, kind, downtime hours) of the work orders of machines with a serial (of
    ``asset_ids`` when given), by serial and day."""
    query = (
        select(Asset.serial, ServiceEvent.day, ServiceEvent.kind, ServiceEvent.downtime_hours)
        .join(Asset, Asset.id == ServiceEvent.asset_id)
        .where(Asset.serial.is_not(None))
        .order_by(Asset.serial, ServiceEvent.day)
    )
    if asset_ids is not None:
        query = query.where(Asset.id.in_(sorted(set(asset_ids)) or [-1]))
    return [(s, d, k, h) for s, d, k, h in session.execute(query).all() if s is not None]


def busiest_technician(session: Session, first_day: date, days: int) -> int | None:
    """The technician with the most visits in the ``days`` days from ``first_day`` (the lowest
    id among equals), or None without visits then."""
    from datetime import timedelta

    from servitize.installed_base.models import Visit

    return session.scalar(
        select(Visit.technician_id)
        .where(Visit.day >= first_day, Visit.day < first_day + timedelta(days=days))
        .group_by(Visit.technician_id)
        .order_by(func.count().desc(), Visit.technician_id)
        .limit(1)
    )


def serials_of(session: Session, asset_ids: Iterable[int]) -> dict[int, str]:
    """The serial of each machine that has one."""
    wanted = sorted(set(asset_ids))
    out: dict[int, str] = {}
    for i in range(0, len(wanted), 10_000):
        rows = session.execute(
            select(Asset.id, Asset.serial).where(
                Asset.id.in_(wanted[i : i + 10_000]), Asset.serial.is_not(None)
            )
        )
        out.update({a: s for a, s in rows if s is not None})
    return out


# --- what a telemetry data set import writes into the installed base -----------------------


def machines_of_account_by_serial(session: Session, account_id: int) -> dict[str, Asset]:
    """The account's machines with a serial, by serial."""
    return {
        a.serial: a
        for a in session.scalars(select(Asset).where(Asset.account_id == account_id))
        if a.serial is not None
    }


def work_order_keys(session: Session, account_id: int) -> set[str]:
    """The external ids of the account's work orders (to import each one once)."""
    return set(
        session.scalars(
            select(ServiceEvent.external_id).where(ServiceEvent.account_id == account_id)
        )
    )


def add_records(session: Session, records: Iterable[Account | Asset | ServiceEvent]) -> None:
    """Store new accounts, machines or work orders (their ids are known afterwards)."""
    session.add_all(list(records))
    session.flush()
