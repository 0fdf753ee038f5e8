"""Use cases of an opportunity: create, read, update, decide at gates, advance through phases.

Services flush and audit every change; the edge (request, CLI) commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servitize.core.db import utcnow
from servitize.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from servitize.installed_base import repository as installed_base
from servitize.installed_base.access import READ_ONLY, SALESPEOPLE, get_account, require
from servitize.installed_base.editing_rules import currency_code
from servitize.intelligence.queries import visible_lead
from servitize.kit.money import from_cents, to_cents
from servitize.kit.sorting import Sort
from servitize.org_types import service as org_types
from servitize.sales import repository as repo
from servitize.sales import rules
from servitize.sales.models import (
    GateDecision,
    OfferingType,
    Opportunity,
    PhaseChange,
    SalesActivity,
)
from servitize.sales.process import PHASES, Policy, policy, template
from servitize.sales.schemas import (
    ActivityIn,
    ActivityRead,
    ActivityUpdate,
    AdvanceResult,
    DecisionIn,
    OpportunityCreate,
    OpportunityRead,
    OpportunityUpdate,
)
from servitize.trust import audit
from servitize.trust.audit import actor_of
from servitize.trust.editing import check_version, lock_for_edit
from servitize.trust.models import User

DOUBLE_SUBMIT = timedelta(
    minutes=2
)  # the same title at the account again this soon: a double submit
FIELDS = (
    "title",
    "phase",
    "status",
    "value_cents",
    "contract_value_cents",
    "currency",
    "probability",
    "risk",
    "expected_close",
    "owner_id",
    "terms",
    "renewal_on",
    "commissioned_on",
)


def snapshot(opp: Opportunity) -> dict[str, Any]:
    """The audited fields of an opportunity."""
    return {f: getattr(opp, f) for f in FIELDS}


def read(
    opp: Opportunity,
    account_name: str,
    owner: str | None,
    now: datetime | None = None,
    pol: Policy | None = None,
) -> OpportunityRead:
    """An opportunity for the API and pages (``pol``: the sales policy, default the packaged)."""
    now = now or utcnow()
    return OpportunityRead(
        id=opp.id,
        account_id=opp.account_id,
        account_name=account_name,
        title=opp.title,
        source=opp.source,
        offering_type=opp.offering_type,
        phase=opp.phase,
        phase_name=PHASES[opp.phase],
        status=opp.status,
        value=from_cents(opp.value_cents),
        contract_value=from_cents(opp.contract_value_cents),
        currency=opp.currency,
        probability=rules.probability(opp.phase, opp.probability, pol or policy()),
        risk=opp.risk,
        expected_close=opp.expected_close,
        owner=owner,
        lead_id=opp.lead_id,
        lead_story=opp.lead_story,
        lead_evidence=opp.lead_evidence,
        enquiry_ref=opp.enquiry_ref,
        terms=opp.terms,
        days_in_phase=max((now - opp.phase_entered_at).days, 0),
        renewal_on=opp.renewal_on,
        commissioned_on=opp.commissioned_on,
        created_at=opp.created_at or now,
        version=opp.version,
    )


def read_one(
    session: Session, user: User, opp: Opportunity, pol: Policy | None = None
) -> OpportunityRead:
    """An opportunity with its account and owner names resolved."""
    account = get_account(session, user, opp.account_id)
    owner = repo.names(session, [opp.owner_id]).get(opp.owner_id or 0)
    return read(opp, account.name, owner.username if owner else None, pol=pol)


def read_many(
    session: Session, opps: list[Opportunity], pol: Policy | None = None
) -> list[OpportunityRead]:
    """Opportunities of a list (already visible to the user) with account and owner names, in
    two queries however many there are."""
    accounts = installed_base.account_names(session, {o.account_id for o in opps})
    owners = repo.names(session, [o.owner_id for o in opps])
    now = utcnow()
    return [
        read(
            o,
            accounts.get(o.account_id, ""),
            owners[o.owner_id].username if o.owner_id in owners else None,
            now,
            pol,
        )
        for o in opps
    ]


def listing(
    session: Session,
    user: User,
    *,
    phase: int | None = None,
    status: str | None = None,
    account_id: int | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    pol: Policy | None = None,
    sort: Sort | None = None,
) -> tuple[list[OpportunityRead], int]:
    """One page of the opportunities the user may see, newest first (or ``sort``), and how
    many there are: four queries however long the page."""
    rows, total = repo.page(
        session,
        user,
        phase=phase,
        status=status,
        account_id=account_id,
        q=q,
        limit=limit,
        offset=offset,
        sort=sort,
    )
    return read_many(session, rows, pol), total


def activity_read(a: SalesActivity, today: date) -> ActivityRead:
    """An activity with its late flag as of today."""
    return ActivityRead.model_validate(a).model_copy(
        update={"late": rules.is_late(a.status, a.due_on, today)}
    )


def _instantiate(session: Session, opp: Opportunity, today: date) -> None:
    for i, t in enumerate(template(opp.offering_type).activities):
        due = (
            today + timedelta(days=t.due_days) if t.due_days is not None and t.phase == 1 else None
        )
        session.add(
            SalesActivity(
                opportunity_id=opp.id,
                code=t.code,
                phase=t.phase,
                position=i,
                title=t.title,
                actor=t.actor,
                layer=t.layer,
                touchpoint=t.touchpoint,
                required=t.required,
                due_days=t.due_days,
                due_on=due,
                owner_id=opp.owner_id,
                status="open",
            )
        )


def create(
    session: Session, user: User, data: OpportunityCreate, now: datetime | None = None
) -> Opportunity:
    """A new opportunity in phase 1 with the micro-activities of its offering type's template."""
    now = now or utcnow()
    require(user, "opportunity.create")
    account = get_account(session, user, data.account_id)
    if data.source == "lead" and data.lead_id is None:
        raise InvalidInput("an opportunity from a lead needs the lead's id")
    if data.lead_id is not None:
        lead = visible_lead(session, user, data.lead_id)  # 404 when the user may not see it
        if lead.account_id != account.id:
            raise InvalidInput(f"lead {lead.id} is a lead of another account")
    check_owner(session, data.owner_id)
    _no_twin(session, account.id, data, now)
    opp = Opportunity(
        account_id=account.id,
        title=data.title.strip(),
        source=data.source,
        offering_type=data.offering_type
        or org_types.process_template(session, account.id, now.date())
        or OfferingType.project,
        phase=1,
        phase_entered_at=now,
        status="open",
        value_cents=to_cents(data.value) if data.value is not None else None,
        currency=_currency(data.currency or account.currency),
        probability=data.probability,
        risk=data.risk,
        expected_close=data.expected_close,
        owner_id=data.owner_id or account.owner_id or (user.id or None),
        lead_id=data.lead_id,
        lead_story=data.lead_story,
        lead_evidence=data.lead_evidence,
        enquiry_ref=data.enquiry_ref,
        terms=data.terms,
        created_at=now,
    )
    session.add(opp)
    session.flush()
    session.add(PhaseChange(opportunity_id=opp.id, from_phase=0, to_phase=1, at=now))
    _instantiate(session, opp, now.date())
    session.flush()
    audit.record(
        session,
        actor_of(user),
        "create",
        "opportunity",
        opp.id,
        after=snapshot(opp),
        note=f"from {opp.source}" + (f" lead {opp.lead_id}" if opp.lead_id else ""),
    )
    return opp


