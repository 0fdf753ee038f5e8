"""Every SQL statement of intelligence, named in the product's words.

Segments, leads, model runs, stated attitudes and twin proficiencies; the visible rows the
lists show; and the records the analytics batch moves out of the records DB (``records.py``
turns them into Arrow tables, ``featurize.py`` computes on them with Ibis in DuckDB).
Services call these functions and keep the use cases; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Row, Select, column, func, or_, select, table, true
from sqlalchemy.orm import Session

from servitize.installed_base.access import account_scope, visible_account_ids
from servitize.installed_base.models import (
    Account,
    Asset,
    Offering,
    Order,
    ServiceEvent,
    Visit,
    order_asset,
)
from servitize.intelligence.models import (
    Lead,
    LeadStatus,
    ModelRun,
    ReadinessAttitude,
    SegmentAssignment,
    TwinProficiency,
)
from servitize.trust.models import Role, User

if TYPE_CHECKING:  # pyarrow loads when leads are written, not with the command line
    import pyarrow as pa

# --- segments -----------------------------------------------------------------------------


def segment_counts(session: Session, user: User) -> list[tuple[str, str, int]]:
    """(label, go-to-market mode, visible accounts) by label and mode."""
    rows = session.execute(
        select(SegmentAssignment.label, SegmentAssignment.go_to_market, func.count())
        .where(SegmentAssignment.account_id.in_(visible_account_ids(user)))
        .group_by(SegmentAssignment.label, SegmentAssignment.go_to_market)
        .order_by(SegmentAssignment.label, SegmentAssignment.go_to_market)
    )
    return [(label, mode, n) for label, mode, n in rows]


def visible_segments(
    session: Session,
    user: User,
    label: str | None,
    account_id: int | None,
    limit: int,
    offset: int,
) -> list[SegmentAssignment]:
    """One page of visible accounts' segments, highest priority first."""
    q = select(SegmentAssignment).where(SegmentAssignment.account_id.in_(visible_account_ids(user)))
    if label:
        q = q.where(SegmentAssignment.label == label)
    if account_id is not None:
        q = q.where(SegmentAssignment.account_id == account_id)
    q = q.order_by(SegmentAssignment.priority.desc(), SegmentAssignment.account_id)
    return list(session.scalars(q.limit(limit).offset(offset)))


def segments_by_account(session: Session) -> dict[int, SegmentAssignment]:
    """Every stored segment assignment, by account."""
    return {a.account_id: a for a in session.scalars(select(SegmentAssignment))}


def segment_labels(session: Session, account_ids: set[int]) -> dict[int, str]:
    """The segment label of each of these accounts that has one."""
    if not account_ids:
        return {}
    rows = session.execute(
        select(SegmentAssignment.account_id, SegmentAssignment.label).where(
            SegmentAssignment.account_id.in_(account_ids)
        )
    )
    return dict(rows.all())


def stated_attitudes(session: Session) -> dict[int, str]:
    """Each account's recorded attitude toward Industrial Internet and services."""
    rows = session.execute(select(ReadinessAttitude.account_id, ReadinessAttitude.attitude))
    return dict(rows.all())


def attitude_of(session: Session, account_id: int) -> ReadinessAttitude | None:
    """The account's recorded attitude row, if any."""
    return session.scalar(
        select(ReadinessAttitude).where(ReadinessAttitude.account_id == account_id)
    )


# --- leads --------------------------------------------------------------------------------

# The field's lead routes (a later layer, named here as a plain table): who works a lead.
_LEAD_ROUTE = table(
    "lead_route",
    column("lead_id"),
    column("assigned_to_id"),
    column("reported_by_id"),
    column("visit_id"),
)


def lead_reader(user: User) -> ColumnElement[bool]:
    """Which leads a user reads beyond the account scope: a technician those routed to or
    reported by them and those of their visits, not every lead of the territory."""
    if user.role != Role.technician.value:
        return true()
    own_visits = select(Visit.id).where(Visit.technician_id == user.id)
    return Lead.id.in_(
        select(_LEAD_ROUTE.c.lead_id).where(
            or_(
                _LEAD_ROUTE.c.assigned_to_id == user.id,
                _LEAD_ROUTE.c.reported_by_id == user.id,
                _LEAD_ROUTE.c.visit_id.in_(own_visits),
            )
        )
    )


