"""Service work in the database: work orders and their log, skills, PM plans, the technicians'
time slots (visits) and the signed sign-up lines that still wait for their work order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servitize.contracts.models import AvailabilityContract
from servitize.field.models import SignUpLine, SignUpSheet
from servitize.installed_base.access import account_scope, visible_account_ids
from servitize.installed_base.models import Account, Asset, Offering, ServiceEvent, Site, Visit
from servitize.intelligence.models import Lead
from servitize.kit.pagination import PageParams, paginate
from servitize.service_work.models import (
    PmPlan,
    TechnicianSkill,
    WorkEntry,
    WorkOrder,
)
from servitize.service_work.rules import OPEN
from servitize.trust.models import Role, User

Record = WorkOrder | WorkEntry | TechnicianSkill | PmPlan | Visit | ServiceEvent


def add(session: Session, record: Record) -> None:
    """Store a new record (its id is known afterwards)."""
    session.add(record)
    session.flush()


def saved(session: Session) -> None:
    """Write pending changes (the edge commits)."""
    session.flush()


def remove(session: Session, record: TechnicianSkill) -> None:
    """Delete a record (a skill taken away)."""
    session.delete(record)
    session.flush()


def remove_unless_used(session: Session, visit: Visit) -> bool:
    """Delete a visit unless another record points at it (then it stays); whether it went."""
    try:
        with session.begin_nested():
            session.delete(visit)
            session.flush()
    except IntegrityError:
        return False
    return True


# ---- work orders --------------------------------------------------------------------------------


def visible_work_order(session: Session, user: User, work_order_id: int) -> WorkOrder | None:
    """A work order of an account the user may see."""
    return session.scalar(
        select(WorkOrder).where(
            WorkOrder.id == work_order_id, WorkOrder.account_id.in_(visible_account_ids(user))
        )
    )


@dataclass(frozen=True)
class Filters:
    """What the work list is narrowed to."""

    status: str | None = None  # a status, or "open"
    technician_id: int | None = None
    account_id: int | None = None
    due_before: date | None = None
    source: str | None = None


def _listed(user: User, f: Filters) -> Select[WorkOrder]:
    q = select(WorkOrder).where(WorkOrder.account_id.in_(visible_account_ids(user)))
    if f.status == "open":
        q = q.where(WorkOrder.status.in_(OPEN))
    elif f.status:
        q = q.where(WorkOrder.status == f.status)
    if f.technician_id is not None:
        q = q.where(WorkOrder.technician_id == f.technician_id)
    if f.account_id is not None:
        q = q.where(WorkOrder.account_id == f.account_id)
    if f.due_before is not None:
        q = q.where(WorkOrder.due_on.is_not(None), WorkOrder.due_on <= f.due_before)
    if f.source:
        q = q.where(WorkOrder.source == f.source)
    return q


def work_orders_page(
    session: Session, user: User, f: Filters, params: PageParams
) -> tuple[list[WorkOrder], int]:
    """One page of the work orders the user may see, newest first."""
    q = _listed(user, f).order_by(WorkOrder.id.desc())
    return paginate(session, q, params)


def all_work_orders(session: Session, user: User, f: Filters, limit: int) -> list[WorkOrder]:
    """Every listed work order up to ``limit`` (the CSV export), newest first."""
    return list(session.scalars(_listed(user, f).order_by(WorkOrder.id.desc()).limit(limit)))


def open_case(session: Session, asset_id: int, rule: str) -> WorkOrder | None:
    """The open alert case of a machine and rule (one at a time)."""
    return session.scalar(
        select(WorkOrder).where(
            WorkOrder.asset_id == asset_id,
            WorkOrder.alert_rule == rule,
            WorkOrder.status.in_(OPEN),
        )
    )


def of_sign_up_line(session: Session, line_id: int) -> WorkOrder | None:
    """The work order made for a signed sheet line."""
    return session.scalar(select(WorkOrder).where(WorkOrder.sign_up_line_id == line_id))


def of_request(session: Session, request_ref: str) -> WorkOrder | None:
    """The work order opened for a customer request."""
    return session.scalar(select(WorkOrder).where(WorkOrder.request_ref == request_ref))


def of_visit(session: Session, visit_id: int) -> WorkOrder | None:
    """The work order a visit is the slot of."""
    return session.scalar(select(WorkOrder).where(WorkOrder.visit_id == visit_id))


def unscheduled(session: Session, user: User, limit: int = 200) -> list[WorkOrder]:
    """New work orders (no slot yet) of the user's accounts, the most urgent first."""
    return list(
        session.scalars(
            select(WorkOrder)
            .where(
                WorkOrder.status == "new",
                WorkOrder.account_id.in_(visible_account_ids(user)),
            )
            .order_by(WorkOrder.due_on.is_(None), WorkOrder.due_on, WorkOrder.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class SoldLine:
    """A signed sheet line that has no work order yet: sold work waiting to be dispatched."""

    line_id: int
    sheet_id: int
    account_id: int
    account: str
    offering: str
    shell: str
    reason: str
    signed_on: date | None
    technician_id: int


def sold_lines(
    session: Session, user: User, limit: int = 200, line_id: int | None = None
) -> list[SoldLine]:
    """Signed sign-up lines (an order was made) without a work order, of the user's accounts."""
    q = (
        select(SignUpLine, SignUpSheet, Offering, Account.name)
        .join(SignUpSheet, SignUpSheet.id == SignUpLine.sheet_id)
        .join(Offering, Offering.id == SignUpLine.offering_id)
        .join(Account, Account.id == SignUpSheet.account_id)
        .where(
            SignUpLine.order_id.is_not(None),
            SignUpSheet.status == "signed",
            ~select(WorkOrder.id).where(WorkOrder.sign_up_line_id == SignUpLine.id).exists(),
            account_scope(user),
        )
        .order_by(SignUpSheet.signed_at, SignUpLine.id)
        .limit(limit)
    )
    if line_id is not None:
        q = q.where(SignUpLine.id == line_id)
    return [
        SoldLine(
            line.id,
            sheet.id,
            sheet.account_id,
            name,
            offering.name,
            offering.shell,
            line.reason,
            sheet.signed_at.date() if sheet.signed_at else None,
            sheet.technician_id,
        )
        for line, sheet, offering, name in session.execute(q)
    ]


def entries_of(session: Session, work_order_id: int) -> list[WorkEntry]:
    """A work order's log, oldest first."""
    return list(
        session.scalars(
            select(WorkEntry)
            .where(WorkEntry.work_order_id == work_order_id)
            .order_by(WorkEntry.at, WorkEntry.id)
        )
    )


def entry(session: Session, work_order_id: int, entry_id: int) -> WorkEntry | None:
    """One line of a work order's log."""
    return session.scalar(
        select(WorkEntry).where(WorkEntry.id == entry_id, WorkEntry.work_order_id == work_order_id)
    )


def entry_with_key(session: Session, client_key: str) -> WorkEntry | None:
    """The log line a phone already sent with this key."""
    return session.scalar(select(WorkEntry).where(WorkEntry.client_key == client_key))


def spare_parts(session: Session) -> list[Offering]:
    """The offerings of the spare-parts shell (parts a technician may book)."""
    return list(
        session.scalars(
            select(Offering).where(Offering.shell == "spare_parts").order_by(Offering.name)
        )
    )


def offering(session: Session, offering_id: int) -> Offering | None:
    """An offering by id."""
    return session.get(Offering, offering_id)


# ---- records of other capabilities that a work order names --------------------------------------


def account(session: Session, user: User, account_id: int) -> Account | None:
    """An account the user may see."""
    return session.scalar(select(Account).where(Account.id == account_id, account_scope(user)))


def asset(session: Session, asset_id: int) -> Asset | None:
    """A machine by id."""
    return session.get(Asset, asset_id)


def assets_by_id(session: Session, ids: Iterable[int]) -> dict[int, Asset]:
    """Machines by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {a.id: a for a in session.scalars(select(Asset).where(Asset.id.in_(wanted)))}


def account_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Account names by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(select(Account.id, Account.name).where(Account.id.in_(wanted)))
    return {int(i): str(n) for i, n in rows}


def account_choices(session: Session, user: User, limit: int = 500) -> list[tuple[int, str]]:
    """(id, name) of the accounts the user may see, by name (a form's customer list)."""
    rows = session.execute(
        select(Account.id, Account.name)
        .where(account_scope(user))
        .order_by(Account.name)
        .limit(limit)
    )
    return [(int(i), str(n)) for i, n in rows]


def site(session: Session, site_id: int) -> Site | None:
    """A site by id."""
    return session.get(Site, site_id)


def visit(session: Session, visit_id: int) -> Visit | None:
    """A visit by id."""
    return session.get(Visit, visit_id)


def visible_visit(session: Session, user: User, visit_id: int) -> Visit | None:
    """A visit of an account the user may see."""
    return session.scalar(
        select(Visit).where(Visit.id == visit_id, Visit.account_id.in_(visible_account_ids(user)))
    )


def visible_lead(session: Session, user: User, lead_id: int) -> Lead | None:
    """A lead of an account the user may see."""
    return session.scalar(
        select(Lead).where(Lead.id == lead_id, Lead.account_id.in_(visible_account_ids(user)))
    )


def sign_up_line(session: Session, line_id: int) -> tuple[SignUpLine, SignUpSheet, Offering] | None:
    """A sheet line with its sheet and offering."""
    row = session.execute(
        select(SignUpLine, SignUpSheet, Offering)
        .join(SignUpSheet, SignUpSheet.id == SignUpLine.sheet_id)
        .join(Offering, Offering.id == SignUpLine.offering_id)
        .where(SignUpLine.id == line_id)
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def user(session: Session, user_id: int) -> User | None:
    """A user by id."""
    return session.get(User, user_id)


def users_by_id(session: Session, ids: Iterable[int]) -> dict[int, User]:
    """Users by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def technicians(session: Session, territory: str | None = None) -> list[User]:
    """Active technicians (of a territory when given), by name."""
    q = select(User).where(User.role == Role.technician.value, User.active.is_(True))
    if territory:
        q = q.where(User.territory == territory)
    return list(session.scalars(q.order_by(User.full_name, User.username)))


def history_event_id(session: Session, external_id: str) -> int | None:
    """The id of the service event written under this external id."""
    return session.scalar(select(ServiceEvent.id).where(ServiceEvent.external_id == external_id))


# ---- slots and skills ---------------------------------------------------------------------------


def visits_between(
    session: Session, technician_ids: Sequence[int], first: date, last: date
) -> list[Visit]:
    """The technicians' visits from ``first`` to ``last``, by day and time."""
    if not technician_ids:
        return []
    return list(
        session.scalars(
            select(Visit)
            .where(
                Visit.technician_id.in_(technician_ids),
                Visit.day >= first,
                Visit.day <= last,
            )
            .order_by(Visit.day, Visit.start_time, Visit.id)
        )
    )


def work_orders_of_visits(session: Session, visit_ids: Iterable[int]) -> dict[int, WorkOrder]:
    """The work order of each visit that is one's slot."""
    wanted = set(visit_ids)
    if not wanted:
        return {}
    rows = session.scalars(select(WorkOrder).where(WorkOrder.visit_id.in_(wanted)))
    return {w.visit_id: w for w in rows if w.visit_id is not None}


def skills_of(session: Session, user_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each user's skills, sorted."""
    wanted = set(user_ids)
    out: dict[int, list[str]] = {i: [] for i in wanted}
    if not wanted:
        return out
    rows = session.execute(
        select(TechnicianSkill.user_id, TechnicianSkill.skill)
        .where(TechnicianSkill.user_id.in_(wanted))
        .order_by(TechnicianSkill.skill)
    )
    for uid, skill in rows:
        out[uid].append(skill)
    return out


def skill_rows(session: Session, user_id: int) -> list[TechnicianSkill]:
    """A technician's skill records."""
    return list(session.scalars(select(TechnicianSkill).where(TechnicianSkill.user_id == user_id)))


def known_skills(session: Session) -> list[str]:
    """Every skill some technician has."""
    return list(
        session.scalars(select(TechnicianSkill.skill).distinct().order_by(TechnicianSkill.skill))
    )


def my_open_work(session: Session, technician_id: int, limit: int = 50) -> list[WorkOrder]:
    """A technician's open work orders, the scheduled ones by their day."""
    return list(
        session.scalars(
            select(WorkOrder)
            .outerjoin(Visit, Visit.id == WorkOrder.visit_id)
            .where(WorkOrder.technician_id == technician_id, WorkOrder.status.in_(OPEN))
            .order_by(Visit.day.is_(None), Visit.day, Visit.start_time, WorkOrder.id)
            .limit(limit)
        )
    )


# ---- preventive-maintenance plans ---------------------------------------------------------------


def plans(session: Session, user: User, active_only: bool = False) -> list[PmPlan]:
    """The plans of the user's accounts, by name."""
    q = select(PmPlan).where(PmPlan.account_id.in_(visible_account_ids(user)))
    if active_only:
        q = q.where(PmPlan.active.is_(True))
    return list(session.scalars(q.order_by(PmPlan.name, PmPlan.id)))


def all_active_plans(session: Session) -> list[PmPlan]:
    """Every active plan (the plan run)."""
    return list(session.scalars(select(PmPlan).where(PmPlan.active.is_(True)).order_by(PmPlan.id)))


def visible_plan(session: Session, user: User, plan_id: int) -> PmPlan | None:
    """A plan of an account the user may see."""
    return session.scalar(
        select(PmPlan).where(PmPlan.id == plan_id, PmPlan.account_id.in_(visible_account_ids(user)))
    )


def contract(session: Session, contract_id: int) -> AvailabilityContract | None:
    """An availability contract by id."""
    return session.get(AvailabilityContract, contract_id)


def machines_of_plan(session: Session, plan: PmPlan) -> list[Asset]:
    """The machines a plan covers: its machine, or the contract's (every machine of the
    contract's account when the contract names no serials)."""
    if plan.asset_id is not None:
        found = session.get(Asset, plan.asset_id)
        return [found] if found is not None else []
    if plan.contract_id is None:
        return []
    c = session.get(AvailabilityContract, plan.contract_id)
    if c is None:
        return []
    q = select(Asset).where(Asset.account_id == c.account_id, Asset.origin == "own")
    if c.serials is not None:
        q = q.where(Asset.serial.in_(c.serials))
    return list(session.scalars(q.order_by(Asset.id)))


@dataclass(frozen=True)
class PlanState:
    """Per machine of a plan: when its plan work was last done, and its open plan order."""

    last_done: dict[int, date]
    open_order: dict[int, WorkOrder]


def plan_state(session: Session, plan_id: int) -> PlanState:
    """The last completion and the open work order of each machine under a plan."""
    rows = session.scalars(select(WorkOrder).where(WorkOrder.pm_plan_id == plan_id))
    last: dict[int, date] = {}
    open_: dict[int, WorkOrder] = {}
    for w in rows:
        if w.asset_id is None:
            continue
        if w.status in OPEN:
            open_[w.asset_id] = w
        elif w.status == "done" and w.completed_at is not None:
            day = w.completed_at.date()
            last[w.asset_id] = max(day, last.get(w.asset_id, day))
    return PlanState(last, open_)


def plan_orders(session: Session, plan_id: int, limit: int = 100) -> list[WorkOrder]:
    """A plan's work orders, the newest due first."""
    return list(
        session.scalars(
            select(WorkOrder)
            .where(WorkOrder.pm_plan_id == plan_id)
            .order_by(WorkOrder.due_on.desc(), WorkOrder.id.desc())
            .limit(limit)
        )
    )


def counts_by_status(session: Session, user: User) -> dict[str, int]:
    """How many work orders of the user's accounts are in each status."""
    rows = session.execute(
        select(WorkOrder.status, func.count())
        .where(WorkOrder.account_id.in_(visible_account_ids(user)))
        .group_by(WorkOrder.status)
    )
    return {str(s): int(n) for s, n in rows}


def accounts_with_work(session: Session, user: User, limit: int = 300) -> list[Account]:
    """Accounts that have work orders (the list's account filter)."""
    return list(
        session.scalars(
            select(Account)
            .where(account_scope(user), Account.id.in_(select(WorkOrder.account_id)))
            .order_by(Account.name)
            .limit(limit)
        )
    )


# ---- the demo's needs ---------------------------------------------------------------------------


def visits_without_time(session: Session, limit: int = 200_000) -> list[Visit]:
    """Visits that have no time of day yet, by technician, day and id."""
    return list(
        session.scalars(
            select(Visit)
            .where(Visit.start_time.is_(None))
            .order_by(Visit.technician_id, Visit.day, Visit.id)
            .limit(limit)
        )
    )


def visits_of_technician(
    session: Session, technician_id: int, first: date, last: date
) -> list[Visit]:
    """A technician's visits between two days, the earliest first."""
    return list(
        session.scalars(
            select(Visit)
            .where(Visit.technician_id == technician_id, Visit.day >= first, Visit.day <= last)
            .order_by(Visit.day, Visit.id)
        )
    )


def sign_up_offerings(session: Session, limit: int = 2) -> list[Offering]:
    """Sign-up-eligible offerings of the catalogue (the demo's sold lines)."""
    return list(
        session.scalars(
            select(Offering)
            .where(Offering.sign_up_eligible.is_(True))
            .order_by(Offering.id)
            .limit(limit)
        )
    )


def user_named(session: Session, username: str) -> User | None:
    """A user by username."""
    return session.scalar(select(User).where(User.username == username))


def first_service_manager(session: Session) -> User | None:
    """The first active service manager."""
    return session.scalar(
        select(User)
        .where(User.role == Role.service_manager.value, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )


def contract_by_external_id(session: Session, external_id: str) -> AvailabilityContract | None:
    """An availability contract by its external id."""
    return session.scalar(
        select(AvailabilityContract).where(AvailabilityContract.external_id == external_id)
    )