def _no_twin(session: Session, account_id: int, data: OpportunityCreate, now: datetime) -> None:
    """A double submit opens one opportunity: a lead already pursued by an open opportunity, or
    the same title at the account opened within ``DOUBLE_SUBMIT``, answers 409 naming it. The
    account's row is held for the check without waiting (two submits at once: the second 409)."""
    lock_for_edit(session, installed_base.account_row(account_id), f"account {account_id}")
    if data.lead_id is not None:
        twin = repo.open_pursuing_lead(session, account_id, data.lead_id)
        if twin is not None:
            raise Conflict(
                f"lead {data.lead_id} is already pursued by opportunity {twin.id} "
                f"({twin.title!r}); nothing was added"
            )
        return
    twin = repo.open_with_title_since(
        session, account_id, data.title.strip(), now - DOUBLE_SUBMIT, now
    )
    if twin is not None:
        raise Conflict(
            f"opportunity {twin.id} ({twin.title!r}) was opened for this account a moment ago; "
            "an identical second submit adds nothing"
        )


def _currency(code: str) -> str:
    """An ISO 4217 code as imports take it (``sek`` → ``SEK``); 422 naming ``currency``."""
    try:
        return currency_code(code)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def check_owner(session: Session, owner_id: int | None) -> None:
    """An opportunity's owner sells: an active account owner or sales manager (422 otherwise)."""
    if owner_id is None:
        return
    owner = repo.person(session, owner_id)
    if owner is None or not owner.active or owner.role not in SALESPEOPLE:
        raise InvalidInput(f"user {owner_id} is not an active account owner or sales manager")


