"""Preventive-maintenance plans: per machine or per availability contract, every N months or
every N operating hours, and the plan run that opens their work orders ahead of the due date.

A machine's plan work is due ``interval_months`` after it was last done under the plan (the
plan's start date before that), or when it has run ``interval_hours`` since then: the hours
come from consented telemetry (the running hours of its status), and the due date is projected
at the pace it ran (``rules.due_by_hours``). The run opens a work order ``plan_lead_days``
before the due date; a machine with an open plan work order gets no second one, so running it
twice opens nothing new. Editing plans and running them asks ``pm_plan.edit``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from servitize.core.errors import InvalidInput, NotFound
from servitize.installed_base.access import require
from servitize.installed_base.models import Asset
from servitize.service_work import repository as repo
from servitize.service_work import rules, service
from servitize.service_work.models import PmPlan, WorkOrder, WorkSource
from servitize.telemetry import availability as av
from servitize.telemetry.service import Options, compute
from servitize.telemetry.store import TelemetryStore
from servitize.trust import audit
from servitize.trust.context import Context

# Operating hours a machine ran from a day up to now (None: no consented readings).
HoursReader = Callable[[Asset, date], float | None]


def telemetry_hours(ctx: Context) -> HoursReader:
    """Running hours from the telemetry store, through the consent gate (the work purpose)."""
    store = TelemetryStore(ctx.settings.telemetry_dir)
    purpose = ctx.settings.work.alert_purpose

    def read(asset: Asset, since: date) -> float | None:
        if not asset.serial:
            return None
        start = datetime(since.year, since.month, since.day, tzinfo=UTC)
        if start >= ctx.now:
            return 0.0
        rows = compute(
            ctx.session,
            store,
            av.Period(start, ctx.now),
            Options(purpose=purpose, at=ctx.now),
            serials=[asset.serial],
            account_ids=[asset.account_id],
        )
        hours = [r.get("running_hours") for r in rows if r.get("serial") == asset.serial]
        value = hours[0] if hours else None
        return float(value) if isinstance(value, (int, float)) else None

    return read


@dataclass
class PlanIn:
    """A new plan."""

    name: str
    account_id: int
    start_on: date
    asset_id: int | None = None
    contract_id: int | None = None
    interval_months: int | None = None
    interval_hours: float | None = None
    kind: str = "maintenance"
    checklist: list[str] = field(default_factory=list)
    required_skill: str | None = None


def plan_dict(p: PmPlan) -> dict[str, Any]:
    """A plan as the API prints it."""
    return {
        "id": p.id,
        "name": p.name,
        "account_id": p.account_id,
        "asset_id": p.asset_id,
        "contract_id": p.contract_id,
        "interval_months": p.interval_months,
        "interval_hours": p.interval_hours,
        "start_on": p.start_on.isoformat(),
        "kind": p.kind,
        "checklist": list(p.checklist or []),
        "required_skill": p.required_skill,
        "active": p.active,
    }


def create(ctx: Context, data: PlanIn) -> PmPlan:
    """Make a plan of one machine or of an availability contract's machines."""
    require(ctx.user, "pm_plan.edit")
    if repo.account(ctx.session, ctx.user, data.account_id) is None:
        raise NotFound(f"account {data.account_id} not found")
    if not data.name.strip():
        raise InvalidInput("name: give the plan a name")
    if (data.interval_months is None) == (data.interval_hours is None):
        raise InvalidInput("interval_months: give either interval_months or interval_hours")
    if data.interval_months is not None and not 1 <= data.interval_months <= 120:
        raise InvalidInput("interval_months: between 1 and 120")
    if data.interval_hours is not None and not 1 <= data.interval_hours <= 100_000:
        raise InvalidInput("interval_hours: between 1 and 100,000")
    if (data.asset_id is None) == (data.contract_id is None):
        raise InvalidInput("asset_id: give either a machine (asset_id) or a contract (contract_id)")
    if data.asset_id is not None:
        asset = repo.asset(ctx.session, data.asset_id)
        if asset is None or asset.account_id != data.account_id:
            raise InvalidInput(f"asset_id: machine {data.asset_id} is not the account's")
    if data.contract_id is not None:
        c = repo.contract(ctx.session, data.contract_id)
        if c is None or c.account_id != data.account_id:
            raise InvalidInput(f"contract_id: contract {data.contract_id} is not the account's")
    if data.kind not in service.KINDS:
        raise InvalidInput(f"kind: one of {', '.join(service.KINDS)}")
    plan = PmPlan(
        name=data.name.strip()[:200],
        account_id=data.account_id,
        asset_id=data.asset_id,
        contract_id=data.contract_id,
        interval_months=data.interval_months,
        interval_hours=data.interval_hours,
        start_on=data.start_on,
        kind=data.kind,
        checklist=[c.strip()[:200] for c in data.checklist if c.strip()][:40],
        required_skill=(data.required_skill or "").strip().lower() or None,
        active=True,
        created_by=ctx.actor.name,
    )
    repo.add(ctx.session, plan)
    audit.record(ctx.session, ctx.actor, "create", "pm_plan", plan.id, after=plan_dict(plan))
    return plan


