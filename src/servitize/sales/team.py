"""Team nomination, early engagement and the handover to the project office."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from servitize.core.db import utcnow
from servitize.core.errors import Conflict, InvalidInput
from servitize.installed_base.access import require
from servitize.sales import repository as repo
from servitize.sales import rules
from servitize.sales.models import Handover, TeamMember
from servitize.sales.process import Policy, policy
from servitize.sales.schemas import HandoverIn, HandoverRead, TeamMemberIn, TeamMemberRead
from servitize.sales.service import for_edit
from servitize.trust import audit
from servitize.trust.audit import actor_of
from servitize.trust.editing import check_version
from servitize.trust.models import User


def member_read(m: TeamMember) -> TeamMemberRead:
    """A team member with its early-engagement flag."""
    return TeamMemberRead.model_validate(m).model_copy(
        update={"early": rules.early_engagement(m.engaged_phase)}
    )


def nominate(
    session: Session, user: User, opportunity_id: int, data: TeamMemberIn, today: date | None = None
) -> TeamMember:
    """Nominate a person into the team; the phase they join in says whether it was early."""
    opp = repo.get(session, user, opportunity_id)
    require(user, "opportunity.team")
    name = (data.name or "").strip()
    if data.user_id is not None:
        member_user = repo.names(session, [data.user_id]).get(data.user_id)
        if member_user is None:
            raise InvalidInput(f"no user {data.user_id}")
        name = name or member_user.full_name or member_user.username
    if not name:
        raise InvalidInput("a team member needs a user or a name")
    for_edit(session, user, opp.id, None)  # one nomination at a time: a double submit adds one
    for member in repo.team_of(session, opp.id):
        same = (
            member.user_id == data.user_id
            if data.user_id is not None
            else member.user_id is None and member.name.casefold() == name.casefold()
        )
        if same and member.role == data.role.value:
            raise Conflict(
                f"{member.name} is already in the team as {member.role.replace('_', ' ')}; "
                "nothing was added"
            )
    row = TeamMember(
        opportunity_id=opp.id,
        role=data.role.value,
        user_id=data.user_id,
        name=name,
        engaged_on=data.engaged_on or today or date.today(),
        engaged_phase=opp.phase,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_of(user),
        "nominate",
        "opportunity",
        opp.id,
        after={"role": row.role, "name": name, "engaged_phase": row.engaged_phase},
    )
    return row


def team(session: Session, user: User, opportunity_id: int) -> list[TeamMemberRead]:
    """The team of an opportunity."""
    opp = repo.get(session, user, opportunity_id)
    return [member_read(m) for m in repo.team_of(session, opp.id)]


def handover_read(h: Handover | None) -> HandoverRead | None:
    """The handover as shown, or None."""
    return HandoverRead.model_validate(h) if h else None


def handover(
    session: Session,
    user: User,
    opportunity_id: int,
    data: HandoverIn,
    now: datetime | None = None,
    pol: Policy | None = None,
) -> Handover:
    """Tick the sales order review; when every item is ticked the handover activity is done."""
    now = now or utcnow()
    opp = repo.get(session, user, opportunity_id)
    require(user, "opportunity.handover")
    if opp.phase < 3:
        raise Conflict(
            "the handover to the project office comes in phase 3, after the contract talks"
        )
    items = (pol or policy()).handover_checklist
    unknown = sorted(set(data.checklist) - set(items))
    if unknown:
        raise InvalidInput(
            f"unknown checklist items: {', '.join(unknown)}; known: {', '.join(items)}"
        )
    for_edit(session, user, opp.id, None)  # one review save at a time (409 otherwise)
    row = repo.handover_of(session, opp.id)
    check_version(data.version, row.version if row else 0, f"the handover of opportunity {opp.id}")
    if row is None:
        row = Handover(opportunity_id=opp.id, checklist=dict.fromkeys(items, False))
        session.add(row)
    row.checklist = {k: bool(row.checklist.get(k)) or bool(data.checklist.get(k)) for k in items}
    row.project_manager = data.project_manager or row.project_manager
    row.notes = data.notes or row.notes
    if all(row.checklist.values()) and row.completed_at is None:
        row.completed_at = now
        for a in repo.activities_of(session, [opp.id]):
            if a.code == "handover" and a.status != "done":
                a.status, a.done_on = "done", now.date()
    session.flush()
    audit.record(
        session,
        actor_of(user),
        "handover",
        "opportunity",
        opp.id,
        after={"checklist": row.checklist, "complete": row.completed_at is not None},
    )
    return row