def check_worker(session: Session, user_id: int | None) -> None:
    """An activity's owner is an active user who may work on it (not a read-only analyst)."""
    if user_id is None:
        return
    person = repo.person(session, user_id)
    if person is None or not person.active or person.role in READ_ONLY:
        raise InvalidInput(f"user {user_id} is not an active user who can own an activity")


def for_edit(session: Session, user: User, opportunity_id: int, version: int | None) -> Opportunity:
    """The opportunity, its row locked for this change (409 while another is being saved) and
    checked against the version the client edited (409 when someone changed it since)."""
    opp = lock_for_edit(
        session, repo.one_for_edit(user, opportunity_id), f"opportunity {opportunity_id}"
    )
    if opp is None:
        raise NotFound(f"opportunity {opportunity_id} not found")
    check_version(version, opp.version, f"opportunity {opportunity_id}")
    return opp


def update(
    session: Session, user: User, opportunity_id: int, data: OpportunityUpdate
) -> Opportunity:
    """Change the given fields of an opportunity."""
    opp = repo.get(session, user, opportunity_id)
    require(user, "opportunity.edit")
    opp = for_edit(session, user, opportunity_id, data.version)
    before = snapshot(opp)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "owner_id" in changes:
        check_owner(session, changes["owner_id"])
    for money in ("value", "contract_value"):
        if money in changes:
            amount = changes.pop(money)
            changes[f"{money}_cents"] = to_cents(amount) if amount is not None else None
    if changes.get("currency"):
        changes["currency"] = _currency(changes["currency"])
    for key, value in changes.items():
        setattr(opp, key, value)
    session.flush()
    before, after = audit.diff(before, snapshot(opp))
    if after:
        audit.record(session, actor_of(user), "update", "opportunity", opp.id, before, after)
    return opp


def facts(session: Session, opp: Opportunity) -> rules.OpportunityFacts:
    """What the pure rules need to judge this opportunity."""
    acts = repo.activities_of(session, [opp.id])
    decisions = repo.latest_decisions(repo.decisions_of(session, [opp.id])).get(opp.id, {})
    return rules.OpportunityFacts(
        phase=opp.phase,
        status=opp.status,
        risk=opp.risk,
        value_cents=opp.value_cents,
        contract_value_cents=opp.contract_value_cents,
        decisions=decisions,
        activities=tuple(rules.ActivityFact(a.phase, a.title, a.required, a.status) for a in acts),
    )