def visible_leads(
    session: Session,
    user: User,
    account_id: int | None,
    status: str | None,
    source: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Lead], int]:
    """One page of the leads a user may see, best score first, and how many match in all."""
    q = select(Lead).where(Lead.account_id.in_(visible_account_ids(user)), lead_reader(user))
    if account_id is not None:
        q = q.where(Lead.account_id == account_id)
    if status:
        q = q.where(Lead.status == status)
    if source:
        q = q.where(Lead.source == source)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(Lead.score.desc(), Lead.id).limit(limit).offset(offset))
    return list(rows), total


def visible_lead(session: Session, user: User, lead_id: int) -> Lead | None:
    """The lead if the user may see it (its account and, for a technician, its route)."""
    return session.scalar(
        select(Lead).where(
            Lead.id == lead_id,
            Lead.account_id.in_(visible_account_ids(user)),
            lead_reader(user),
        )
    )


def live_leads(session: Session) -> list[Lead]:
    """Open and dismissed leads (those a new run updates or keeps quiet), oldest first."""
    return list(
        session.scalars(
            select(Lead)
            .where(Lead.status.in_([LeadStatus.open, LeadStatus.dismissed]))
            .order_by(Lead.id)
        )
    )


def open_lead_ids_expiring_before(session: Session, day: date) -> list[int]:
    """The ids of the open leads whose expiry day lies before ``day``, in order."""
    return list(
        session.scalars(
            select(Lead.id)
            .where(Lead.status == LeadStatus.open, Lead.expires_on < day)
            .order_by(Lead.id)
        )
    )


# --- the tendency-to-buy model ------------------------------------------------------------


def model_run_count(session: Session) -> int:
    """How many model runs are recorded."""
    return session.scalar(select(func.count()).select_from(ModelRun)) or 0


def latest_model_run(session: Session) -> ModelRun | None:
    """The newest recorded model run."""
    return session.scalar(select(ModelRun).order_by(ModelRun.id.desc()).limit(1))


# --- digital-twin positioning and proficiency ---------------------------------------------

DIGITAL_SHELLS = ("digital_service", "smart_pss_bundle")


def digital_offerings_sold(
    session: Session, user: User, account_id: int | None = None
) -> Sequence[Row[int, str, int | None, int | None, str | None, str, float]]:
    """Per visible account and digital offering: (account id, account name, owner id, dealer
    id, family, offering name, quantity sold), by account and offering name."""
    q = (
        select(
            Order.account_id,
            Account.name,
            Account.owner_id,
            Account.dealer_id,
            Offering.family,
            Offering.name,
            func.sum(Order.quantity),
        )
        .join(Offering, Offering.id == Order.offering_id)
        .join(Account, Account.id == Order.account_id)
        .where(account_scope(user), Offering.shell.in_(DIGITAL_SHELLS))
        .group_by(
            Order.account_id,
            Account.name,
            Account.owner_id,
            Account.dealer_id,
            Offering.family,
            Offering.name,
        )
        .order_by(Order.account_id, Offering.name)
    )
    if account_id is not None:
        q = q.where(Order.account_id == account_id)
    return session.execute(q).all()


def site_counts(session: Session, account_ids: set[int]) -> dict[int, int]:
    """How many distinct sites each of these accounts has machines at."""
    if not account_ids:
        return {}
    rows = session.execute(
        select(Asset.account_id, func.count(func.distinct(Asset.site_id)))
        .where(Asset.account_id.in_(account_ids))
        .group_by(Asset.account_id)
    )
    return dict(rows.all())


def proficiency_levels(session: Session, user_ids: set[int]) -> dict[int, int]:
    """The recorded twin-selling proficiency of each of these users that has one."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(TwinProficiency.user_id, TwinProficiency.level).where(
            TwinProficiency.user_id.in_(user_ids)
        )
    )
    return dict(rows.all())


def proficiency_of(session: Session, user_id: int) -> TwinProficiency | None:
    """A user's recorded proficiency row, if any."""
    return session.scalar(select(TwinProficiency).where(TwinProficiency.user_id == user_id))


def salespeople_with_levels(
    session: Session, roles: Sequence[str]
) -> Sequence[Row[int, str, str, Role, int]]:
    """Active users of these roles with their recorded level: (id, username, full name, role,
    level or None), by name."""
    return session.execute(
        select(User.id, User.username, User.full_name, User.role, TwinProficiency.level)
        .outerjoin(TwinProficiency, TwinProficiency.user_id == User.id)
        .where(User.role.in_(roles), User.active.is_(True))
        .order_by(User.full_name, User.username)
    ).all()


# --- the records the analytics batch reads ------------------------------------------------

