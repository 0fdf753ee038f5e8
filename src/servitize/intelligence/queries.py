"""Read side for the API, pages and CLI: segments, leads and twin positions a user may see."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import ColumnElement, column, func, or_, select, table, true
from sqlalchemy.orm import Session

from servitize.core.errors import NotFound
from servitize.installed_base.access import account_scope
from servitize.installed_base.models import Account, Asset, Offering, Order, Visit
from servitize.intelligence import twin
from servitize.intelligence.models import Lead, SegmentAssignment, TwinProficiency
from servitize.intelligence.schemas import LeadPage, LeadRead, SegmentRead, SegmentSummary
from servitize.trust.models import Role, User


def segment_summary(session: Session, user: User) -> list[SegmentSummary]:
    """How many visible accounts each segment and go-to-market mode holds."""
    rows = session.execute(
        select(SegmentAssignment.label, SegmentAssignment.go_to_market, func.count())
        .join(Account, Account.id == SegmentAssignment.account_id)
        .where(account_scope(user))
        .group_by(SegmentAssignment.label, SegmentAssignment.go_to_market)
        .order_by(SegmentAssignment.label, SegmentAssignment.go_to_market)
    )
    return [SegmentSummary(label=a, go_to_market=b, accounts=n) for a, b, n in rows]


def list_segments(
    session: Session,
    user: User,
    label: str | None = None,
    account_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[SegmentRead]:
    """Visible accounts' segments, highest priority first."""
    q = (
        select(SegmentAssignment, Account.name)
        .join(Account, Account.id == SegmentAssignment.account_id)
        .where(account_scope(user))
    )
    if label:
        q = q.where(SegmentAssignment.label == label)
    if account_id is not None:
        q = q.where(SegmentAssignment.account_id == account_id)
    q = q.order_by(SegmentAssignment.priority.desc(), SegmentAssignment.account_id)
    return [
        SegmentRead.model_validate(seg).model_copy(update={"account": name})
        for seg, name in session.execute(q.limit(limit).offset(offset))
    ]


# The field's lead routes (a later layer, named here as a plain table): who works a lead.
_LEAD_ROUTE = table(
    "lead_route",
    column("lead_id"),
    column("assigned_to_id"),
    column("reported_by_id"),
    column("visit_id"),
)


def lead_reader(user: User) -> ColumnElement[bool]:
    """Which leads a user reads beyond the account scope: a technician those routed to or
    reported by them and those of their visits, not every lead of the territory."""
    if user.role != Role.technician.value:
        return true()
    own_visits = select(Visit.id).where(Visit.technician_id == user.id)
    return Lead.id.in_(
        select(_LEAD_ROUTE.c.lead_id).where(
            or_(
                _LEAD_ROUTE.c.assigned_to_id == user.id,
                _LEAD_ROUTE.c.reported_by_id == user.id,
                _LEAD_ROUTE.c.visit_id.in_(own_visits),
            )
        )
    )


def list_leads(
    session: Session,
    user: User,
    account_id: int | None = None,
    status: str | None = "open",
    source: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> LeadPage:
    """Visible leads, best score first."""
    q = (
        select(Lead, Account.name)
        .join(Account, Account.id == Lead.account_id)
        .where(account_scope(user), lead_reader(user))
    )
    if account_id is not None:
        q = q.where(Lead.account_id == account_id)
    if status:
        q = q.where(Lead.status == status)
    if source:
        q = q.where(Lead.source == source)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.execute(q.order_by(Lead.score.desc(), Lead.id).limit(limit).offset(offset))
    items = [
        LeadRead.model_validate(lead).model_copy(update={"account": name}) for lead, name in rows
    ]
    return LeadPage(items=items, total=total, limit=limit, offset=offset)


def visible_lead(session: Session, user: User, lead_id: int) -> Lead:
    """The lead if the user may see its account; NotFound otherwise."""
    lead = session.scalar(
        select(Lead)
        .join(Account, Account.id == Lead.account_id)
        .where(Lead.id == lead_id, account_scope(user), lead_reader(user))
    )
    if lead is None:
        raise NotFound(f"lead {lead_id} not found")
    return lead


def get_lead(session: Session, user: User, lead_id: int) -> LeadRead:
    """One lead with its story and evidence."""
    lead = visible_lead(session, user, lead_id)
    name = session.scalar(select(Account.name).where(Account.id == lead.account_id))
    return LeadRead.model_validate(lead).model_copy(update={"account": name or ""})


def twin_positions(
    session: Session,
    user: User,
    account_id: int | None = None,
) -> list[twin.Position]:
    """Every digital offering sold to a visible account, placed on the digital-twin grid."""
    q = (
        select(
            Order.account_id,
            Account.name,
            Account.owner_id,
            Account.dealer_id,
            Offering.family,
            Offering.name,
            func.sum(Order.quantity),
        )
        .join(Offering, Offering.id == Order.offering_id)
        .join(Account, Account.id == Order.account_id)
        .where(account_scope(user), Offering.shell.in_(["digital_service", "smart_pss_bundle"]))
        .group_by(
            Order.account_id,
            Account.name,
            Account.owner_id,
            Account.dealer_id,
            Offering.family,
            Offering.name,
        )
        .order_by(Order.account_id, Offering.name)
    )
    if account_id is not None:
        q = q.where(Order.account_id == account_id)
    rows = session.execute(q).all()
    ids = {r[0] for r in rows}
    sites: dict[int, int] = defaultdict(int)
    for acc, n in session.execute(
        select(Asset.account_id, func.count(func.distinct(Asset.site_id)))
        .where(Asset.account_id.in_(ids))
        .group_by(Asset.account_id)
    ):
        sites[acc] = n
    skill = dict(session.execute(select(TwinProficiency.user_id, TwinProficiency.level)).all())
    label = dict(
        session.execute(
            select(SegmentAssignment.account_id, SegmentAssignment.label).where(
                SegmentAssignment.account_id.in_(ids)
            )
        ).all()
    )
    return [
        twin.position(
            acc,
            name,
            fam or "",
            offer,
            round(qty or 1),
            sites[acc],
            dealer is not None,
            None if owner is None else skill.get(owner),
            label.get(acc),
        )
        for acc, name, owner, dealer, fam, offer, qty in rows
    ]