def advance(
    session: Session,
    user: User,
    opportunity_id: int,
    now: datetime | None = None,
    version: int | None = None,
    pol: Policy | None = None,
) -> AdvanceResult:
    """Move to the next phase, or raise Conflict naming every missing gate and activity.

    Two advances at once write one phase change: the row is locked (the second answers 409),
    and a page's button sends the version it showed, so a double click moves one phase.
    """
    now = now or utcnow()
    opp = repo.get(session, user, opportunity_id)
    require(user, "opportunity.advance")
    opp = for_edit(session, user, opportunity_id, version)
    blockers = rules.advance_blockers(
        facts(session, opp), template(opp.offering_type), pol or policy()
    )
    if blockers:
        raise Conflict(f"cannot leave phase {opp.phase}: " + "; ".join(blockers))
    before = snapshot(opp)
    start = opp.phase
    opp.phase, opp.phase_entered_at = start + 1, now
    if opp.phase == 5 and opp.commissioned_on is None:
        opp.commissioned_on = now.date()
    session.add(PhaseChange(opportunity_id=opp.id, from_phase=start, to_phase=opp.phase, at=now))
    for a in repo.activities_of(session, [opp.id]):
        if a.phase == opp.phase and a.due_on is None and a.due_days is not None:
            a.due_on = now.date() + timedelta(days=a.due_days)
    session.flush()
    audit.record(
        session,
        actor_of(user),
        "advance",
        "opportunity",
        opp.id,
        *audit.diff(before, snapshot(opp)),
    )
    return AdvanceResult(id=opp.id, from_phase=start, phase=opp.phase, phase_name=PHASES[opp.phase])


def decide(
    session: Session,
    user: User,
    opportunity_id: int,
    data: DecisionIn,
    now: datetime | None = None,
    pol: Policy | None = None,
) -> GateDecision:
    """Record a gate decision (who, when, why); a pursue or tender "no" closes the opportunity.

    Separation of duties (installed_base.access): pursue and tender by the opportunity's owner
    or a sales manager, approval by a sales manager who does not own it, acceptance by the
    project side. One decision per gate is current: a new one supersedes it (both audited); a
    repeat of the current one is refused; a no-go must be confirmed.
    """
    now = now or utcnow()
    opp = repo.get(session, user, opportunity_id)
    gate, decision = data.gate.value, data.decision
    own = user.id is not None and opp.owner_id == user.id
    require(user, f"gate.{gate}", own=own)
    if gate == "approval" and own:
        raise PermissionDenied(
            "management approval is decided by a sales manager other than the opportunity's owner"
        )
    gate_template = template(opp.offering_type).gate(gate)
    if gate_template is None:
        raise InvalidInput(f"the {opp.offering_type} process has no {gate} gate")
    current = repo.current_decision(session, opp.id, gate)
    problems = rules.decision_blockers(gate, facts(session, opp), gate_template.phase)
    details: dict[str, Any] | None = None
    if gate == "tender":
        outside = rules.terms_outside_borderline(opp.terms, (pol or policy()).borderline)
        if outside and decision == rules.GO:
            problems.append("the requested terms are outside the borderline: " + "; ".join(outside))
        details = {"terms": opp.terms, "outside_borderline": outside} if opp.terms else None
    repeat = rules.repeat_blocker(gate, decision, current.decision if current else None)
    if repeat:
        problems.append(repeat)
    if problems:
        raise Conflict(f"cannot decide {gate}: " + "; ".join(problems))
    unconfirmed = rules.confirmation_needed(gate, decision, data.confirm)
    if unconfirmed:
        raise Conflict(unconfirmed)
    before = snapshot(opp)
    if current is not None:
        current.superseded_at = now
        session.flush()  # the current one steps aside before the new one takes its place
    row = GateDecision(
        opportunity_id=opp.id,
        gate=gate,
        decision=decision,
        reason=data.reason.strip(),
        phase=opp.phase,
        decided_by=user.username,
        decided_by_id=user.id or None,
        decided_at=now,
        details=details,
    )
    session.add(row)
    opp.status = rules.status_after_decision(gate, decision, opp.status)
    if opp.status != before["status"]:
        opp.closed_at = now
    try:
        session.flush()
    except IntegrityError:  # another decision on this gate landed at the same moment
        raise Conflict(
            f"cannot decide {gate}: another decision was just recorded; reload"
        ) from None
    if current is not None:
        current.superseded_by_id = row.id
        session.flush()
    audit.record(
        session,
        actor_of(user),
        "decide",
        "opportunity",
        opp.id,
        before={"status": before["status"], gate: current.decision if current else None},
        after={
            "gate": gate,
            "decision": decision,
            "status": opp.status,
            "supersedes": current.id if current else None,
        },
        note=data.reason[:500],
    )
    return row


