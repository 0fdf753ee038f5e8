"""The sample company's ecosystem: a subcontractor and an integrator working on a customer
served by a dealer, the dealer as a partner with its own user, a subscription deal whose
partner activities are assigned to them, and three competitors of different types with the
machines they hold (matched from the imported machines' names), observed actions and the
alert one of them raised. Everything goes through the services a user would use; run again, it
adds nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.installed_base.models import Account
from servitize.partners import competition, service
from servitize.partners import repository as repo
from servitize.partners.models import ActionKind, CompetitorType, PartnerKind
from servitize.partners.schemas import ActionIn, CompetitorIn, OpportunityCompetitorIn, PartnerIn
from servitize.sales import service as sales
from servitize.sales.models import Opportunity
from servitize.sales.schemas import OpportunityCreate
from servitize.trust.context import Context
from servitize.trust.models import Role, User

DEALER_USER = "dealer@partner.example"
CREW_USER = "crew@partner.example"
SUBCONTRACTOR = "Nordic Commissioning"
COMPETITORS: tuple[tuple[str, CompetitorType, str, list[str]], ...] = (
    ("Vantor Pumps", CompetitorType.machine_manufacturer, "pumps and dosing skids", ["Vantor"]),
    (
        "Fluxon",
        CompetitorType.diversified_technology_firm,
        "automation, drives and an IoT platform",
        ["Fluxon Automation"],
    ),
    ("UptimeLab", CompetitorType.service_start_up, "predictive maintenance as a service", []),
)


@dataclass
class PartnersDemo:
    """What the ecosystem's demo made (empty when it ran before or found no dealer)."""

    customer: str = ""
    dealer: str = ""
    partners: list[str] = field(default_factory=list)
    competitors: list[str] = field(default_factory=list)
    alerts: int = 0
    logins: dict[str, str] = field(default_factory=dict)


def _first(session: Session, role: str) -> User | None:
    return session.scalar(select(User).where(User.role == role, User.active).order_by(User.id))


def _served(session: Session) -> tuple[Account, Account] | None:
    """The first dealer that serves a customer with an owner, and that customer."""
    for dealer in repo.dealer_accounts(session):
        customer = session.scalar(
            select(Account)
            .where(Account.dealer_id == dealer.id, Account.owner_id.is_not(None))
            .order_by(Account.id)
        )
        if customer is not None:
            return dealer, customer
    return None


def _user(session: Session, username: str, full_name: str, password_hash: str | None) -> User:
    user = User(
        username=username,
        role=Role.partner.value,
        full_name=full_name,
        email=username,
        password_hash=password_hash,  # the demo password every demo user has
    )
    session.add(user)
    session.flush()
    return user


