"""An opportunity in full, and its blueprint picture (one opportunity, or many aggregated)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy.orm import Session

from servitize.sales import blueprint as bp
from servitize.sales import repository as repo
from servitize.sales import rules
from servitize.sales.models import SalesActivity
from servitize.sales.outcome import outcome_read
from servitize.sales.process import Policy, policy, template
from servitize.sales.schemas import DecisionRead, OpportunityDetail
from servitize.sales.service import activity_read, facts, read_one
from servitize.sales.team import handover_read, member_read
from servitize.trust.models import User


def detail(
    session: Session,
    user: User,
    opportunity_id: int,
    today: date | None = None,
    pol: Policy | None = None,
) -> OpportunityDetail:
    """Everything about one opportunity: activities, gates, team, handover, outcome, blockers."""
    today, pol = today or date.today(), pol or policy()
    opp = repo.get(session, user, opportunity_id)
    f = facts(session, opp)
    tpl = template(opp.offering_type)
    outcome = repo.outcome_of(session, opp.id)
    return OpportunityDetail(
        opportunity=read_one(session, user, opp, pol),
        activities=[activity_read(a, today) for a in repo.activities_of(session, [opp.id])],
        decisions=[DecisionRead.model_validate(d) for d in repo.decisions_of(session, [opp.id])],
        gates={g.gate: f.decisions.get(g.gate) for g in tpl.gates},
        gates_needed=[g for p in range(1, 6) for g in rules.gates_of_phase(f, tpl, pol, p)],
        advance_blockers=rules.advance_blockers(f, tpl, pol),
        team=[member_read(m) for m in repo.team_of(session, opp.id)],
        handover=handover_read(repo.handover_of(session, opp.id)),
        outcome=outcome_read(outcome, opp) if outcome else None,
    )


def _state(a: SalesActivity, phase: int, today: date) -> str:
    if a.status in ("done", "skipped"):
        return a.status
    if rules.is_late(a.status, a.due_on, today):
        return "late"
    return "current" if a.phase == phase else "open"


def _note(a: SalesActivity, today: date) -> str:
    if a.status == "done" and a.done_on:
        return f"done {a.done_on.isoformat()}"
    if a.status == "skipped":
        return "skipped"
    if a.due_on:
        late = (today - a.due_on).days
        return f"due {a.due_on.isoformat()}" + (f" · {late} d late" if late > 0 else "")
    return ""


def opportunity_svg(
    session: Session,
    user: User,
    opportunity_id: int,
    today: date | None = None,
    pol: Policy | None = None,
) -> str:
    """The blueprint of one opportunity as SVG text."""
    today, pol = today or date.today(), pol or policy()
    opp = repo.get(session, user, opportunity_id)
    f = facts(session, opp)
    tpl = template(opp.offering_type)
    needed = {g for p in range(1, 6) for g in rules.gates_of_phase(f, tpl, pol, p)}
    boxes = [
        bp.Box(
            a.phase,
            a.layer,
            a.title,
            _state(a, opp.phase, today),
            a.touchpoint,
            a.required,
            _note(a, today),
        )
        for a in repo.activities_of(session, [opp.id])
    ]
    diamonds = [
        bp.Diamond(
            g.phase,
            g.gate,
            g.title,
            f.decisions.get(g.gate),
            "" if g.gate in needed else "not needed below the approval threshold",
            "" if g.gate in needed or g.gate in f.decisions else "not needed",
        )
        for g in tpl.gates
    ]
    status = "" if opp.status == "open" else f" · {opp.status.replace('_', ' ')}"
    return bp.draw(boxes, diamonds, title=f"#{opp.id} {opp.title}{status}", current_phase=opp.phase)


def aggregate_svg(
    session: Session,
    user: User,
    offering_type: str = "project",
    today: date | None = None,
    limit: int = 5000,
) -> str:
    """The blueprint over many opportunities: where activities run late and touch-points go missing."""
    today = today or date.today()
    opps = repo.visible_of_type(session, user, offering_type, limit)
    phase_of = {o.id: o.phase for o in opps}
    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in repo.activities_of(session, phase_of):
        if a.code is None or phase_of[a.opportunity_id] < a.phase:
            continue  # not reached yet
        s = stats[a.code]
        s["reached"] += 1
        s["done"] += a.status == "done"
        days_late = (
            ((a.done_on or today) - a.due_on).days if a.due_on and a.status != "skipped" else 0
        )
        if days_late > 0:
            s["late"] += 1
            s["late_days"] += days_late
        if a.touchpoint and a.status != "done" and phase_of[a.opportunity_id] > a.phase:
            s["missing"] += 1
    boxes = []
    for t in template(offering_type).activities:
        s = stats.get(t.code, {})
        reached = s.get("reached", 0)
        late, missing = s.get("late", 0), s.get("missing", 0)
        parts = [f"{s.get('done', 0)}/{reached} done"] if reached else ["not reached"]
        if late:
            parts.append(f"{late} late ~{s['late_days'] / late:.0f} d")
        if missing:
            parts.append(f"{missing} missed")
        heat = min((late + missing) / reached, 1.0) if reached else 0.0
        boxes.append(
            bp.Box(
                t.phase, t.layer, t.title, "open", t.touchpoint, t.required, " · ".join(parts), heat
            )
        )
    decisions = repo.latest_decisions(repo.decisions_of(session, phase_of))
    diamonds = []
    for g in template(offering_type).gates:
        votes = [d.get(g.gate) for d in decisions.values() if g.gate in d]
        go, no = votes.count("go"), votes.count("no_go")
        diamonds.append(
            bp.Diamond(g.phase, g.gate, g.title, None, f"{go} go, {no} no go", f"{go} go · {no} no")
        )
    return bp.draw(
        boxes,
        diamonds,
        title=f"{len(opps)} {offering_type.replace('_', ' ')} opportunities: "
        "where time is lost and touch-points are missed",
    )