def reopen(
    session: Session, user: User, opportunity_id: int, reason: str, now: datetime | None = None
) -> Opportunity:
    """A manager reopens an opportunity closed by a pursue or tender no-go: the no-go is
    superseded (kept as history), the opportunity is open again, and the gate undecided."""
    now = now or utcnow()
    opp = repo.get(session, user, opportunity_id)
    require(user, "gate.reopen")
    if len(reason.strip()) < 3:
        raise InvalidInput("say why the opportunity is reopened (at least 3 characters)")
    decisions = repo.latest_decisions(repo.decisions_of(session, [opp.id])).get(opp.id, {})
    blockers = rules.reopen_blockers(opp.status, decisions)
    if blockers:
        raise Conflict("cannot reopen: " + "; ".join(blockers))
    gate = next(g for g, st in rules.NO_GO_STATUS.items() if st == opp.status)
    no_go = repo.current_decision(session, opp.id, gate)
    assert no_go is not None  # reopen_blockers found it
    before = snapshot(opp)
    no_go.superseded_at = now
    opp.status, opp.closed_at = "open", None
    session.flush()
    audit.record(
        session,
        actor_of(user),
        "reopen",
        "opportunity",
        opp.id,
        before={"status": before["status"], gate: rules.NO_GO},
        after={"status": opp.status, gate: None, "superseded": no_go.id},
        note=reason.strip()[:500],
    )
    return opp


def add_activity(
    session: Session, user: User, opportunity_id: int, data: ActivityIn
) -> SalesActivity:
    """Add a micro-activity that the template lacks."""
    opp = repo.get(session, user, opportunity_id)
    require(user, "opportunity.activity")
    check_worker(session, data.owner_id)
    row = SalesActivity(
        opportunity_id=opp.id,
        phase=data.phase,
        position=999,
        title=data.title,
        actor=data.actor.value,
        layer=data.layer.value,
        touchpoint=data.touchpoint,
        required=data.required,
        due_on=data.due_on,
        owner_id=data.owner_id or opp.owner_id,
        status="open",
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_of(user),
        "create",
        "sales_activity",
        row.id,
        after=data.model_dump(mode="json") | {"opportunity_id": opp.id},
    )
    return row


def activity_by_code(
    session: Session, user: User, opportunity_id: int, code: str
) -> SalesActivity | None:
    """The activity of a visible opportunity with this template code, if it has one."""
    opp = repo.get(session, user, opportunity_id)
    return next((a for a in repo.activities_of(session, [opp.id]) if a.code == code), None)


def update_activity(
    session: Session,
    user: User,
    opportunity_id: int,
    activity_id: int,
    data: ActivityUpdate,
    today: date | None = None,
) -> SalesActivity:
    """Change an activity's status, due date, owner or notes; done records the day."""
    opp = repo.get(session, user, opportunity_id)
    require(user, "opportunity.activity")
    row = lock_for_edit(session, repo.activity_row(activity_id), f"activity {activity_id}")
    if row is None or row.opportunity_id != opp.id:
        raise InvalidInput(f"activity {activity_id} is not part of opportunity {opp.id}")
    check_version(data.version, row.version, f"activity {activity_id}")
    fields = ("status", "due_on", "owner_id", "notes", "done_on")
    if data.owner_id is not None:
        check_worker(session, data.owner_id)
    before = {f: getattr(row, f) for f in fields}
    for key, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(row, key, value)
    if data.status == "done" and row.done_on is None:
        row.done_on = today or date.today()
    elif data.status in ("open", "skipped"):
        row.done_on = None
    session.flush()
    old, new = audit.diff(before, {f: getattr(row, f) for f in fields})
    if new:
        audit.record(session, actor_of(user), "update", "sales_activity", row.id, old, new)
    return row
