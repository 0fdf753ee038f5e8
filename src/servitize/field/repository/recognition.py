"""Queries of recognition: points, contests, best-practice notes, regions."""

from __future__ import annotations

from sqlalchemy import func, select, text, true
from sqlalchemy.orm import Session

from servitize.field.models import BestPractice, Contest, RecognitionPoint, VisitFeedback
from servitize.installed_base.models import Account
from servitize.trust.models import User


def has_points(session: Session, user_id: int, kind: str, ref: str) -> bool:
    """Whether the user got points of this kind for this reference already."""
    query = select(RecognitionPoint.id).where(
        RecognitionPoint.user_id == user_id,
        RecognitionPoint.kind == kind,
        RecognitionPoint.ref == ref,
    )
    return session.scalar(query) is not None


def territory_of(session: Session, user_id: int) -> str | None:
    """A user's territory."""
    return session.scalar(select(User.territory).where(User.id == user_id))


def has_feedback(session: Session, visit_id: int) -> bool:
    """Whether the visit has the customer's feedback already."""
    query = select(VisitFeedback.id).where(VisitFeedback.visit_id == visit_id)
    return bool(session.scalar(query))


def point_sums(
    session: Session, month: str | None, region: str | None
) -> list[tuple[int, str, int, int]]:
    """Per user and kind of points: the points and how many, in a month and region (or ever)."""
    query = select(
        RecognitionPoint.user_id,
        RecognitionPoint.kind,
        func.sum(RecognitionPoint.points),
        func.count(),
    ).group_by(RecognitionPoint.user_id, RecognitionPoint.kind)
    if month:
        query = query.where(RecognitionPoint.month == month)
    if region:
        query = query.where(RecognitionPoint.region == region)
    return [(uid, kind, int(pts or 0), int(n)) for uid, kind, pts, n in session.execute(query)]


def contests_of(session: Session, month: str, region: str | None) -> list[Contest]:
    """A month's contests of a region and of every region (all of them without a region)."""
    query = select(Contest).where(
        Contest.month == month,
        (Contest.region == region) | Contest.region.is_(None) if region else true(),
    )
    return list(session.scalars(query.order_by(Contest.id)))


def regions(session: Session) -> set[str]:
    """The regions that exist: the territories of users and accounts."""
    query = (
        select(User.territory)
        .where(User.territory.is_not(None))
        .union(select(Account.territory).where(Account.territory.is_not(None)))
    )
    return {t for t in session.scalars(query) if t}


def same_contest(session: Session, month: str, region: str | None, title: str) -> Contest | None:
    """A contest of this month, region and title (any case), if one exists."""
    query = select(Contest).where(
        Contest.month == month,
        Contest.region.is_(None) if region is None else Contest.region == region,
        func.lower(Contest.title) == title.lower(),
    )
    return session.scalar(query.limit(1))


def same_note(session: Session, author_id: int, title: str, body: str) -> int | None:
    """The id of the author's note with this title and text, if shared already."""
    query = select(BestPractice.id).where(
        BestPractice.author_id == author_id,
        BestPractice.title == title,
        BestPractice.body == body,
    )
    return session.scalar(query.limit(1))


def claim(session: Session, key: str) -> bool:
    """Hold ``key`` for this transaction without waiting (PostgreSQL; elsewhere always True)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    held = session.scalar(text("SELECT pg_try_advisory_xact_lock(hashtext(:key))"), {"key": key})
    return bool(held)


def newest_notes(session: Session, limit: int) -> list[tuple[BestPractice, str | None, str]]:
    """The newest best-practice notes with their authors' full names and usernames."""
    query = (
        select(BestPractice, User.full_name, User.username)
        .join(User, User.id == BestPractice.author_id)
        .order_by(BestPractice.id.desc())
        .limit(limit)
    )
    return [(n, full, name) for n, full, name in session.execute(query)]
