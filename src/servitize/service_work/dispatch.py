"""The dispatch board: a week per technician (rows) × day (columns, Monday to Friday unless
weekends are shown), the unscheduled work beside it (new work orders and signed sheet lines that
have no work order yet), and scheduling: a slot is a visit (technician, day, time, duration).

Scheduling asks ``work.schedule``. It refuses a weekend day unless the settings allow it
(``SERVITIZE_WORK_ALLOW_WEEKENDS``), a technician without the skill the work asks for, and a slot
that overlaps another job of the technician (409 naming it); a visit without a time is "all
day" and so clashes with anything that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from servitize.core.errors import Conflict, InvalidInput, NotFound
from servitize.installed_base.access import require
from servitize.installed_base.models import Visit
from servitize.service_work import repository as repo
from servitize.service_work import rules, service
from servitize.service_work.models import TechnicianSkill, WorkOrder
from servitize.trust import audit
from servitize.trust.context import Context
from servitize.trust.models import Role, User

MAX_SKILLS = 20


def slot_of(v: Visit, label: str = "") -> rules.Slot:
    """A visit as a time slot."""
    return rules.Slot(v.day, v.start_time, v.duration_minutes, label)


def slot_dict(v: Visit | None) -> dict[str, Any] | None:
    """A visit's slot as the API prints it."""
    if v is None:
        return None
    return {
        "visit_id": v.id,
        "technician_id": v.technician_id,
        "day": v.day.isoformat(),
        "start": v.start_time.strftime("%H:%M") if v.start_time else None,
        "minutes": v.duration_minutes,
        "all_day": v.start_time is None,
    }


def slot_visit(ctx: Context, w: WorkOrder) -> Visit | None:
    """The visit that is a work order's slot."""
    return repo.visit(ctx.session, w.visit_id) if w.visit_id is not None else None


def detail(ctx: Context, work_order_id: int) -> dict[str, Any]:
    """A work order with its slot, usage and log."""
    w = service.get(ctx, work_order_id)
    visit = slot_visit(ctx, w)
    used = service.usage(ctx, w)
    cents, currency = used.parts_cost()
    return service.as_dict(w, service.names(ctx, [w]), slot_dict(visit)) | {
        "hours": used.hours,
        "parts_cost": {"cents": cents, "currency": currency},
        "entries": [service.entry_dict(e) for e in service.entries(ctx, w)],
    }


def _technician(ctx: Context, technician_id: int) -> User:
    tech = repo.user(ctx.session, technician_id)
    if tech is None or tech.role != Role.technician.value or not tech.active:
        raise InvalidInput(f"technician_id: {technician_id} is not an active technician")
    return tech


def _label(ctx: Context, v: Visit) -> str:
    wo = repo.of_visit(ctx.session, v.id)
    names = repo.account_names(ctx.session, {v.account_id})
    what = wo.number if wo else f"visit {v.external_id}"
    return f"{what} at {names.get(v.account_id, '')}".strip()


def schedule(
    ctx: Context,
    work_order_id: int,
    technician_id: int,
    day: date,
    start: time | None,
    minutes: int | None,
) -> WorkOrder:
    """Put a work order in a technician's week (a new slot, or its slot moved)."""
    require(ctx.user, "work.schedule")
    w = service.get(ctx, work_order_id)
    if w.status not in (rules.NEW, rules.SCHEDULED, rules.IN_PROGRESS):
        raise rules_conflict(w)
    s = ctx.settings.work
    start = start if start is not None else rules.parse_time(s.day_start)
    minutes = minutes if minutes is not None else s.default_minutes
    tech = _technician(ctx, technician_id)
    wanted = rules.Slot(day, start, minutes)
    others = [
        slot_of(v, _label(ctx, v))
        for v in repo.visits_between(ctx.session, [tech.id], day, day)
        if v.id != w.visit_id
    ]
    rules.check_slot(
        wanted,
        others,
        s.allow_weekends,
        w.required_skill,
        repo.skills_of(ctx.session, [tech.id])[tech.id],
        tech.full_name or tech.username,
    )
    before = service.audit_fields(w)
    visit = repo.visit(ctx.session, w.visit_id) if w.visit_id is not None else None
    if visit is None:
        visit = Visit(
            external_id=w.record_key,
            technician_id=tech.id,
            account_id=w.account_id,
            site_id=w.site_id,
            day=day,
            job_type=w.kind,
            start_time=start,
            duration_minutes=minutes,
        )
        repo.add(ctx.session, visit)
    else:
        visit.technician_id, visit.day = tech.id, day
        visit.start_time, visit.duration_minutes = start, minutes
    w.visit_id, w.technician_id = visit.id, tech.id
    if w.status == rules.NEW:
        w.status = rules.SCHEDULED
    repo.saved(ctx.session)
    audit.record(
        ctx.session,
        ctx.actor,
        "schedule",
        "work_order",
        w.id,
        before,
        service.audit_fields(w)
        | {"day": day, "start": start.strftime("%H:%M") if start else None, "minutes": minutes},
    )
    return w


def rules_conflict(w: WorkOrder) -> Conflict:
    """The refusal to schedule a closed work order."""
    return Conflict(f"status: the work order is {rules.LABELS[w.status]}; it cannot be scheduled")


def schedule_sold_line(
    ctx: Context,
    line_id: int,
    technician_id: int,
    day: date,
    start: time | None,
    minutes: int | None,
) -> WorkOrder:
    """Dispatch sold work: the signed line's work order is made and scheduled in one step."""
    require(ctx.user, "work.schedule")
    w = service.open_from_sign_up(ctx, line_id)
    return schedule(ctx, w.id, technician_id, day, start, minutes)