# Column order as in records.SCHEMAS; money columns are followed by their currency, which
# records.load_records converts away. Read as the driver's plain rows (``_plain_rows``), never
# decoded by SQLAlchemy row by row: there are millions of them.
_RECORDS = {
    "accounts": select(
        Account.id,
        Account.external_id,
        Account.name,
        Account.country,
        Account.territory,
        Account.industry,
        Account.ownership_type,
        Account.owner_id,
        Account.dealer_id,
        Account.volume,
        Account.profitability_potential,
        Account.technical_risk,
        Account.country_risk,
        Account.relationship_quality,
    ),
    "assets": select(
        Asset.id,
        Asset.account_id,
        Asset.site_id,
        Asset.external_id,
        Asset.serial,
        Asset.model,
        Asset.product_line,
        Asset.origin,
        Asset.install_date,
        Asset.connectivity,
        Asset.warranty_end,
        Asset.coverage,
        Asset.contract_end,
    ),
    "events": select(
        ServiceEvent.asset_id,
        ServiceEvent.account_id,
        ServiceEvent.day,
        ServiceEvent.kind,
        ServiceEvent.component,
        ServiceEvent.parts_cost_cents,
        ServiceEvent.labour_hours,
        ServiceEvent.downtime_hours,
        ServiceEvent.currency,
    ),
    "orders": select(
        Order.account_id,
        Order.offering_id,
        Order.day,
        Order.amount_cents,
        Order.currency,
        Offering.family,
        Offering.shell,
        Order.quantity,
    ).join(Offering, Offering.id == Order.offering_id),
    "offerings": select(
        Offering.id,
        Offering.external_id,
        Offering.name,
        Offering.family,
        Offering.shell,
        Offering.list_price_cents,
        Offering.currency,
        Offering.revenue_model,
        Offering.unit,
    ),
    "visits": select(Visit.account_id, Visit.technician_id, Visit.day),
    "users": select(User.id, User.role, User.territory),
}


