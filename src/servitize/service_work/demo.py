"""The demo's service work: visits get times of day, technicians get skills, a sign-up sheet is
signed (one sold line dispatched, one waiting on the board), a machine alert opens a case from
a real reading under the customer's consent, maintenance plans run, and a visit of the printed
technician carries a work order. Run once after the demo's import (``web.demo``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from servitize.core.errors import ServitizeError
from servitize.core.settings import Settings
from servitize.field import sheets
from servitize.field.schemas import Signing
from servitize.installed_base import repository as installed_base
from servitize.service_work import alerts, dispatch, plans, rules, service
from servitize.service_work import repository as repo
from servitize.telemetry import consent
from servitize.telemetry.store import Batch, TelemetryStore
from servitize.trust.audit import Actor
from servitize.trust.context import Context, context_of

SKILLS = ("hydraulics", "electrical", "controls")
STARTS = (time(8, 0), time(10, 30), time(13, 0), time(15, 30))
MINUTES = 120


def visit_times(session: Session) -> int:
    """Each visit without a time gets one: a technician's visits of a day from 08:00, two
    hours each with half an hour between; past the fourth of a day they stay "all day"."""
    seen: dict[tuple[int, date], int] = {}
    count = 0
    for v in repo.visits_without_time(session):
        k = seen.get((v.technician_id, v.day), 0)
        seen[(v.technician_id, v.day)] = k + 1
        if k < len(STARTS):
            v.start_time, v.duration_minutes = STARTS[k], MINUTES
            count += 1
    repo.saved(session)
    return count


def _free_slot(ctx: Context, work_order_id: int, technician_id: int, first: date) -> bool:
    """Schedule on the first working day and time from ``first`` that has room."""
    day = first
    for _ in range(15):
        if not rules.is_weekend(day):
            for start in STARTS:
                try:
                    with ctx.session.begin_nested():
                        dispatch.schedule(ctx, work_order_id, technician_id, day, start, MINUTES)
                    return True
                except ServitizeError:
                    continue
        day += timedelta(days=1)
    return False


def _sold_lines(ctx: Context, technician_id: int, today: date) -> dict[str, int]:
    """A sheet signed at a recent visit of the technician: one line dispatched, one waiting."""
    tech = repo.user(ctx.session, technician_id)
    offerings = repo.sign_up_offerings(ctx.session, 2)
    visits = repo.visits_of_technician(
        ctx.session, technician_id, today - timedelta(days=30), today
    )
    if tech is None or not offerings or not visits:
        return {"sold_lines": 0, "dispatched": 0}
    try:
        with ctx.session.begin_nested():
            sheet = sheets.propose_sheet(ctx.session, tech, visits[-1], today)
            sheets.set_lines(ctx.session, tech, sheet, [o.id for o in offerings])
            lines = [line.id for line, _o in sheets.lines_of(ctx.session, sheet)]
            sheets.sign(
                ctx.session,
                tech,
                sheet,
                Signing(line_ids=lines, signer_name="Demo Customer", signed_on="paper"),
                today,
            )
    except ServitizeError:
        return {"sold_lines": 0, "dispatched": 0}
    dispatched = 0
    if lines:
        w = service.open_from_sign_up(ctx, lines[0])
        dispatched = int(_free_slot(ctx, w.id, technician_id, today + timedelta(days=1)))
    return {"sold_lines": len(lines), "dispatched": dispatched}


def _alert(ctx: Context, settings: Settings, today: date) -> int:
    """A hot bearing on a machine of the demo contract's account (which agrees to share
    process data for service), found by the alert rules."""
    contract = repo.contract_by_external_id(ctx.session, "AV-DEMO-1")
    rule = next((r for r in settings.work.alert_rules if r.kind == "above" and r.metric), None)
    if contract is None or rule is None or rule.value is None or not contract.serials:
        return 0
    at = datetime(today.year, today.month, today.day, 12, tzinfo=UTC)
    consent.record_agreement(
        ctx.session,
        Actor("demo"),
        contract.account_id,
        ["status", "process"],
        [settings.work.alert_purpose],
        at - timedelta(days=200),
        document="Demo agreement: machine alerts",
    )
    batch = Batch()
    received = int(at.timestamp() * 1_000_000)
    reading = at - timedelta(hours=6)
    batch.add_measure(
        contract.serials[0],
        int(reading.timestamp() * 1_000_000),
        rule.metric or "",
        rule.value + 6.5,
        None,
        received,
        "demo",
    )
    store = TelemetryStore(settings.telemetry_dir)
    store.write(batch)
    return len(alerts.scan(ctx, store, at).opened)


def _plans(ctx: Context, today: date) -> int:
    """A half-yearly plan over the demo contract's machines and an hours plan of one of them."""
    contract = repo.contract_by_external_id(ctx.session, "AV-DEMO-1")
    if contract is None:
        return 0
    plans.create(
        ctx,
        plans.PlanIn(
            name="Half-yearly inspection",
            account_id=contract.account_id,
            contract_id=contract.id,
            interval_months=6,
            start_on=today - timedelta(days=175),
            kind="inspection",
            checklist=["Check hydraulic pressure", "Grease the slides", "Test the safety stops"],
            required_skill="hydraulics",
        ),
    )
    machines = installed_base.machines_with_serial(
        ctx.session, account_ids=[contract.account_id], serials=contract.serials or []
    )
    if machines:
        plans.create(
            ctx,
            plans.PlanIn(
                name="Oil change every 2,000 operating hours",
                account_id=contract.account_id,
                asset_id=machines[0].asset_id,
                interval_hours=2000,
                start_on=today - timedelta(days=100),
                kind="maintenance",
                checklist=["Drain and refill", "Replace the filter"],
            ),
        )
    return len(plans.run(ctx).opened)


def demo_service_work(session: Session, settings: Settings, today: date) -> dict[str, Any]:
    """Build the demo's service work; what it made."""
    timed = visit_times(session)
    # The admin sees every account (a service manager only their territory's).
    manager = repo.user_named(session, "admin") or repo.first_service_manager(session)
    if manager is None:
        return {"timed_visits": timed}
    ctx = context_of(session, manager, settings, today)
    techs = dispatch.technicians(ctx)
    for i, tech in enumerate(techs):
        dispatch.set_skills(
            ctx, tech.id, [SKILLS[i % 3], SKILLS[(i + 1) % 3]] if i % 2 else [SKILLS[i % 3]]
        )
    out: dict[str, Any] = {"timed_visits": timed, "skilled": len(techs)}
    busiest = installed_base.busiest_technician(session, today, days=7)
    if busiest is not None:
        out |= _sold_lines(ctx, busiest, today)
        upcoming = [
            v
            for v in repo.visits_of_technician(session, busiest, today, today + timedelta(days=7))
            if repo.of_visit(session, v.id) is None
        ]
        if upcoming:
            service.open_from_visit(
                ctx,
                upcoming[0].id,
                service.Opening(
                    account_id=upcoming[0].account_id,
                    title="Yearly inspection",
                    kind="inspection",
                    checklist=["Check guards", "Read the error log", "Talk to the operator"],
                ),
            )
    out["alerts"] = _alert(ctx, settings, today)
    out["plan_work"] = _plans(ctx, today)
    return out


def in_words(made: dict[str, Any]) -> str:
    """The demo step's line for the console."""
    return (
        f"service work: {made.get('timed_visits', 0):,} visits timed, "
        f"{made.get('sold_lines', 0)} sold lines ({made.get('dispatched', 0)} dispatched), "
        f"{made.get('alerts', 0)} alert cases, {made.get('plan_work', 0)} plan work orders"
    )
