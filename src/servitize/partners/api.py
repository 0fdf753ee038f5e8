"""REST routes of partners and competitors under /api/v1.

Staff: ``/partners`` (list, add, read, change, link a user), the assignment of a blueprint
activity to a partner, an account's ecosystem and competitors, ``/competitors`` (the master, its
actions, CSV), an opportunity's competitors with their SWOT line, ``/competitor-alerts``.
A partner's user: ``/partner/...`` only (its activities; a dealer's customers with their leads
and sign-up sheets). Bad input answers 422 naming the field; records outside the user's scope 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from servitize.core.inputs import Id, Text
from servitize.partners import competition, service
from servitize.partners.models import CompetitorType, PartnerKind
from servitize.partners.schemas import (
    ActionIn,
    AssignmentIn,
    CompetitorIn,
    OpportunityCompetitorIn,
    PartnerIn,
    PartnerPatch,
    PartnerUserIn,
)
from servitize.trust.http import RequestContext

router = APIRouter(tags=["partners"])
Search = Annotated[Text, Query(max_length=80)]


@router.get("/partners")
def list_partners(
    ctx: RequestContext,
    kind: PartnerKind | None = None,
    account_id: Id | None = None,
    q: Search | None = None,
) -> list[dict[str, Any]]:
    """Partners by name; filters: kind, an account they work on, a part of the name."""
    return [
        v.as_dict()
        for v in service.list_partners(
            ctx, kind=kind.value if kind else None, account_id=account_id, text=q
        )
    ]


@router.post("/partners", status_code=201)
def create_partner(data: PartnerIn, ctx: RequestContext) -> dict[str, Any]:
    """Add a partner (admin, sales manager; audited)."""
    p = service.create_partner(ctx, data)
    return service.get_partner(ctx, p.id).as_dict()


@router.get("/partners/{partner_id}")
def get_partner(partner_id: Id, ctx: RequestContext) -> dict[str, Any]:
    """One partner with its accounts, offerings, users and assigned activities."""
    return service.get_partner(ctx, partner_id).as_dict()


@router.patch("/partners/{partner_id}")
def edit_partner(partner_id: Id, data: PartnerPatch, ctx: RequestContext) -> dict[str, Any]:
    """Change the fields sent (audited)."""
    service.edit_partner(ctx, partner_id, data)
    return service.get_partner(ctx, partner_id).as_dict()


@router.post("/partners/{partner_id}/users")
def link_partner_user(partner_id: Id, data: PartnerUserIn, ctx: RequestContext) -> dict[str, Any]:
    """Make a user of role partner belong to this partner (audited)."""
    user = service.link_user(ctx, partner_id, data.username)
    return {
        "username": user.username,
        "partner_id": partner_id,
        "dealer_account_id": user.dealer_account_id,
    }


@router.put("/sales-activities/{activity_id}/partner")
def assign_activity(activity_id: Id, data: AssignmentIn, ctx: RequestContext) -> dict[str, Any]:
    """Assign an opportunity's blueprint activity to a partner, or take it back (null)."""
    a = service.assign(ctx, activity_id, data.partner_id)
    return {"activity_id": a.id, "partner_id": data.partner_id}


@router.get("/opportunities/{opportunity_id}/partner-work")
def partner_work(opportunity_id: Id, ctx: RequestContext) -> list[dict[str, Any]]:
    """The opportunity's activities a partner may do, with their partner and the choices."""
    _opp, lines = service.opportunity_work(ctx, opportunity_id)
    return [
        {
            "activity_id": x.activity.id,
            "title": x.activity.title,
            "phase": x.activity.phase,
            "actor": x.activity.actor,
            "status": x.activity.status,
            "partner_id": x.partner_id,
            "may_be_assigned_to": [{"id": i, "name": n} for i, n in x.choices],
        }
        for x in lines
    ]


@router.get("/accounts/{account_id}/ecosystem")
def account_ecosystem(account_id: Id, ctx: RequestContext) -> dict[str, Any]:
    """The real actors around an account: partners, its dealer, competitors holding machines."""
    actors = service.actors_at(ctx, account_id)
    return {
        "account_id": account_id,
        "partners": [
            {"id": p.id, "name": p.name, "kind": p.kind, "why": why} for p, why in actors.partners
        ],
        "dealer": {"id": actors.dealer[0], "name": actors.dealer[1]} if actors.dealer else None,
        "competitors": [
            {"id": c.id, "name": c.name, "type": c.type, "machines": n, "known_by": how}
            for c, n, how in competition.ecosystem_competitors(ctx, account_id)
        ],
    }


@router.get("/accounts/{account_id}/competitors")
def account_competitors(account_id: Id, ctx: RequestContext) -> dict[str, Any]:
    """Competitor share of the account's installed base, recent actions, unread alerts."""
    return competition.account_panel(ctx, account_id).as_dict()


