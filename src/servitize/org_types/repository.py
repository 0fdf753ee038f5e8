"""Type assignments, family sellers and the account facts they are matched on, in the database."""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.installed_base.access import account_scope
from servitize.installed_base.models import Account, Offering
from servitize.intelligence.models import SegmentAssignment
from servitize.org_types.models import FamilySeller, TypeAssignment
from servitize.trust.models import User


class AccountFacts(NamedTuple):
    """What an account's type is matched on, and who its owner is."""

    id: int
    name: str
    segment: str | None
    industry: str | None
    country: str | None
    territory: str | None
    owner_id: int | None


def add(session: Session, record: TypeAssignment | FamilySeller) -> None:
    """Store a new record (its id is known afterwards)."""
    session.add(record)
    session.flush()


def remove(session: Session, record: FamilySeller) -> None:
    """Delete a seller's seat."""
    session.delete(record)
    session.flush()


def saved(session: Session) -> None:
    """Write pending changes (the edge commits)."""
    session.flush()


def assignments(session: Session) -> list[TypeAssignment]:
    """Every assignment, oldest start first (a small table: one row per group and period)."""
    return list(
        session.scalars(
            select(TypeAssignment).order_by(TypeAssignment.valid_from, TypeAssignment.id)
        )
    )


def assignment(session: Session, assignment_id: int) -> TypeAssignment | None:
    """One assignment by id."""
    return session.get(TypeAssignment, assignment_id)


def account_facts(session: Session, ids: Collection[int] | None = None) -> list[AccountFacts]:
    """Every account's (or the given accounts') segment, industry, country and territory."""
    query = (
        select(
            Account.id,
            Account.name,
            SegmentAssignment.label,
            Account.industry,
            Account.country,
            Account.territory,
            Account.owner_id,
        )
        .outerjoin(SegmentAssignment, SegmentAssignment.account_id == Account.id)
        .order_by(Account.id)
    )
    if ids is not None:
        query = query.where(Account.id.in_(list(ids)))
    return [AccountFacts(*row) for row in session.execute(query)]


def suggested_mode(session: Session, account_id: int) -> tuple[str, str] | None:
    """The account's segment label and the go-to-market mode intelligence suggests for it."""
    row = session.execute(
        select(SegmentAssignment.label, SegmentAssignment.go_to_market).where(
            SegmentAssignment.account_id == account_id
        )
    ).first()
    return (str(row[0]), str(row[1])) if row is not None else None


def segment_labels(session: Session) -> set[str]:
    """The segment labels accounts carry today."""
    return set(session.scalars(select(SegmentAssignment.label).distinct()))


def industries(session: Session) -> set[str]:
    """The industries of the accounts."""
    found = session.scalars(
        select(Account.industry).distinct().where(Account.industry.is_not(None))
    )
    return {x for x in found if x}


def countries(session: Session) -> set[str]:
    """The countries of the accounts."""
    found = session.scalars(select(Account.country).distinct().where(Account.country.is_not(None)))
    return {x for x in found if x}


def existing_accounts(session: Session, ids: Collection[int]) -> dict[int, str]:
    """Names of the accounts among ``ids`` that exist."""
    rows = session.execute(select(Account.id, Account.name).where(Account.id.in_(list(ids))))
    return {int(i): str(n) for i, n in rows}


def visible_accounts(session: Session, user: User, ids: Collection[int]) -> dict[int, str]:
    """Names of the accounts among ``ids`` that the user may see."""
    rows = session.execute(
        select(Account.id, Account.name).where(Account.id.in_(list(ids)), account_scope(user))
    )
    return {int(i): str(n) for i, n in rows}


def sellers(session: Session) -> list[tuple[FamilySeller, User]]:
    """Every seat at a desk with its user, by desk, territory and user."""
    rows = session.execute(
        select(FamilySeller, User)
        .join(User, User.id == FamilySeller.user_id)
        .order_by(FamilySeller.desk, FamilySeller.territory, User.username)
    )
    return [(s, u) for s, u in rows]


def seller(session: Session, seller_id: int) -> FamilySeller | None:
    """One seat by id."""
    return session.get(FamilySeller, seller_id)


def user(session: Session, user_id: int) -> User | None:
    """A user by id."""
    return session.get(User, user_id)


def user_by_username(session: Session, username: str) -> User | None:
    """A user by username."""
    return session.scalar(select(User).where(User.username == username))


def offering_shells(session: Session, offering_id: int | None, family: str | None) -> list[str]:
    """The shell of an offering, or the shells of the catalogue items of a catalogue family (or,
    when no family has that name, of the catalogue item with that external id)."""
    if offering_id is not None:
        shell = session.scalar(select(Offering.shell).where(Offering.id == offering_id))
        return [str(shell)] if shell is not None else []
    if family:
        query = select(Offering.shell).where(Offering.family == family).distinct()
        found = [str(x) for x in session.scalars(query)]
        if found:
            return found
        one = session.scalar(select(Offering.shell).where(Offering.external_id == family))
        return [str(one)] if one is not None else []
    return []