def get(ctx: Context, plan_id: int) -> PmPlan:
    """A plan of an account the user may see."""
    service.staff_only(ctx.user)
    found = repo.visible_plan(ctx.session, ctx.user, plan_id)
    if found is None:
        raise NotFound(f"PM plan {plan_id} not found")
    return found


def set_active(ctx: Context, plan_id: int, active: bool) -> PmPlan:
    """Pause or resume a plan."""
    require(ctx.user, "pm_plan.edit")
    plan = get(ctx, plan_id)
    before = {"active": plan.active}
    plan.active = active
    repo.saved(ctx.session)
    audit.record(ctx.session, ctx.actor, "update", "pm_plan", plan.id, before, {"active": active})
    return plan


def plans(ctx: Context) -> list[PmPlan]:
    """The plans of the user's accounts."""
    service.staff_only(ctx.user)
    return repo.plans(ctx.session, ctx.user)


def active_count(ctx: Context) -> int:
    """How many plans a run goes through."""
    return len(repo.all_active_plans(ctx.session))


def orders(ctx: Context, plan: PmPlan) -> list[WorkOrder]:
    """A plan's work orders, the newest due first."""
    return repo.plan_orders(ctx.session, plan.id)


@dataclass(frozen=True)
class Outlook:
    """What the plans page says of a plan: machines covered, open work, the next due date
    (months plans; an hours plan's date needs telemetry and is worked out by the run)."""

    machines: int
    open_work: int
    next_due: date | None


def outlook(ctx: Context, plan: PmPlan) -> Outlook:
    """A plan's machines, its open work orders and, for a months plan, its next due date."""
    state = repo.plan_state(ctx.session, plan.id)
    machines = repo.machines_of_plan(ctx.session, plan)
    due: list[date] = []
    if plan.interval_months is not None:
        due = [
            state.open_order[a.id].due_on or ctx.today
            if a.id in state.open_order
            else rules.due_by_months(
                max(state.last_done.get(a.id, plan.start_on), plan.start_on), plan.interval_months
            )
            for a in machines
        ]
    return Outlook(len(machines), len(state.open_order), min(due) if due else None)


def due_of(
    plan: PmPlan, asset: Asset, last_done: date | None, today: date, hours: HoursReader
) -> date | None:
    """When the plan's work on this machine is due next (None: not known without readings)."""
    since = max(last_done or plan.start_on, plan.start_on)
    if plan.interval_months is not None:
        return rules.due_by_months(since, plan.interval_months)
    if plan.interval_hours is None:
        return None
    return rules.due_by_hours(since, hours(asset, since), plan.interval_hours, today)


@dataclass
class RunResult:
    """What a plan run did: work orders opened, machines looked at, machines without readings."""

    opened: list[WorkOrder] = field(default_factory=list)
    checked: int = 0
    not_due: int = 0
    already_open: int = 0
    no_readings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "opened": [
                {"id": w.id, "number": w.number, "asset_id": w.asset_id, "due_on": str(w.due_on)}
                for w in self.opened
            ],
            "checked": self.checked,
            "not_due": self.not_due,
            "already_open": self.already_open,
            "no_readings": self.no_readings,
        }


def run(
    ctx: Context,
    plan_id: int | None = None,
    hours: HoursReader | None = None,
    step: Callable[[PmPlan], None] | None = None,
) -> RunResult:
    """Open the work orders that fall due within the lead time, once per machine and due date."""
    require(ctx.user, "pm_plan.edit")
    reader = hours or telemetry_hours(ctx)
    chosen = [get(ctx, plan_id)] if plan_id is not None else repo.all_active_plans(ctx.session)
    lead = ctx.settings.work.plan_lead_days
    result = RunResult()
    for plan in chosen:
        state = repo.plan_state(ctx.session, plan.id)
        for asset in repo.machines_of_plan(ctx.session, plan):
            result.checked += 1
            if asset.id in state.open_order:
                result.already_open += 1
                continue
            due = due_of(plan, asset, state.last_done.get(asset.id), ctx.today, reader)
            if due is None:
                result.no_readings.append(asset.serial or f"machine {asset.id}")
                continue
            if not rules.opens_now(due, ctx.today, lead):
                result.not_due += 1
                continue
            result.opened.append(
                service.open_planned(
                    ctx,
                    service.Opening(
                        account_id=plan.account_id,
                        title=f"{plan.name} ({asset.model or asset.serial or asset.id})",
                        asset_id=asset.id,
                        kind=plan.kind,
                        required_skill=plan.required_skill,
                        due_on=due,
                        checklist=list(plan.checklist or []),
                        source=WorkSource.plan.value,
                        pm_plan_id=plan.id,
                        site_id=asset.site_id,
                    ),
                    asset,
                )
            )
        if step is not None:
            step(plan)
    return result
