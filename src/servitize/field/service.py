"""Lead use cases: report, route, move the turnaround clock, escalate. Load -> rules -> flush."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TypedDict

from sqlalchemy.orm import Session

from servitize.core.db import utcnow
from servitize.core.errors import InvalidInput, NotFound
from servitize.core.settings import (
    FieldSettings,
    IntelligenceSettings,
    OrgTypesSettings,
    Settings,
)
from servitize.field import recognition, rules
from servitize.field import repository as repo
from servitize.field.models import LeadRoute, Route, Stage
from servitize.field.repository import leads as lead_rows
from servitize.field.schemas import InboxItem, InboxPage, LeadReport, LeadRouted, UserName
from servitize.installed_base import ownership
from servitize.installed_base import repository as installed_base
from servitize.installed_base.access import get_account, require
from servitize.installed_base.models import Account
from servitize.installed_base.repository import load_rates
from servitize.intelligence import conversion, evidence_words
from servitize.intelligence import service as intelligence
from servitize.intelligence.models import Lead, LeadSource, LeadStatus
from servitize.kit.money import Rates, from_cents, to_cents
from servitize.kit.sorting import Sort
from servitize.org_types import service as org_types
from servitize.trust.audit import Actor, actor_of, record
from servitize.trust.models import User

ROUTE_FIELDS = ("route", "assigned_to_id", "visit_id", "reason", "stage")
DEFAULTS = FieldSettings.model_construct()  # the documented defaults, for callers without any
DEFAULT_COMPANY = "EUR"  # Settings.company_currency's default


class RoutingRun(TypedDict):
    """What one run of the routing batch did."""

    routed: int
    technician: int
    account_owner: int
    rehomed: int
    closed: int


def sla_of(s: FieldSettings) -> rules.Sla:
    """The SLA of the settings."""
    return rules.Sla(
        s.sla_first_action_days, s.sla_proposal_days, s.sla_close_days, tuple(s.holidays)
    )


def _name(user: User | None) -> UserName | None:
    return UserName.model_validate(user) if user else None


def route_lead(
    session: Session,
    lead: Lead,
    account: Account,
    actor: Actor,
    today: date,
    s: FieldSettings,
    company: str,
    reported_by: User | None = None,
    load: dict[int, int] | None = None,
    org: OrgTypesSettings | None = None,
) -> LeadRoute:
    """Decide and store where one new lead goes; ``load`` counts open leads per technician.
    A lead for the owner goes to the seller of its family under the account's organisation
    type (org_types), when a type's rules apply to the account."""
    # kit.money's convention: the rates in force today (a future-dated rate is not yet in force)
    rates = Rates(
        load_rates(session, {lead.currency, account.currency} - {company}), company, as_of=today
    )
    value = rules.convert_to(
        lead.estimated_value_cents, lead.currency, account.currency, rates, today
    )
    visit = repo.next_visit(session, account.id, today, s.next_visit_days)
    nxt = None
    if visit is not None:
        if load is None:
            load = {}
        if visit.technician_id not in load:
            load |= repo.open_leads_of(session, {visit.technician_id})
        nxt = rules.NextVisit(
            visit.id, visit.technician_id, visit.day, load.get(visit.technician_id, 0)
        )
    decision = rules.route(
        value if value is not None else lead.estimated_value_cents,
        s.threshold_cents(account.currency),
        account.owner_id,
        nxt,
        s.max_open_per_technician,
    )
    if value is None:
        decision = rules.Decision(
            Route.account_owner.value,
            account.owner_id,
            None,
            f"no exchange rate between {lead.currency} and "
            f"{account.currency} in force: the owner decides",
        )
    if decision.route == Route.account_owner.value:
        seller = org_types.route_lead(
            session, account.id, lead.offering_id, lead.offering_key, today, org
        )
        if seller is not None:
            decision = rules.Decision(
                decision.route,
                seller.user_id,
                None,
                f"{decision.reason}; {seller.reason}"[:200],  # the column's length
            )
    if decision.route == Route.technician.value and load is not None and decision.assigned_to_id:
        load[decision.assigned_to_id] = load.get(decision.assigned_to_id, 0) + 1
    row = LeadRoute(
        lead_id=lead.id,
        account_id=account.id,
        route=decision.route,
        reason=decision.reason,
        assigned_to_id=decision.assigned_to_id,
        visit_id=decision.visit_id,
        value_cents=lead.estimated_value_cents,
        currency=lead.currency,
        score=lead.score,
        stage=Stage.reported.value,
        reported_by_id=reported_by.id if reported_by else None,
        reported_at=utcnow(),
    )
    session.add(row)
    session.flush()
    record(
        session, actor, "route", "lead", lead.id, after={k: getattr(row, k) for k in ROUTE_FIELDS}
    )
    return row


