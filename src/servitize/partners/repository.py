"""All SQL of partners and competitors. Reads of other capabilities' rows (accounts, machines,
opportunities and their activities, leads, sign-up sheets) are joins limited to the accounts a
user may see (``installed_base.access``) or to the partner's own assignments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from servitize.field.models import SignUpLine, SignUpSheet
from servitize.installed_base.access import account_scope
from servitize.installed_base.models import Account, Asset, CompetitorPresence, Offering, Origin
from servitize.intelligence.models import Lead
from servitize.partners.models import (
    Competitor,
    CompetitorAction,
    CompetitorAlert,
    CompetitorSighting,
    OpportunityCompetitor,
    Partner,
    PartnerAccount,
    PartnerAssignment,
    PartnerOffering,
    PartnerUser,
)
from servitize.sales.models import Opportunity, Outcome, SalesActivity
from servitize.trust.models import User


def add(session: Session, record: Any) -> None:
    """Store a new record (its id is known afterwards)."""
    session.add(record)
    session.flush()


def visible_ids(user: User) -> Select[Any]:
    """The ids of the accounts this user may see."""
    return select(Account.id).where(account_scope(user))


def all_ids() -> Select[Any]:
    """The ids of every account (the alert scan looks at all of them)."""
    return select(Account.id)


def visible_among(session: Session, user: User, ids: Iterable[int]) -> set[int]:
    """Which of these account ids the user may see."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    return set(
        session.scalars(select(Account.id).where(Account.id.in_(wanted), account_scope(user)))
    )


def visible_by_number(session: Session, user: User, numbers: Iterable[str]) -> dict[str, int]:
    """Account number (external id) to id, for the numbers the user may see."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    rows = session.execute(
        select(Account.external_id, Account.id).where(
            Account.external_id.in_(wanted), account_scope(user)
        )
    )
    return {row[0]: row[1] for row in rows}


def account_numbers(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Account id to number (external id)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Account.id, Account.external_id).where(Account.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


def account_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Account id to name."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Account.id, Account.name).where(Account.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


def visible_account(session: Session, user: User, account_id: int) -> Account | None:
    """The account if the user may see it."""
    return session.scalar(select(Account).where(Account.id == account_id, account_scope(user)))


def account_owner(session: Session, account_id: int) -> int | None:
    """The owner's user id of an account."""
    return session.scalar(select(Account.owner_id).where(Account.id == account_id))


def dealer_accounts(session: Session) -> list[Account]:
    """The accounts of kind dealer, by name."""
    return list(
        session.scalars(select(Account).where(Account.kind == "dealer").order_by(Account.name))
    )