def demo_partners(session: Session, settings: Settings, today: date) -> PartnersDemo:
    """Partners, their users, assigned activities, competitors, their actions and alerts."""
    admin = _first(session, Role.admin.value)
    found = _served(session)
    if admin is None or found is None or repo.partner_by_name(session, SUBCONTRACTOR):
        return PartnersDemo()
    dealer, customer = found
    now = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
    ctx = Context(session, admin, settings, now)
    crew = service.create_partner(
        ctx,
        PartnerIn(
            name=SUBCONTRACTOR,
            kind=PartnerKind.subcontractor,
            role="commissions our machines, analyses usage on site and trains operators",
            boundary="On-site work only: no design changes, no price talks with the customer.",
            activity_codes=["usage_analysis", "commissioning"],
            account_ids=[customer.id],
            contact_name="Ola Nordmann",
            contact_email="ola@nordic-commissioning.example",
        ),
    )
    integrator = service.create_partner(
        ctx,
        PartnerIn(
            name="Datapath Integration",
            kind=PartnerKind.integrator,
            role="connects the customer's plant systems to our monitoring and billing",
            boundary="Interfaces and data flows; the customer's IT stays the customer's.",
            activity_codes=["activation", "remote_monitoring"],
            account_ids=[customer.id],
        ),
    )
    dealer_partner = service.create_partner(
        ctx,
        PartnerIn(
            name=dealer.name,
            kind=PartnerKind.dealer,
            role="sells and services our machines to the customers of its territory",
            boundary="First-line service and spare parts; retrofits go through us.",
            activity_codes=["regular_visits"],
            dealer_account_id=dealer.id,
        ),
    )
    service.link_user(
        ctx,
        dealer_partner.id,
        _user(session, DEALER_USER, "Dana Dealer", admin.password_hash).username,
    )
    service.link_user(
        ctx, crew.id, _user(session, CREW_USER, "Nils Crew", admin.password_hash).username
    )
    owner = session.get(User, customer.owner_id) if customer.owner_id else admin
    deal = sales.create(
        session,
        owner or admin,
        OpportunityCreate(
            account_id=customer.id,
            title="Pumping as a service",
            offering_type="subscription",
            expected_close=today + timedelta(days=90),
        ),
        now,
    )
    for activity in repo.activities_of_opportunity(session, deal.id):
        if activity.code in ("usage_analysis", "training"):
            service.assign(ctx, activity.id, crew.id)
        elif activity.code == "billing_setup":
            service.assign(ctx, activity.id, integrator.id)
    made = []
    for name, type_, products, aliases in COMPETITORS:
        made.append(
            competition.create_competitor(
                ctx, CompetitorIn(name=name, type=type_, products=products, aliases=aliases)
            )
        )
    vantor, fluxon, uptime = made
    vantor_at = next(
        (s.account_id for s in competition.get_competitor(ctx, vantor.id).accounts), None
    )
    actions = [
        (
            vantor,
            ActionKind.price,
            40,
            vantor_at,
            "the customer's buyer",
            "12 % below our list price",
        ),
        (fluxon, ActionKind.contract_won, 75, None, "trade press", "five-year platform contract"),
        (
            uptime,
            ActionKind.offer,
            10,
            customer.id,
            "the customer's maintenance lead",
            "vibration monitoring, per machine and month",
        ),
    ]
    for competitor, kind, days, account_id, source, detail in actions:
        competition.record_action(
            ctx,
            competitor.id,
            ActionIn(
                kind=kind,
                observed_on=today - timedelta(days=days),
                source=source,
                account_id=account_id,
                detail=detail,
            ),
        )
    competition.set_opportunity_competitor(
        Context(session, owner or admin, settings, now),
        deal.id,
        OpportunityCompetitorIn(
            competitor_id=uptime.id,
            strengths="quick to start, low monthly price",
            weaknesses="no spare parts, no on-site service",
            opportunities="bundle monitoring with our maintenance",
            threats="owns the customer's machine data",
        ),
    )
    won = session.scalar(
        select(Opportunity.id).where(Opportunity.status == "won").order_by(Opportunity.id)
    )
    if won is not None:  # a deal we won against Fluxon: win/loss has a first entry
        competition.set_opportunity_competitor(
            ctx,
            won,
            OpportunityCompetitorIn(
                competitor_id=fluxon.id,
                strengths="the customer's automation is theirs",
                weaknesses="no service people in the field",
                opportunities="availability guarantee",
                threats="platform lock-in",
            ),
        )
    alerts = len(competition.alerts(ctx, unseen=True))
    session.flush()
    return PartnersDemo(
        customer.name,
        dealer.name,
        [crew.name, integrator.name, dealer_partner.name],
        [c.name for c in made],
        alerts,
        {Role.partner.value: DEALER_USER},
    )


def in_words(done: PartnersDemo) -> str:
    """One line for the demo's output."""
    if not done.customer:
        return "partners: already set up (or no dealer serving a customer)"
    return (
        f"partners: {', '.join(done.partners)} around {done.customer}; dealer user {DEALER_USER} "
        f"sees {done.dealer}'s customers, {CREW_USER} its assigned activities; competitors "
        f"{', '.join(done.competitors)} ({done.alerts} unread alert"
        f"{'s' if done.alerts != 1 else ''})"
    )


def run(session: Session, settings: Settings, today: date) -> dict[str, str]:
    """The ecosystem's demo step as the demo build calls it: build, say what, the logins."""
    from servitize.core.console import console

    done = demo_partners(session, settings, today)
    console.print(in_words(done))
    return done.logins
