"""Recognition instead of commissions: points, monthly contests, leaderboards, badges, notes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy.orm import Session

from servitize.core.errors import Conflict, InvalidInput, PermissionDenied
from servitize.field import repository as field_repo
from servitize.field import rules
from servitize.field.models import (
    BestPractice,
    Contest,
    LeadRoute,
    PointKind,
    RecognitionPoint,
    Stage,
    VisitFeedback,
)
from servitize.field.repository import recognition as repo
from servitize.field.schemas import (
    BestPracticeCreate,
    BestPracticeRead,
    ContestCreate,
    ContestRead,
    Feedback,
    Leaderboard,
    Standing,
    UserName,
)
from servitize.installed_base.access import require
from servitize.installed_base.models import Visit
from servitize.trust.audit import Actor, record
from servitize.trust.models import User


def award(session: Session, user_id: int, kind: str, ref: str, points: int, day: date) -> bool:
    """Give points once per (user, kind, ref); False when already given."""
    if repo.has_points(session, user_id, kind, ref):
        return False
    region = repo.territory_of(session, user_id)
    session.add(
        RecognitionPoint(
            user_id=user_id,
            kind=kind,
            ref=ref,
            points=points,
            day=day,
            month=rules.month_of(day),
            region=region,
        )
    )
    return True


def for_lead(session: Session, row: LeadRoute, day: date) -> None:
    """Points for a confirmed lead (to who found or confirmed it) and for a won one."""
    finder = row.reported_by_id or (row.assigned_to_id if row.route == "technician" else None)
    if finder is None:
        return
    if row.confirmed:
        award(
            session,
            finder,
            PointKind.confirmed_lead.value,
            f"lead:{row.lead_id}",
            rules.POINTS[PointKind.confirmed_lead.value],
            day,
        )
    if row.stage == Stage.won.value:
        award(
            session,
            finder,
            PointKind.won_lead.value,
            f"lead:{row.lead_id}",
            rules.POINTS[PointKind.won_lead.value],
            day,
        )


def record_feedback(
    session: Session, user: User, visit: Visit, body: Feedback, day: date
) -> VisitFeedback:
    """The customer's rating of a visit; good ratings earn the technician points."""
    if visit.technician_id == user.id:
        raise PermissionDenied(
            "the customer's rating of a visit is recorded by somebody other "
            "than its technician: good ratings earn points"
        )
    require(user, "visit.feedback", own=visit.technician_id == user.id)
    if repo.has_feedback(session, visit.id):
        raise PermissionDenied("this visit already has the customer's feedback")
    fb = VisitFeedback(visit_id=visit.id, rating=body.rating, comment=body.comment)
    session.add(fb)
    session.flush()
    record(
        session,
        Actor(user.username, user.id),
        "create",
        "visit_feedback",
        fb.id,
        after={"visit_id": visit.id, "rating": body.rating},
    )
    points = rules.feedback_points(body.rating)
    if points:
        award(
            session,
            visit.technician_id,
            PointKind.customer_feedback.value,
            f"visit:{visit.id}",
            points,
            day,
        )
    session.flush()
    return fb


def _tallies(session: Session, month: str | None, region: str | None) -> dict[int, rules.Tally]:
    acc: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for uid, kind, pts, n in repo.point_sums(session, month, region):
        acc[uid]["points"] += pts
        acc[uid][kind] += n
    return {
        uid: rules.Tally(
            uid,
            a["points"],
            a[PointKind.confirmed_lead.value],
            a[PointKind.signed_sheet.value],
            a[PointKind.customer_feedback.value],
        )
        for uid, a in acc.items()
    }