def report_lead(
    session: Session,
    user: User,
    body: LeadReport,
    today: date | None = None,
    s: FieldSettings | None = None,
    settings: Settings | None = None,
) -> LeadRoute:
    """A lead a technician (or anyone in the field) saw: store it, route it, audit it.

    ``s`` and ``settings`` are the edge's (``ctx.settings.field``, ``ctx.settings``); without
    them the documented defaults apply (a service never reads the environment)."""
    today, s = today or date.today(), s or DEFAULTS
    company = settings.company_currency if settings else DEFAULT_COMPANY
    require(user, "lead.report")
    if body.client_key:  # a retry of a report that already arrived: answer the same route
        again = lead_rows.route_of_client_key(session, body.client_key)
        if again is not None:
            if again.reported_by_id != user.id:
                raise InvalidInput("client_key was used by someone else")
            return again
    account = get_account(session, user, body.account_id)
    asset = None
    if body.asset_id is not None:
        asset = installed_base.visible_asset(session, user, body.asset_id)
        if asset is None or asset.account_id != account.id:
            raise InvalidInput(f"asset {body.asset_id} is not a machine of this account")
    if body.visit_id is not None:
        visit = repo.visible_visit(session, user, body.visit_id)
        if visit is None or visit.account_id != account.id:
            raise InvalidInput(f"visit {body.visit_id} is not one of your visits to this account")
    offering = None
    if body.offering_id is not None:
        offering = installed_base.offerings_by_id(session, [body.offering_id]).get(body.offering_id)
        if offering is None:
            raise InvalidInput(f"offering {body.offering_id} does not exist")
    label, family = rules.SEEN[body.seen]
    key = f"tech:{offering.external_id if offering else family}"[:80]
    where = f" on {asset.model or 'a machine'} {asset.serial or asset.external_id}" if asset else ""
    story = (
        f"{user.full_name or user.username} saw it on site{where}: {label.lower()}. "
        f"“{body.observation.strip()}”"
    )
    evidence = {
        "seen": body.seen,
        "observation": body.observation.strip(),
        "reported_by": user.username,
        "asset_id": body.asset_id,
        "photo": bool(body.photo),
        "visit_id": body.visit_id,
    }
    lead = Lead(
        account_id=account.id,
        offering_id=offering.id if offering else None,
        offering_key=key,
        asset_ids=[asset.id] if asset else [],
        source=LeadSource.technician,
        rule="technician_report",
        score=0.7,
        estimated_value_cents=to_cents(body.estimated_value),
        currency=account.currency,
        story=story,
        evidence=evidence,
        status=LeadStatus.open,
        as_of=today,
        expires_on=today + timedelta(days=s.lead_ttl_days),
    )
    session.add(lead)
    session.flush()
    record(
        session,
        actor_of(user),
        "create",
        "lead",
        lead.id,
        after={
            "source": lead.source,
            "account_id": account.id,
            "offering_key": key,
            "estimated_value_cents": lead.estimated_value_cents,
            "seen": body.seen,
        },
    )
    row = route_lead(
        session,
        lead,
        account,
        actor_of(user),
        today,
        s,
        company,
        reported_by=user,
        org=settings.org_types if settings else None,
    )
    row.seen, row.photo, row.client_key = body.seen, body.photo, body.client_key
    session.flush()
    return row


def route_new_leads(
    session: Session,
    actor: Actor,
    today: date | None = None,
    s: FieldSettings | None = None,
    settings: Settings | None = None,
) -> RoutingRun:
    """Route every open lead that has no route yet, best-scored first (the batch after leads)."""
    today, s = today or date.today(), s or DEFAULTS
    company = settings.company_currency if settings else DEFAULT_COMPANY
    leads = repo.unrouted_leads(session)
    accounts = installed_base.accounts_by_id(session, {x.account_id for x in leads})
    load: dict[int, int] = {}
    counts = {Route.technician.value: 0, Route.account_owner.value: 0}
    for lead in leads:
        row = route_lead(
            session,
            lead,
            accounts[lead.account_id],
            actor,
            today,
            s,
            company,
            load=load,
            org=settings.org_types if settings else None,
        )
        counts[row.route] += 1
    return RoutingRun(
        routed=len(leads),
        technician=counts[Route.technician.value],
        account_owner=counts[Route.account_owner.value],
        rehomed=rehome_owner_leads(session, actor),
        closed=close_routes_of_closed_leads(session, actor),
    )


