"""Record the hours people spend on winning customers, and the loaded cost rate of an hour.

An entry names one subject: a sales activity (its opportunity's account), a visit or a lead.
Hours left out take the default of the activity's template (rules.default_hours). A person
records their own hours; a manager or an admin may record anyone's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from servitize.core.errors import InvalidInput, NotFound
from servitize.installed_base.access import get_account, require
from servitize.kpis import repository as repo
from servitize.kpis import rules
from servitize.kpis.models import CostRate, EffortEntry
from servitize.trust import audit
from servitize.trust.context import Context
from servitize.trust.models import Role, User

MANAGERS = {Role.admin.value, Role.sales_manager.value, Role.service_manager.value}
MAX_HOURS = Decimal("24")


@dataclass(frozen=True)
class EffortIn:
    """What a person enters: one subject, the day, hours (None: the template's default)."""

    day: date
    hours: Decimal | None = None
    activity_id: int | None = None
    visit_id: int | None = None
    lead_id: int | None = None
    user_id: int | None = None  # whose hours; default: the one recording
    note: str | None = None


def record(ctx: Context, data: EffortIn) -> EffortEntry:
    """Record one entry of effort (audited)."""
    require(ctx.user, "effort.record")
    subjects = [
        (n, v)
        for n, v in (
            ("activity_id", data.activity_id),
            ("visit_id", data.visit_id),
            ("lead_id", data.lead_id),
        )
        if v is not None
    ]
    if len(subjects) != 1:
        raise InvalidInput("activity_id: name exactly one of activity_id, visit_id or lead_id")
    found = repo.effort_subject(ctx.session, data.activity_id, data.visit_id, data.lead_id)
    if found is None:
        raise NotFound(f"{subjects[0][0].removesuffix('_id')} {subjects[0][1]} not found")
    account_id, opportunity_id, code, layer = found
    get_account(ctx.session, ctx.user, account_id)  # 404 outside the user's accounts
    person: User = ctx.user
    if data.user_id is not None and data.user_id != ctx.user.id:
        if ctx.user.role not in MANAGERS:
            raise InvalidInput("user_id: you may record only your own hours")
        other = ctx.session.get(User, data.user_id)
        if other is None:
            raise InvalidInput(f"user_id: no user {data.user_id}")
        person = other
    if data.day > ctx.today:
        raise InvalidInput("day: effort is recorded for today or a past day")
    subject = "activity" if data.activity_id else "visit" if data.visit_id else "lead"
    hours = data.hours if data.hours is not None else rules.default_hours(subject, code, layer)  # type: ignore[arg-type]
    if hours <= 0 or hours > MAX_HOURS:
        raise InvalidInput("hours: more than 0 and at most 24 a day")
    hours = hours.quantize(Decimal("0.01"))
    entry = EffortEntry(
        user_id=person.id,
        role=str(person.role),
        region=person.territory,
        account_id=account_id,
        activity_id=data.activity_id,
        opportunity_id=opportunity_id,
        visit_id=data.visit_id,
        lead_id=data.lead_id,
        day=data.day,
        hours=hours,
        note=data.note,
        recorded_by=ctx.actor.name,
        recorded_at=ctx.now,
    )
    repo.add(ctx.session, entry)
    audit.record(
        ctx.session,
        ctx.actor,
        "create",
        "effort_entry",
        entry.id,
        after={"hours": str(hours), subjects[0][0]: subjects[0][1], "user_id": person.id},
    )
    return entry


def set_rate(
    ctx: Context, role: str, region: str | None, valid_from: date, cents_per_hour: int
) -> CostRate:
    """Set the loaded cost of an hour of a role (in a region or everywhere) from a day on."""
    require(ctx.user, "spend.record")
    if role not in {r.value for r in Role}:
        raise InvalidInput(f"role: one of {', '.join(r.value for r in Role)}")
    if cents_per_hour < 0:
        raise InvalidInput("cents_per_hour: not negative")
    row = repo.rate_row(ctx.session, role, region, valid_from)
    before = None if row is None else {"cents_per_hour": row.cents_per_hour}
    if row is None:
        row = CostRate(
            role=role,
            region=region,
            valid_from=valid_from,
            cents_per_hour=cents_per_hour,
            currency=ctx.settings.company_currency,
        )
        repo.add(ctx.session, row)
    else:
        row.cents_per_hour = cents_per_hour
    audit.record(
        ctx.session,
        ctx.actor,
        "update" if before else "create",
        "cost_rate",
        row.id,
        before=before,
        after={
            "role": role,
            "region": region,
            "valid_from": str(valid_from),
            "cents_per_hour": cents_per_hour,
        },
    )
    return row


def entries(ctx: Context, since: date, upto: date, limit: int = 200) -> list[EffortEntry]:
    """The newest effort entries on the accounts the user may see."""
    return repo.effort(ctx.session, repo.scope_of(ctx.user), upto, since, limit)


def rates(ctx: Context) -> list[CostRate]:
    """Every loaded cost rate, by role and day."""
    return repo.cost_rates(ctx.session)