def existing_accounts(session: Session, ids: Iterable[int]) -> set[int]:
    """Which of these account ids exist."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    return set(session.scalars(select(Account.id).where(Account.id.in_(wanted))))


def existing_offerings(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Which of these offering ids exist, with their names."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Offering.id, Offering.name).where(Offering.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


def offerings(session: Session, limit: int = 500) -> list[tuple[int, str]]:
    """Offerings by name, for the partner form."""
    return [
        (i, n)
        for i, n in session.execute(
            select(Offering.id, Offering.name).order_by(Offering.name).limit(limit)
        )
    ]


# ---------------------------------------------------------------- partners


def partner(session: Session, partner_id: int) -> Partner | None:
    """A partner by id."""
    return session.get(Partner, partner_id)


def partner_by_name(session: Session, name: str) -> Partner | None:
    """A partner by its exact name."""
    return session.scalar(select(Partner).where(Partner.name == name))


def partner_of_dealer(session: Session, account_id: int) -> Partner | None:
    """The dealer partner of a dealer account."""
    return session.scalar(select(Partner).where(Partner.dealer_account_id == account_id))


def partners(
    session: Session,
    *,
    kind: str | None = None,
    account_id: int | None = None,
    text: str | None = None,
    limit: int = 500,
) -> list[Partner]:
    """Partners by name, filtered by kind, an account they work on, or a part of the name."""
    query = select(Partner).order_by(Partner.name).limit(limit)
    if kind:
        query = query.where(Partner.kind == kind)
    if account_id is not None:
        query = query.where(
            or_(
                Partner.id.in_(
                    select(PartnerAccount.partner_id).where(PartnerAccount.account_id == account_id)
                ),
                Partner.dealer_account_id
                == select(Account.dealer_id).where(Account.id == account_id).scalar_subquery(),
            )
        )
    if text:
        query = query.where(func.lower(Partner.name).contains(text.lower()))
    return list(session.scalars(query))


def accounts_of(session: Session, partner_ids: Iterable[int]) -> dict[int, list[int]]:
    """Partner id to the ids of the accounts it works on."""
    out: dict[int, list[int]] = defaultdict(list)
    ids = sorted(set(partner_ids))
    if ids:
        rows = session.execute(
            select(PartnerAccount.partner_id, PartnerAccount.account_id)
            .where(PartnerAccount.partner_id.in_(ids))
            .order_by(PartnerAccount.account_id)
        )
        for p, a in rows:
            out[p].append(a)
    return out


def offerings_of(session: Session, partner_ids: Iterable[int]) -> dict[int, list[int]]:
    """Partner id to the ids of the offerings it works on."""
    out: dict[int, list[int]] = defaultdict(list)
    ids = sorted(set(partner_ids))
    if ids:
        rows = session.execute(
            select(PartnerOffering.partner_id, PartnerOffering.offering_id)
            .where(PartnerOffering.partner_id.in_(ids))
            .order_by(PartnerOffering.offering_id)
        )
        for p, o in rows:
            out[p].append(o)
    return out


def set_links(
    session: Session, partner_id: int, account_ids: Iterable[int], offering_ids: Iterable[int]
) -> None:
    """Replace the accounts and offerings a partner works on."""
    for row in session.scalars(
        select(PartnerAccount).where(PartnerAccount.partner_id == partner_id)
    ):
        session.delete(row)
    for offered in session.scalars(
        select(PartnerOffering).where(PartnerOffering.partner_id == partner_id)
    ):
        session.delete(offered)
    session.flush()
    for a in sorted(set(account_ids)):
        session.add(PartnerAccount(partner_id=partner_id, account_id=a))
    for o in sorted(set(offering_ids)):
        session.add(PartnerOffering(partner_id=partner_id, offering_id=o))
    session.flush()


def users_of(session: Session, partner_id: int) -> list[User]:
    """The users who belong to a partner, by username."""
    return list(
        session.scalars(
            select(User)
            .join(PartnerUser, PartnerUser.user_id == User.id)
            .where(PartnerUser.partner_id == partner_id)
            .order_by(User.username)
        )
    )


def user_by_name(session: Session, username: str) -> User | None:
    """A user by username."""
    return session.scalar(select(User).where(User.username == username))


def user_link(session: Session, user_id: int) -> PartnerUser | None:
    """A user's link to their partner."""
    return session.scalar(select(PartnerUser).where(PartnerUser.user_id == user_id))


def partner_of_user(session: Session, user_id: int) -> Partner | None:
    """The partner a user belongs to."""
    return session.scalar(
        select(Partner)
        .join(PartnerUser, PartnerUser.partner_id == Partner.id)
        .where(PartnerUser.user_id == user_id)
    )