def close_routes_of_closed_leads(
    session: Session, actor: Actor, lead_ids: list[int] | None = None
) -> int:
    """Close the open routes of leads that were dismissed or expired elsewhere (the lead list,
    the intelligence API, the lead batch), so that no inbox keeps a lead nobody works; a lead
    converted into an opportunity closes as won, its clock stopped at the conversion."""
    now, n = utcnow(), 0
    for row, lead in lead_rows.open_routes_of_closed_leads(session, lead_ids):
        reason = (
            lead.dismissed_reason if lead.status == LeadStatus.dismissed else ("the lead expired")
        )
        stage = Stage.dismissed.value
        if lead.status == LeadStatus.converted:
            reason, stage = "converted into an opportunity", Stage.won.value
            row.first_action_at = row.first_action_at or now
            row.proposal_at = row.proposal_at or now  # the clock runs to the proposal: it stops
        before = {"stage": row.stage}
        row.stage, row.closed_at, row.close_reason = stage, now, reason
        record(
            session,
            actor,
            "close_route",
            "lead",
            lead.id,
            before=before,
            after={"stage": row.stage, "reason": reason},
        )
        n += 1
    session.flush()
    return n


def _stop_clock(session: Session, actor: Actor, lead: Lead, reason: str) -> None:
    """A lead opened as an opportunity (intelligence.conversion) leaves the inboxes at once."""
    close_routes_of_closed_leads(session, actor, [lead.id])


conversion.stop_clocks_with(_stop_clock)


def act(
    session: Session,
    user: User,
    lead_id: int,
    action: str,
    reason: str | None = None,
    today: date | None = None,
    now: datetime | None = None,
    intelligence_settings: IntelligenceSettings | None = None,
) -> LeadRoute:
    """Move a lead's clock: confirm, act, propose, win, lose or dismiss (with a reason);
    ``intelligence_settings``: the edge's (how long a dismissed lead stays quiet)."""
    today, now = today or date.today(), now or utcnow()
    found = repo.visible_route(session, user, lead_id)
    if found is None:
        raise NotFound(f"lead {lead_id} not found")
    row, lead = found
    require(user, "lead.act", own=row.assigned_to_id == user.id)
    if action in ("lose", "dismiss") and not (reason and len(reason.strip()) >= 3):
        raise InvalidInput("say why (at least 3 characters): nothing disappears without a reason")
    try:
        stage = rules.next_stage(row.stage, action)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    before = {"stage": row.stage}
    sold_on_site = rules.awaiting_owner(row.stage, row.close_reason)
    row.stage = stage
    if row.first_action_at is None:
        row.first_action_at = now
    if stage == Stage.proposed.value:
        row.proposal_at = now
    if stage in rules.CLOSED_STAGES:
        row.closed_at, row.close_reason = now, reason
    actor = actor_of(user)
    if action == "confirm" or (
        action in ("act", "propose", "win") and row.reported_by_id and row.reported_by_id != user.id
    ):
        row.confirmed = True
    if stage == Stage.won.value:
        lead.status = LeadStatus.converted
    elif stage in (Stage.lost.value, Stage.dismissed.value):
        text = (reason or "").strip()
        intelligence.dismiss(
            session,
            lead,
            f"lost: {text}" if action == "lose" else text,
            today,
            actor,
            intelligence_settings or IntelligenceSettings.model_construct(),
        )
    record(
        session,
        actor,
        action,
        "lead",
        lead.id,
        before=before,
        after={"stage": stage, "reason": reason}
        | ({"sold_on_site_confirmed": True} if sold_on_site and action == "win" else {}),
    )
    recognition.for_lead(session, row, today)
    session.flush()
    return row


def escalate_overdue(
    session: Session, actor: Actor, today: date | None = None, s: FieldSettings | None = None
) -> int:
    """Hand every open lead past its SLA to the service manager of its territory (once)."""
    today, s = today or date.today(), s or DEFAULTS
    sla = sla_of(s)
    rows = lead_rows.open_unescalated_routes(session)
    managers: dict[str | None, User | None] = {}
    n = 0
    for row, territory in rows:
        due = rules.due(row.stage, row.reported_at, row.first_action_at, row.proposal_at, sla)
        if not rules.should_escalate(row.stage, due, today, row.escalated_at):
            continue
        if territory not in managers:
            managers[territory] = repo.service_manager_for(session, territory)
        manager = managers[territory]
        row.escalated_at, row.escalated_to_id = utcnow(), manager.id if manager else None
        record(
            session,
            actor,
            "escalate",
            "lead",
            row.lead_id,
            after={"stage": row.stage, "due": due, "escalated_to_id": row.escalated_to_id},
        )
        n += 1
    session.flush()
    return n