def _plain_rows(session: Session, statement: Select[*tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The statement's rows as the database driver hands them back (plain tuples, read
    straight from its cursor), without SQLAlchemy's decoding of each row: an enum column gives
    its stored text, a date its ISO text on SQLite and a date on PostgreSQL. The session's
    pending changes are flushed first, as a query through the session does."""
    if session.autoflush:
        session.flush()
    result = session.connection().execute(statement)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def analytics_records(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every account, machine, service event, order, offering, visit and user, as the driver's
    plain row tuples (``records.load_records`` makes Arrow columns of them)."""
    return {name: _plain_rows(session, q) for name, q in _RECORDS.items()}


def retrofit_days(session: Session, offerings: Sequence[str]) -> list[tuple[Any, ...]]:
    """(machine, day) of every order of these catalogue items (those that add sensors), as
    the driver's plain row tuples."""
    return _plain_rows(
        session,
        select(order_asset.c.asset_id, Order.day)
        .join(Order, Order.id == order_asset.c.order_id)
        .join(Offering, Offering.id == Order.offering_id)
        .where(Offering.external_id.in_(offerings)),
    )


# --- leads written in bulk (service.store_leads) -------------------------------------------


def live_lead_rows(
    session: Session,
) -> Sequence[Row[int, int, str, str, date | None, float]]:
    """(id, account id, offering key, status, quiet until, score) of every open and dismissed
    lead, oldest first: what a lead run updates or keeps quiet, without loading the leads."""
    return session.execute(
        select(
            Lead.id, Lead.account_id, Lead.offering_key, Lead.status, Lead.quiet_until, Lead.score
        )
        .where(Lead.status.in_([LeadStatus.open, LeadStatus.dismissed]))
        .order_by(Lead.id)
    ).all()


def last_lead_id(session: Session) -> int:
    """The highest lead id so far (0 when there is none)."""
    return session.scalar(select(func.max(Lead.id))) or 0


def lead_ids_after(session: Session, after: int) -> Sequence[Row[int, int, str]]:
    """(id, account id, offering key) of the leads written after lead ``after``."""
    return session.execute(
        select(Lead.id, Lead.account_id, Lead.offering_key).where(Lead.id > after)
    ).all()


def insert_rows(session: Session, name: str, rows: pa.Table) -> None:
    """Append rows (Arrow columns named as the table's, values as the database stores them:
    JSON as text, dates and moments as ISO text) to a table in the session's transaction:
    COPY on PostgreSQL, one executemany on SQLite."""
    if not rows.num_rows:
        return
    conn = session.connection()
    names = ", ".join(f'"{c}"' for c in rows.column_names)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dialect.name == "postgresql":
            import pyarrow as pa
            import pyarrow.csv as pcsv

            sink = pa.BufferOutputStream()
            options = pcsv.WriteOptions(include_header=False, quoting_style="all_valid")
            pcsv.write_csv(rows.combine_chunks(), sink, options)  # an empty first chunk garbles it
            with cursor.copy(f'COPY "{name}" ({names}) FROM STDIN (FORMAT csv)') as copy:
                copy.write(memoryview(sink.getvalue()))
        else:
            marks = ", ".join("?" for _ in rows.column_names)
            columns = [rows[c].to_pylist() for c in rows.column_names]
            cursor.executemany(
                f'INSERT INTO "{name}" ({names}) VALUES ({marks})', zip(*columns, strict=True)
            )
    finally:
        cursor.close()


def update_leads(session: Session, rows: pa.Table) -> None:
    """Set the columns of ``rows`` (besides ``id``) on the leads of its ids, as ``insert_rows``
    writes them: through a staging table on PostgreSQL, one executemany on SQLite."""
    update_rows(session, "lead", rows)


def update_rows(session: Session, name: str, rows: pa.Table) -> None:
    """Set the columns of ``rows`` (besides ``id``) on the rows of its ids of table ``name``,
    values as ``insert_rows`` writes them: through a staging table on PostgreSQL (COPY, then one
    UPDATE), one executemany on SQLite."""
    if not rows.num_rows:
        return
    conn = session.connection()
    columns = [c for c in rows.column_names if c != "id"]
    if conn.dialect.name == "postgresql":
        staged = f"{name}_staged"
        conn.exec_driver_sql(
            f'CREATE TEMP TABLE "{staged}" ON COMMIT DROP AS SELECT '
            + ", ".join(f'"{c}"' for c in rows.column_names)
            + f' FROM "{name}" WITH NO DATA'
        )
        insert_rows(session, staged, rows)
        sets = ", ".join(f'"{c}" = s."{c}"' for c in columns)
        conn.exec_driver_sql(
            f'UPDATE "{name}" SET {sets} FROM "{staged}" s WHERE "{name}".id = s.id'
        )
        conn.exec_driver_sql(f'DROP TABLE "{staged}"')
        return
    sets = ", ".join(f'"{c}" = ?' for c in columns)
    values = [rows[c].to_pylist() for c in [*columns, "id"]]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(f'UPDATE "{name}" SET {sets} WHERE id = ?', zip(*values, strict=True))
    finally:
        cursor.close()


# --- segments written in bulk (the analytics batch) -----------------------------------------


def segment_ids(session: Session) -> dict[int, int]:
    """The id of each account's stored segment assignment, by account."""
    rows = session.execute(select(SegmentAssignment.account_id, SegmentAssignment.id))
    return dict(rows.all())


def write_segments(session: Session, rows: pa.Table, now: datetime) -> tuple[int, int]:
    """Store a run's segments (Arrow columns named as ``segment_assignment``'s, ``account_id``
    first; JSON as text, ``as_of`` as ISO text) in bulk: a new assignment for each account
    without one, the stored one overwritten otherwise (its ``created_at`` kept), as the ORM
    path (``service.run_segments``) leaves them. Returns (created, updated)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    session.flush()
    if not rows.num_rows:
        return 0, 0
    ids = segment_ids(session)
    accounts = rows["account_id"].to_pylist()
    known = pa.array([a in ids for a in accounts])
    moment = moment_text(session, now)
    stamp = pa.array([moment] * rows.num_rows, pa.string())
    new = rows.filter(pc.invert(known))
    insert_rows(
        session,
        "segment_assignment",
        new.append_column("created_at", stamp[: new.num_rows]).append_column(
            "updated_at", stamp[: new.num_rows]
        ),
    )
    old = rows.filter(known)
    update_rows(
        session,
        "segment_assignment",
        old.drop_columns(["account_id"])
        .append_column("updated_at", stamp[: old.num_rows])
        .append_column("id", pa.array([ids[a] for a in old["account_id"].to_pylist()], pa.int64())),
    )
    session.expire_all()  # assignments loaded before see the rows written here
    return new.num_rows, old.num_rows


def moment_text(session: Session, at: datetime) -> str:
    """A moment (UTC) as the records DB stores it in text: SQLite's own format (as SQLAlchemy
    writes it), ISO with its offset elsewhere."""
    if session.get_bind().dialect.name == "sqlite":
        return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return at.astimezone(UTC).isoformat()