def leaderboard(
    session: Session, month: str, region: str | None = None, limit: int = 50
) -> Leaderboard:
    """A month's standings in a region (points and counts only), badges of all time."""
    month_tallies = _tallies(session, month, region)
    ever = _tallies(session, None, None)
    users = field_repo.users_by_id(session, set(month_tallies))
    standings = [
        Standing(
            rank=r,
            user=UserName.model_validate(users[t.user_id]),
            region=users[t.user_id].territory,
            points=t.points,
            confirmed_leads=t.confirmed_leads,
            signed_sheets=t.signed_sheets,
            good_feedback=t.good_feedback,
            badges=rules.badges(ever[t.user_id]),
        )
        for r, t in rules.rank(month_tallies.values())[:limit]
    ]
    contests = [
        ContestRead(id=c.id, title=c.title, prize=c.prize, region=c.region, month=c.month)
        for c in repo.contests_of(session, month, region)
    ]
    return Leaderboard(
        month=month,
        region=region,
        standings=standings,
        contests=contests,
        best_practices=best_practices(session, region),
    )


def badges_of(session: Session, user_id: int) -> list[str]:
    """Badge keys a user earned so far."""
    tally = _tallies(session, None, None).get(user_id)
    return rules.badges(tally) if tally else []


def _regions(session: Session) -> set[str]:
    """The regions that exist: the territories of users and accounts."""
    return repo.regions(session)


def create_contest(session: Session, user: User, body: ContestCreate) -> Contest:
    """A monthly contest, set by a manager."""
    require(user, "contest.create")
    region = (body.region or "").strip() or None
    if user.territory and region != user.territory:
        # A manager of a territory sets the contests of their own region, not another's.
        raise InvalidInput(
            f"as a manager of {user.territory} you set contests for region "
            f"{user.territory} only, not {region or 'every region'}"
        )
    if region is not None and region not in _regions(session):
        raise InvalidInput(f"no region {region!r}: no technician or account is in it")
    body = body.model_copy(update={"region": region, "title": body.title.strip()})
    # One contest per month, region and title: a double submit (or a second manager typing the
    # same contest) answers 409 instead of adding a second one.
    _claim(session, f"contest {body.month} {region or '*'} {body.title.casefold()}")
    twin = repo.same_contest(session, body.month, region, body.title)
    if twin is not None:
        raise Conflict(
            f"the contest {twin.title!r} for {twin.month} in {twin.region or 'every region'} "
            f"exists already (contest {twin.id}); nothing was added"
        )
    contest = Contest(month=body.month, region=region, title=body.title, prize=body.prize)
    session.add(contest)
    session.flush()
    record(
        session,
        Actor(user.username, user.id),
        "create",
        "contest",
        contest.id,
        after=body.model_dump(),
    )
    return contest


def _claim(session: Session, key: str) -> None:
    """Hold ``key`` for this transaction without waiting (PostgreSQL; SQLite has one writer at a
    time): two identical submits at the same moment cannot both find nothing and both add."""
    if not repo.claim(session, key):
        raise Conflict(
            "the same record is being saved by someone else right now; wait a moment and look again"
        )


def share_practice(session: Session, user: User, body: BestPracticeCreate) -> BestPractice:
    """A best-practice note, shared with the technicians of the author's region and beyond."""
    require(user, "practice.share")
    title, text_ = body.title.strip(), body.body.strip()
    # The same note by the same author again (a double submit) answers 409: it is shared already.
    _claim(session, f"best practice {user.id}")
    twin = repo.same_note(session, user.id, title, text_)
    if twin is not None:
        raise Conflict(f"you shared the note {title!r} already (note {twin}); nothing was added")
    note = BestPractice(author_id=user.id, region=user.territory, title=title, body=text_)
    session.add(note)
    session.flush()
    record(
        session,
        Actor(user.username, user.id),
        "create",
        "best_practice",
        note.id,
        after={"title": note.title},
    )
    return note


def best_practices(
    session: Session, region: str | None = None, limit: int = 20
) -> list[BestPracticeRead]:
    """The newest best-practice notes, the region's first."""
    notes = [
        BestPracticeRead(
            id=n.id,
            title=n.title,
            body=n.body,
            region=n.region,
            author=full or name,
            day=n.created_at.date().isoformat(),
        )
        for n, full, name in repo.newest_notes(session, limit * 2)
    ]
    notes.sort(key=lambda n: 0 if region and n.region == region else 1)
    return notes[:limit]