def unschedule(ctx: Context, work_order_id: int) -> WorkOrder:
    """Back to the unscheduled list."""
    require(ctx.user, "work.schedule")
    w = service.get(ctx, work_order_id)
    if w.status != rules.SCHEDULED:
        rules.check_move(w.status, rules.NEW)
    return service.move(ctx, work_order_id, rules.NEW)


# ---- the board ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """A slot on the board: the visit and, when it is one's slot, its work order."""

    visit: Visit
    work: WorkOrder | None
    account: str

    @property
    def time(self) -> str:
        v = self.visit
        if v.start_time is None:
            return "all day"
        end = rules.Slot(v.day, v.start_time, v.duration_minutes).span()[1]
        return f"{v.start_time:%H:%M}–{end // 60:02d}:{end % 60:02d}"


@dataclass(frozen=True)
class Row:
    """One technician's week."""

    technician: User
    skills: list[str]
    cells: dict[date, list[Job]]


@dataclass(frozen=True)
class Board:
    """The week: its days, a row per technician, and what is not scheduled yet."""

    monday: date
    days: list[date]
    weekends: bool
    rows: list[Row]
    unscheduled: list[WorkOrder]
    sold: list[repo.SoldLine]
    names: service.Names

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)


def board(ctx: Context, day: date | None = None, weekends: bool = False) -> Board:
    """The dispatch board of the week that holds ``day`` (this week by default)."""
    service.staff_only(ctx.user)
    monday = rules.week_of(day or ctx.today)
    days = rules.board_days(monday, weekends)
    territory = ctx.user.territory if ctx.user.role == Role.service_manager.value else None
    techs = repo.technicians(ctx.session, territory)
    ids = [t.id for t in techs]
    visits = repo.visits_between(ctx.session, ids, days[0], days[-1])
    works = repo.work_orders_of_visits(ctx.session, [v.id for v in visits])
    accounts = repo.account_names(ctx.session, {v.account_id for v in visits})
    skills = repo.skills_of(ctx.session, ids)
    rows = []
    for t in techs:
        cells: dict[date, list[Job]] = {d: [] for d in days}
        for v in visits:
            if v.technician_id == t.id and v.day in cells:
                cells[v.day].append(Job(v, works.get(v.id), accounts.get(v.account_id, "")))
        rows.append(Row(t, skills.get(t.id, []), cells))
    waiting = repo.unscheduled(ctx.session, ctx.user)
    return Board(
        monday,
        days,
        weekends,
        rows,
        waiting,
        repo.sold_lines(ctx.session, ctx.user),
        service.names(ctx, waiting),
    )


def board_dict(b: Board) -> dict[str, Any]:
    """The board as the API prints it."""
    return {
        "week": b.monday.isoformat(),
        "days": [d.isoformat() for d in b.days],
        "technicians": [
            {
                "id": r.technician.id,
                "name": r.technician.full_name or r.technician.username,
                "territory": r.technician.territory,
                "skills": r.skills,
                "days": {
                    d.isoformat(): [
                        (slot_dict(j.visit) or {})
                        | {
                            "work_order_id": j.work.id if j.work else None,
                            "title": j.work.title if j.work else j.visit.job_type,
                            "account": j.account,
                        }
                        for j in jobs
                    ]
                    for d, jobs in r.cells.items()
                },
            }
            for r in b.rows
        ],
        "unscheduled": [service.as_dict(w, b.names) for w in b.unscheduled],
        "sold_lines": [
            {
                "line_id": s.line_id,
                "sheet_id": s.sheet_id,
                "account_id": s.account_id,
                "account": s.account,
                "offering": s.offering,
                "reason": s.reason,
                "signed_on": s.signed_on.isoformat() if s.signed_on else None,
            }
            for s in b.sold
        ],
    }


def technicians(ctx: Context) -> list[User]:
    """The technicians a filter or a form offers."""
    return repo.technicians(ctx.session)


# ---- skills -------------------------------------------------------------------------------------


def skills(ctx: Context) -> dict[int, list[str]]:
    """Every technician's skills."""
    service.staff_only(ctx.user)
    techs = repo.technicians(ctx.session)
    return repo.skills_of(ctx.session, [t.id for t in techs])


def set_skills(ctx: Context, technician_id: int, wanted: list[str]) -> list[str]:
    """Replace a technician's skills (lower case, without spaces at the ends)."""
    require(ctx.user, "work.schedule")
    tech = repo.user(ctx.session, technician_id)
    if tech is None or tech.role != Role.technician.value:
        raise NotFound(f"technician {technician_id} not found")
    clean = sorted({w.strip().lower() for w in wanted if w and w.strip()})
    if len(clean) > MAX_SKILLS or any(len(c) > 40 for c in clean):
        raise InvalidInput(f"skills: at most {MAX_SKILLS}, each at most 40 characters")
    rows = repo.skill_rows(ctx.session, tech.id)
    before = sorted(r.skill for r in rows)
    for r in rows:
        if r.skill not in clean:
            repo.remove(ctx.session, r)
    for skill in clean:
        if skill not in before:
            repo.add(ctx.session, TechnicianSkill(user_id=tech.id, skill=skill))
    audit.record(
        ctx.session, ctx.actor, "skills", "user", tech.id, {"skills": before}, {"skills": clean}
    )
    return clean
