"""The demo tells its own story: the logins it prints work together.

After the sample manufacturer is built, this step makes what the README walks through true for
the printed logins: the printed technician has a visit this week at an account the printed
account owner owns (so "report a lead, the owner sees it" works with them); that owner has an
opportunity open in every phase of the blueprint; this month's leaderboard has entries (leads
the technicians confirmed on site); and a few leads nobody acted on in time are escalated to
their service manager, as the turnaround clock does every day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.field import recognition
from servitize.field import service as field_service
from servitize.field.models import LeadRoute
from servitize.installed_base.models import Account, Visit
from servitize.sales.models import GateDecision, Opportunity, PhaseChange
from servitize.trust.audit import Actor
from servitize.trust.models import User

DEMO = Actor("demo")
# An open opportunity per phase 1-4 (phase 5 holds the won ones): title, value, probability.
PHASE_DEALS = {
    1: ("Line 2 condition monitoring", 48_000_00, 10),
    2: ("Press fleet retrofit", 260_000_00, 30),
    3: ("98 % availability contract", 410_000_00, 55),
    4: ("Packaging line rebuild", 1_150_000_00, 80),
}
GATES_BEFORE = {2: ("pursue",), 3: ("pursue", "tender"), 4: ("pursue", "tender", "approval")}
CONFIRMED_PER_TECHNICIAN = 3
ESCALATED = 3


@dataclass
class Story:
    """What this step made true, for the printout and the tests."""

    technician: str
    owner: str
    shared_account: str | None = None
    visit_day: date | None = None
    opportunities_by_phase: dict[int, int] = field(default_factory=dict)
    leaderboard_entries: int = 0
    escalated: int = 0


def _working_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _user(session: Session, username: str) -> User:
    found = session.scalar(select(User).where(User.username == username))
    if found is None:
        raise LookupError(f"the demo has no user {username!r}")
    return found


def _share(session: Session, tech: User, owner: User, day: date, story: Story) -> Account | None:
    """A visit of the technician at the owner's biggest account: the two now share it."""
    account = session.scalar(
        select(Account)
        .where(Account.owner_id == owner.id)
        .order_by(Account.volume.desc().nulls_last(), Account.id)
        .limit(1)
    )
    if account is None:
        return None
    visit_day = _working_day(day)
    ref = f"VIS-STORY-{tech.id}-{account.id}"
    if session.scalar(select(Visit.id).where(Visit.external_id == ref)) is None:
        session.add(
            Visit(
                external_id=ref,
                technician_id=tech.id,
                account_id=account.id,
                day=visit_day,
                job_type="maintenance",
            )
        )
    story.shared_account, story.visit_day = account.name, visit_day
    return account


def _pipeline(session: Session, owner: User, account: Account, now: datetime, story: Story) -> None:
    """One open opportunity of the owner in each phase 1-4 that has none yet."""
    for phase, (title, cents, probability) in PHASE_DEALS.items():
        has = session.scalar(
            select(Opportunity.id).where(
                Opportunity.owner_id == owner.id,
                Opportunity.phase == phase,
                Opportunity.status == "open",
            )
        )
        if has is None:
            entered = now - timedelta(days=7 * phase)
            opp = Opportunity(
                account_id=account.id,
                title=title,
                phase=phase,
                phase_entered_at=entered,
                status="open",
                owner_id=owner.id,
                currency=account.currency or "EUR",
                value_cents=cents,
                probability=probability,
                expected_close=(now + timedelta(days=30 * (5 - phase))).date(),
                created_at=now - timedelta(days=30 * phase),
            )
            session.add(opp)
            session.flush()
            for step in range(1, phase + 1):
                at = now - timedelta(days=30 * phase - 21 * (step - 1))
                session.add(
                    PhaseChange(opportunity_id=opp.id, from_phase=step - 1, to_phase=step, at=at)
                )
            for gate in GATES_BEFORE.get(phase, ()):
                session.add(
                    GateDecision(
                        opportunity_id=opp.id,
                        gate=gate,
                        decision="go",
                        reason="inside the borderline",
                        phase=phase,
                        decided_by=owner.username,
                        decided_at=entered,
                    )
                )
    rows = session.execute(
        select(Opportunity.phase, Opportunity.id).where(Opportunity.owner_id == owner.id)
    )
    for phase, _id in rows:
        story.opportunities_by_phase[phase] = story.opportunities_by_phase.get(phase, 0) + 1


def _leaderboard(session: Session, day: date, rng: random.Random, story: Story) -> None:
    """Technicians confirm some of the leads routed to them: points on this month's board."""
    rows = list(
        session.scalars(
            select(LeadRoute)
            .where(LeadRoute.route == "technician", LeadRoute.assigned_to_id.is_not(None))
            .order_by(LeadRoute.id)
        )
    )
    per: dict[int, int] = {}
    for row in rows:
        assert row.assigned_to_id is not None
        if per.get(row.assigned_to_id, 0) >= CONFIRMED_PER_TECHNICIAN or rng.random() < 0.3:
            continue
        row.confirmed = True
        recognition.for_lead(session, row, day - timedelta(days=rng.randint(0, day.day - 1)))
        per[row.assigned_to_id] = per.get(row.assigned_to_id, 0) + 1
    session.flush()
    month = f"{day:%Y-%m}"
    story.leaderboard_entries = len(recognition.leaderboard(session, month).standings)


def _escalations(session: Session, settings: Settings, day: date, story: Story) -> None:
    """A few open leads reported three weeks ago and never acted on: past their SLA, escalated."""
    stale = list(
        session.scalars(
            select(LeadRoute)
            .where(LeadRoute.stage == "reported", LeadRoute.escalated_at.is_(None))
            .order_by(LeadRoute.id.desc())
            .limit(ESCALATED)
        )
    )
    three_weeks = datetime(day.year, day.month, day.day, 9, tzinfo=UTC) - timedelta(days=21)
    for row in stale:
        row.reported_at = three_weeks
    session.flush()
    story.escalated = field_service.escalate_overdue(session, DEMO, day, settings.field)


def demo_story(
    session: Session, settings: Settings, logins: dict[str, str], today: date, seed: int = 7
) -> Story:
    """Make the printed technician and owner share an account, fill the owner's pipeline in
    every phase, put entries on this month's leaderboard and escalate a few late leads."""
    tech, owner = _user(session, logins["technician"]), _user(session, logins["account_owner"])
    story = Story(technician=tech.username, owner=owner.username)
    now = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
    account = _share(session, tech, owner, today, story)
    if account is not None:
        _pipeline(session, owner, account, now, story)
    _leaderboard(session, today, random.Random(seed), story)
    _escalations(session, settings, today, story)
    session.flush()
    return story


def in_words(story: Story) -> str:
    """One paragraph for the demo's printout."""
    phases = ", ".join(f"{n} in phase {p}" for p, n in sorted(story.opportunities_by_phase.items()))
    shared = (
        f"{story.technician} visits {story.owner}'s account {story.shared_account} on "
        f"{story.visit_day:%a %d %b}: a lead {story.technician} reports there reaches "
        f"{story.owner}"
        if story.shared_account and story.visit_day
        else f"{story.owner} owns no account yet"
    )
    return (
        f"story: {shared}; {story.owner}'s opportunities: {phases or 'none'}; "
        f"{story.leaderboard_entries} technicians on this month's leaderboard; "
        f"{story.escalated} late leads escalated"
    )