# ---------------------------------------------------------------- competitors


@router.get("/competitors")
def list_competitors(ctx: RequestContext, type: CompetitorType | None = None) -> dict[str, Any]:
    """The master by type, with share of the visible installed base and win/loss."""
    rows, total = competition.list_competitors(ctx, type.value if type else None)
    return {"machines": total, "competitors": [r.as_dict() for r in rows]}


@router.get("/competitors.csv", response_class=Response)
def competitors_csv(ctx: RequestContext, type: CompetitorType | None = None) -> Response:
    """The list as CSV (the numbers of the page)."""
    return Response(
        competition.list_csv(ctx, type.value if type else None),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="competitors.csv"'},
    )


@router.post("/competitors", status_code=201)
def create_competitor(data: CompetitorIn, ctx: RequestContext) -> dict[str, Any]:
    """Add a competitor to the master (admin, sales manager; audited)."""
    c = competition.create_competitor(ctx, data)
    return competition.get_competitor(ctx, c.id).as_dict()


@router.get("/competitors/{competitor_id}")
def get_competitor(competitor_id: Id, ctx: RequestContext) -> dict[str, Any]:
    """One competitor: installed base per account, actions, win/loss, alerts."""
    return competition.get_competitor(ctx, competitor_id).as_dict()


@router.put("/competitors/{competitor_id}")
def edit_competitor(competitor_id: Id, data: CompetitorIn, ctx: RequestContext) -> dict[str, Any]:
    """Change a competitor: name, type, products, aliases, notes (audited)."""
    competition.edit_competitor(ctx, competitor_id, data)
    return competition.get_competitor(ctx, competitor_id).as_dict()


@router.post("/competitors/{competitor_id}/actions", status_code=201)
def record_action(competitor_id: Id, data: ActionIn, ctx: RequestContext) -> dict[str, Any]:
    """Record an observed action: price, offer or contract won, with date and source."""
    row = competition.record_action(ctx, competitor_id, data)
    return {"id": row.id, "competitor_id": competitor_id, "kind": row.kind}


@router.get("/competitor-alerts")
def list_alerts(
    ctx: RequestContext, unseen: bool = False, account_id: Id | None = None
) -> list[dict[str, Any]]:
    """Competitors that appeared at visible accounts where they were not before."""
    return competition.alerts(ctx, unseen=unseen, account_id=account_id)


@router.post("/competitor-alerts/scan")
def scan_alerts(ctx: RequestContext) -> dict[str, Any]:
    """Look for competitors new at an account (after an import); the alerts raised."""
    raised = competition.scan(ctx)
    return {"raised": len(raised), "alert_ids": [a.id for a in raised]}


@router.post("/competitor-alerts/{alert_id}/seen")
def mark_alert_seen(alert_id: Id, ctx: RequestContext) -> dict[str, Any]:
    """Mark an alert read."""
    row = competition.mark_seen(ctx, alert_id)
    return {"id": row.id, "seen_by": row.seen_by}


@router.get("/opportunities/{opportunity_id}/competitors")
def opportunity_competitors(opportunity_id: Id, ctx: RequestContext) -> list[dict[str, Any]]:
    """An opportunity's competitors with their SWOT line."""
    return competition.opportunity_competitors(ctx, opportunity_id)


@router.post("/opportunities/{opportunity_id}/competitors")
def set_opportunity_competitor(
    opportunity_id: Id, data: OpportunityCompetitorIn, ctx: RequestContext
) -> list[dict[str, Any]]:
    """Name a competitor in the opportunity, or change its SWOT line; the list as it is now."""
    competition.set_opportunity_competitor(ctx, opportunity_id, data)
    return competition.opportunity_competitors(ctx, opportunity_id)


# ---------------------------------------------------------------- a partner's own user


@router.get("/partner/activities")
def my_activities(ctx: RequestContext) -> dict[str, Any]:
    """The activities assigned to the user's partner (for role partner)."""
    p, items = service.my_work(ctx)
    return {"partner": p.name, "activities": [i.as_dict() for i in items]}


@router.post("/partner/activities/{activity_id}/done")
def tick_activity(activity_id: Id, ctx: RequestContext) -> dict[str, Any]:
    """Tick an assigned activity done, when the blueprint has reached it."""
    return service.tick_done(ctx, activity_id).as_dict()


@router.get("/partner/customers")
def dealer_customers(ctx: RequestContext) -> list[dict[str, Any]]:
    """A dealer's customers with their open leads and sign-up sheets."""
    return [c.as_dict() for c in service.dealer_customers(ctx)]


@router.get("/partner/customers/{account_id}")
def dealer_customer(account_id: Id, ctx: RequestContext) -> dict[str, Any]:
    """One customer of the dealer; 404 for any other account."""
    return service.dealer_customer(ctx, account_id).as_dict()