def assignments_of(session: Session, activity_ids: Iterable[int]) -> dict[int, int]:
    """Activity id to the partner it is assigned to."""
    ids = sorted(set(activity_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(PartnerAssignment.activity_id, PartnerAssignment.partner_id).where(
            PartnerAssignment.activity_id.in_(ids)
        )
    )
    return {row[0]: row[1] for row in rows}


def assignment(session: Session, activity_id: int) -> PartnerAssignment | None:
    """The assignment of an activity."""
    return session.scalar(
        select(PartnerAssignment).where(PartnerAssignment.activity_id == activity_id)
    )


def activity(session: Session, activity_id: int) -> SalesActivity | None:
    """A blueprint activity by id."""
    return session.get(SalesActivity, activity_id)


def activity_for_edit(session: Session, activity_id: int) -> SalesActivity | None:
    """A blueprint activity, locked for the change (PostgreSQL) as sales' edits take it."""
    from servitize.trust.editing import lock_for_edit

    return lock_for_edit(
        session, select(SalesActivity).where(SalesActivity.id == activity_id), "activity"
    )


def opportunity(session: Session, opportunity_id: int) -> Opportunity | None:
    """An opportunity by id (the caller checks who may see it)."""
    return session.get(Opportunity, opportunity_id)


def activities_of_opportunity(session: Session, opportunity_id: int) -> list[SalesActivity]:
    """An opportunity's activities in blueprint order."""
    return list(
        session.scalars(
            select(SalesActivity)
            .where(SalesActivity.opportunity_id == opportunity_id)
            .order_by(SalesActivity.phase, SalesActivity.position, SalesActivity.id)
        )
    )


def partner_work(
    session: Session, partner_id: int, activity_id: int | None = None
) -> list[tuple[SalesActivity, Opportunity, str]]:
    """The activities assigned to a partner with their opportunity and the account's name:
    open ones first, then by due day."""
    query = (
        select(SalesActivity, Opportunity, Account.name)
        .join(PartnerAssignment, PartnerAssignment.activity_id == SalesActivity.id)
        .join(Opportunity, Opportunity.id == SalesActivity.opportunity_id)
        .join(Account, Account.id == Opportunity.account_id)
        .where(PartnerAssignment.partner_id == partner_id)
        .order_by(
            SalesActivity.status != "open",
            SalesActivity.due_on.is_(None),
            SalesActivity.due_on,
            SalesActivity.id,
        )
    )
    if activity_id is not None:
        query = query.where(SalesActivity.id == activity_id)
    return [(a, o, n) for a, o, n in session.execute(query)]


def partners_at(session: Session, account_id: int) -> list[tuple[Partner, str]]:
    """The partners working on an account and why: linked to it, assigned an activity of one of
    its opportunities, or its dealer."""
    found: dict[int, tuple[Partner, str]] = {}
    linked = select(PartnerAccount.partner_id).where(PartnerAccount.account_id == account_id)
    for p in session.scalars(select(Partner).where(Partner.id.in_(linked))):
        found[p.id] = (p, "works on the account")
    assigned = (
        select(PartnerAssignment.partner_id)
        .join(SalesActivity, SalesActivity.id == PartnerAssignment.activity_id)
        .join(Opportunity, Opportunity.id == SalesActivity.opportunity_id)
        .where(Opportunity.account_id == account_id)
    )
    for p in session.scalars(select(Partner).where(Partner.id.in_(assigned))):
        found.setdefault(p.id, (p, "assigned activities of its opportunities"))
    dealer = select(Account.dealer_id).where(Account.id == account_id).scalar_subquery()
    for p in session.scalars(select(Partner).where(Partner.dealer_account_id == dealer)):
        found[p.id] = (p, "the dealer serving it")
    return sorted(found.values(), key=lambda x: x[0].name)


def partner_accounts(session: Session, visible: Select[Any]) -> list[int]:
    """Visible accounts some partner works on, or served by a dealer that is a partner."""
    linked = select(PartnerAccount.account_id).where(PartnerAccount.account_id.in_(visible))
    served = select(Account.id).where(
        Account.id.in_(visible),
        Account.dealer_id.in_(
            select(Partner.dealer_account_id).where(Partner.dealer_account_id.is_not(None))
        ),
    )
    return sorted(set(session.scalars(linked)) | set(session.scalars(served)))


def dealer_name(session: Session, account_id: int) -> tuple[int, str] | None:
    """The dealer account serving an account: id and name."""
    row = session.execute(
        select(Account.id, Account.name).where(
            Account.id
            == select(Account.dealer_id).where(Account.id == account_id).scalar_subquery()
        )
    ).first()
    return (row[0], row[1]) if row else None


def served_accounts(session: Session, user: User, dealer_account_id: int) -> list[Account]:
    """The customers a dealer serves that the user may see, by name."""
    return list(
        session.scalars(
            select(Account)
            .where(Account.dealer_id == dealer_account_id, account_scope(user))
            .order_by(Account.name)
        )
    )


def leads_of(session: Session, account_ids: Iterable[int], limit: int = 200) -> list[Lead]:
    """The open leads of these accounts, best first."""
    ids = sorted(set(account_ids))
    if not ids:
        return []
    return list(
        session.scalars(
            select(Lead)
            .where(Lead.account_id.in_(ids), Lead.status == "open")
            .order_by(Lead.score.desc(), Lead.id)
            .limit(limit)
        )
    )


def sheets_of(
    session: Session, account_ids: Iterable[int], limit: int = 200
) -> list[tuple[SignUpSheet, int, int]]:
    """The sign-up sheets of these accounts, newest first, with their lines and ticked lines."""
    ids = sorted(set(account_ids))
    if not ids:
        return []
    lines = (
        select(
            SignUpLine.sheet_id,
            func.count().label("lines"),
            func.count().filter(SignUpLine.ticked.is_(True)).label("ticked"),
        )
        .group_by(SignUpLine.sheet_id)
        .subquery()
    )
    rows = session.execute(
        select(SignUpSheet, func.coalesce(lines.c.lines, 0), func.coalesce(lines.c.ticked, 0))
        .outerjoin(lines, lines.c.sheet_id == SignUpSheet.id)
        .where(SignUpSheet.account_id.in_(ids))
        .order_by(SignUpSheet.id.desc())
        .limit(limit)
    )
    return [(s, int(n), int(t)) for s, n, t in rows]


# ---------------------------------------------------------------- competitors


def competitor(session: Session, competitor_id: int) -> Competitor | None:
    """A competitor by id."""
    return session.get(Competitor, competitor_id)


def competitor_by_name(session: Session, name: str) -> Competitor | None:
    """A competitor by its exact name."""
    return session.scalar(select(Competitor).where(Competitor.name == name))


def competitors(session: Session) -> list[Competitor]:
    """The whole master by name (it is short: tens of competitors)."""
    return list(session.scalars(select(Competitor).order_by(Competitor.name)))


def competitor_machines(
    session: Session, visible: Select[Any], account_id: int | None = None
) -> list[tuple[int, str | None, str | None, int]]:
    """Competitors' machines by account and the names they carry: (account, competitor,
    manufacturer, machines)."""
    query = (
        select(Asset.account_id, Asset.competitor, Asset.manufacturer, func.count())
        .where(Asset.origin == Origin.competitor, Asset.account_id.in_(visible))
        .group_by(Asset.account_id, Asset.competitor, Asset.manufacturer)
    )
    if account_id is not None:
        query = query.where(Asset.account_id == account_id)
    return [(a, c, m, int(n)) for a, c, m, n in session.execute(query)]


def machines_by_account(
    session: Session, visible: Select[Any], account_id: int | None = None
) -> dict[int, int]:
    """All machines (ours and competitors') per account."""
    query = (
        select(Asset.account_id, func.count())
        .where(Asset.account_id.in_(visible))
        .group_by(Asset.account_id)
    )
    if account_id is not None:
        query = query.where(Asset.account_id == account_id)
    return {a: int(n) for a, n in session.execute(query)}


def presence_names(
    session: Session, visible: Select[Any], account_id: int | None = None
) -> list[tuple[int, str]]:
    """The free-text competitors recorded per account (installed_base's competitor_presence)."""
    query = select(CompetitorPresence.account_id, CompetitorPresence.competitor).where(
        CompetitorPresence.account_id.in_(visible)
    )
    if account_id is not None:
        query = query.where(CompetitorPresence.account_id == account_id)
    return [(a, c) for a, c in session.execute(query)]


def actions(
    session: Session,
    visible: Select[Any],
    *,
    competitor_id: int | None = None,
    account_id: int | None = None,
    since: date | None = None,
    limit: int = 200,
) -> list[CompetitorAction]:
    """Observed actions, newest first: those at visible accounts and those at no account."""
    query = (
        select(CompetitorAction)
        .where(or_(CompetitorAction.account_id.is_(None), CompetitorAction.account_id.in_(visible)))
        .order_by(CompetitorAction.observed_on.desc(), CompetitorAction.id.desc())
        .limit(limit)
    )
    if competitor_id is not None:
        query = query.where(CompetitorAction.competitor_id == competitor_id)
    if account_id is not None:
        query = query.where(CompetitorAction.account_id == account_id)
    if since is not None:
        query = query.where(CompetitorAction.observed_on >= since)
    return list(session.scalars(query))


def action_pairs(session: Session, visible: Select[Any]) -> list[tuple[int, int]]:
    """(competitor, account) of every action recorded at a visible account."""
    rows = session.execute(
        select(CompetitorAction.competitor_id, CompetitorAction.account_id)
        .where(CompetitorAction.account_id.in_(visible))
        .distinct()
    )
    return [(c, a) for c, a in rows if a is not None]


def opportunity_pairs(session: Session, visible: Select[Any]) -> list[tuple[int, int]]:
    """(competitor, account) of every competitor named in an opportunity at a visible account."""
    rows = session.execute(
        select(OpportunityCompetitor.competitor_id, Opportunity.account_id)
        .join(Opportunity, Opportunity.id == OpportunityCompetitor.opportunity_id)
        .where(Opportunity.account_id.in_(visible))
        .distinct()
    )
    return [(c, a) for c, a in rows]


def opportunity_competitors(session: Session, opportunity_id: int) -> list[OpportunityCompetitor]:
    """The competitors of an opportunity, in the order they were named."""
    return list(
        session.scalars(
            select(OpportunityCompetitor)
            .where(OpportunityCompetitor.opportunity_id == opportunity_id)
            .order_by(OpportunityCompetitor.id)
        )
    )


def opportunity_competitor(
    session: Session, opportunity_id: int, competitor_id: int
) -> OpportunityCompetitor | None:
    """One competitor's line of an opportunity."""
    return session.scalar(
        select(OpportunityCompetitor).where(
            OpportunityCompetitor.opportunity_id == opportunity_id,
            OpportunityCompetitor.competitor_id == competitor_id,
        )
    )


def closed_with_competitors(
    session: Session, visible: Select[Any]
) -> list[tuple[int, str, int | None, str | None]]:
    """Won and lost opportunities at visible accounts with the competitors named in them: (id,
    status, competitor of its list or None, the outcome's competitor text or None)."""
    closed = Opportunity.status.in_(("won", "lost"))
    listed = session.execute(
        select(Opportunity.id, Opportunity.status, OpportunityCompetitor.competitor_id)
        .join(OpportunityCompetitor, OpportunityCompetitor.opportunity_id == Opportunity.id)
        .where(closed, Opportunity.account_id.in_(visible))
    )
    named = session.execute(
        select(Opportunity.id, Opportunity.status, Outcome.competitor)
        .join(Outcome, Outcome.opportunity_id == Opportunity.id)
        .where(closed, Opportunity.account_id.in_(visible), Outcome.competitor.is_not(None))
    )
    return [(o, s, c, None) for o, s, c in listed] + [(o, s, None, t) for o, s, t in named]


def sightings(session: Session) -> set[tuple[int, int]]:
    """(competitor, account) of every pair known so far."""
    rows = session.execute(select(CompetitorSighting.competitor_id, CompetitorSighting.account_id))
    return {(c, a) for c, a in rows}


def alerts(
    session: Session,
    visible: Select[Any],
    *,
    account_id: int | None = None,
    competitor_id: int | None = None,
    unseen: bool = False,
    limit: int = 200,
) -> list[CompetitorAlert]:
    """Alerts at visible accounts, newest first."""
    query = (
        select(CompetitorAlert)
        .where(CompetitorAlert.account_id.in_(visible))
        .order_by(CompetitorAlert.raised_at.desc(), CompetitorAlert.id.desc())
        .limit(limit)
    )
    if account_id is not None:
        query = query.where(CompetitorAlert.account_id == account_id)
    if competitor_id is not None:
        query = query.where(CompetitorAlert.competitor_id == competitor_id)
    if unseen:
        query = query.where(CompetitorAlert.seen_at.is_(None))
    return list(session.scalars(query))


def alert(session: Session, alert_id: int, visible: Select[Any]) -> CompetitorAlert | None:
    """An alert at a visible account."""
    return session.scalar(
        select(CompetitorAlert).where(
            CompetitorAlert.id == alert_id, CompetitorAlert.account_id.in_(visible)
        )
    )


def mark_seen(alert_row: CompetitorAlert, at: datetime, by: str) -> None:
    """Mark an alert read."""
    alert_row.seen_at = at
    alert_row.seen_by = by