def item(
    row: LeadRoute,
    lead: Lead,
    account: str,
    users: dict[int, User],
    today: date,
    sla: rules.Sla,
    has_photo: bool | None = None,
) -> InboxItem:
    """One inbox row with its clock computed for today (``has_photo`` when photos were not loaded)."""
    due = rules.due(row.stage, row.reported_at, row.first_action_at, row.proposal_at, sla)
    return InboxItem(
        lead_id=lead.id,
        account_id=row.account_id,
        account=account,
        offering_key=lead.offering_key,
        source=lead.source,
        story=lead.story,
        evidence=lead.evidence,
        evidence_words=evidence_words.sentences(lead.evidence, lead.currency),
        score=lead.score,
        estimated_value=from_cents(lead.estimated_value_cents) or 0,
        currency=lead.currency,
        route=row.route,
        assigned_to=_name(users.get(row.assigned_to_id or 0)),
        reason=row.reason,
        visit_id=row.visit_id,
        stage=row.stage,
        lead_status=lead.status,
        seen=row.seen,
        reported_at=row.reported_at,
        first_action_at=row.first_action_at,
        proposal_at=row.proposal_at,
        closed_at=row.closed_at,
        due=due,
        overdue=row.stage in rules.OPEN_STAGES and rules.overdue(due, today),
        escalated_at=row.escalated_at,
        escalated_to=_name(users.get(row.escalated_to_id or 0)),
        close_reason=row.close_reason,
        has_photo=bool(row.photo) if has_photo is None else has_photo,
        awaiting_owner=rules.awaiting_owner(row.stage, row.close_reason),
    )


def inbox(
    session: Session,
    user: User,
    stage: str | None = "open",
    mine: bool = False,
    account_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    today: date | None = None,
    s: FieldSettings | None = None,
    reported: bool = False,
    sort: Sort | None = None,
) -> InboxPage:
    """The leads a user works: technicians theirs, owners every lead of their accounts;
    ``reported``: the leads the user reported, wherever they were routed; newest first or by
    ``sort``."""
    today, s = today or date.today(), s or DEFAULTS
    q = repo.inbox_query(user, stage, mine, reported)
    if account_id is not None:
        q = lead_rows.inbox_of_account(q, account_id)
    # One pass: the page's ids and the total together (a window count); the count alone only
    # past the end. Then the page's rows whole.
    ids, found_total = lead_rows.inbox_ids(session, q, limit, offset, sort)
    rows, users = repo.routes_with_leads(session, ids)
    if found_total is not None:
        total = found_total
    else:
        total = lead_rows.inbox_count(session, q) if offset else 0
    sla = sla_of(s)
    return InboxPage(
        items=[item(r, lead, a, users, today, sla, p) for r, lead, a, p in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


def lead_item(
    session: Session,
    user: User,
    lead_id: int,
    today: date | None = None,
    s: FieldSettings | None = None,
) -> tuple[InboxItem, LeadRoute]:
    """One routed lead the user may see (404 outside their accounts)."""
    found = repo.visible_route(session, user, lead_id)
    if found is None:
        raise NotFound(f"lead {lead_id} not found")
    row, lead = found
    name = installed_base.account_names(session, {row.account_id}).get(row.account_id, "")
    users = repo.users_by_id(session, {u for u in (row.assigned_to_id, row.escalated_to_id) if u})
    return item(row, lead, name, users, today or date.today(), sla_of(s or DEFAULTS)), row


def routed(row: LeadRoute, session: Session, s: FieldSettings | None = None) -> LeadRouted:
    """The answer to a lead report: route, assignee, clock."""
    users = repo.users_by_id(session, {row.assigned_to_id} if row.assigned_to_id else set())
    due = rules.due(
        row.stage,
        row.reported_at,
        row.first_action_at,
        row.proposal_at,
        sla_of(s or DEFAULTS),
    )
    return LeadRouted(
        lead_id=row.lead_id,
        account_id=row.account_id,
        route=row.route,
        assigned_to=_name(users.get(row.assigned_to_id or 0)),
        reason=row.reason,
        visit_id=row.visit_id,
        stage=row.stage,
        due=due,
    )


def hand_over_account(session: Session, user: User, account_id: int, new_owner_id: int) -> int:
    """A new account owner: the account changes hands and so do its open leads that were
    routed to the owner (technicians keep theirs). Returns how many leads moved."""
    account, former = ownership.reassign(session, user, account_id, new_owner_id)
    if former == account.owner_id:
        return 0
    return rehome_owner_leads(session, actor_of(user), account.id)


def rehome_owner_leads(session: Session, actor: Actor, account_id: int | None = None) -> int:
    """Give open leads routed to an account's owner to whoever owns the account now (an import
    may have changed the owner); technicians keep theirs, closed leads their history."""
    moved = 0
    for row, owner_id in lead_rows.owner_routes_to_rehome(session, account_id):
        record(
            session,
            actor,
            "reassign",
            "lead",
            row.lead_id,
            before={"assigned_to_id": row.assigned_to_id},
            after={"assigned_to_id": owner_id},
        )
        row.assigned_to_id = owner_id
        moved += 1
    session.flush()
    return moved
