"""Read side for the API, pages and CLI: segments, leads and twin positions a user may see."""

from __future__ import annotations

from sqlalchemy.orm import Session

from servitize.core.errors import NotFound
from servitize.installed_base import repository as installed_base
from servitize.intelligence import repository, twin
from servitize.intelligence.models import Lead
from servitize.intelligence.repository import lead_reader
from servitize.intelligence.schemas import LeadPage, LeadRead, SegmentRead, SegmentSummary
from servitize.trust.models import User

__all__ = [
    "get_lead",
    "lead_reader",
    "list_leads",
    "list_segments",
    "segment_summary",
    "twin_positions",
    "visible_lead",
]


def segment_summary(session: Session, user: User) -> list[SegmentSummary]:
    """How many visible accounts each segment and go-to-market mode holds."""
    return [
        SegmentSummary(label=a, go_to_market=b, accounts=n)
        for a, b, n in repository.segment_counts(session, user)
    ]


def list_segments(
    session: Session,
    user: User,
    label: str | None = None,
    account_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[SegmentRead]:
    """Visible accounts' segments, highest priority first."""
    rows = repository.visible_segments(session, user, label, account_id, limit, offset)
    names = installed_base.account_names(session, {seg.account_id for seg in rows})
    return [
        SegmentRead.model_validate(seg).model_copy(
            update={"account": names.get(seg.account_id, "")}
        )
        for seg in rows
    ]


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
    rows, total = repository.visible_leads(session, user, account_id, status, source, limit, offset)
    names = installed_base.account_names(session, {lead.account_id for lead in rows})
    items = [
        LeadRead.model_validate(lead).model_copy(update={"account": names.get(lead.account_id, "")})
        for lead in rows
    ]
    return LeadPage(items=items, total=total, limit=limit, offset=offset)


def visible_lead(session: Session, user: User, lead_id: int) -> Lead:
    """The lead if the user may see its account; NotFound otherwise."""
    lead = repository.visible_lead(session, user, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id} not found")
    return lead


def get_lead(session: Session, user: User, lead_id: int) -> LeadRead:
    """One lead with its story and evidence."""
    lead = visible_lead(session, user, lead_id)
    name = installed_base.account_names(session, {lead.account_id}).get(lead.account_id, "")
    return LeadRead.model_validate(lead).model_copy(update={"account": name})


def twin_positions(
    session: Session,
    user: User,
    account_id: int | None = None,
) -> list[twin.Position]:
    """Every digital offering sold to a visible account, placed on the digital-twin grid."""
    rows = repository.digital_offerings_sold(session, user, account_id)
    ids = {r[0] for r in rows}
    sites = repository.site_counts(session, ids)
    skill = repository.proficiency_levels(session, {r[2] for r in rows if r[2] is not None})
    label = repository.segment_labels(session, ids)
    return [
        twin.position(
            acc,
            name,
            fam or "",
            offer,
            round(qty or 1),
            sites.get(acc, 0),
            dealer is not None,
            None if owner is None else skill.get(owner),
            label.get(acc),
        )
        for acc, name, owner, dealer, fam, offer, qty in rows
    ]
