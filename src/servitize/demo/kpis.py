"""The sample company's sales effort and spend, so every page of the measures has content.

Loaded cost rates for every role (and a dearer one for account owners in one region); hours on
a share of the technicians' visits, on the leads they raise or work, on the opportunities'
finished activities (the template's default hours, give or take), and the account owner's hours
before each customer's first purchase; quarterly web campaigns and two trade fairs a year that
reach accounts (some just before they buy); a dealer's commission for each customer a dealer
brought in. Drawn from a seeded generator: the same database gives the same data.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.field.models import LeadRoute
from servitize.installed_base.models import Account, Offering, Order, Visit
from servitize.intelligence.models import Lead, SegmentAssignment
from servitize.kpis import repository as repo
from servitize.kpis.models import CostRate, EffortEntry, Spend, Touch
from servitize.kpis.rules import default_hours
from servitize.offers.models import Contract, Quote, QuoteLine
from servitize.sales.models import Opportunity
from servitize.trust.models import User

HISTORY_DAYS = 730
RATES = {  # loaded cost of an hour, in the company currency's cents
    "admin": 9000,
    "sales_manager": 11000,
    "account_owner": 9500,
    "technician": 6500,
    "service_manager": 9000,
    "analyst": 8000,
}
VISIT_SHARE = 0.4  # visits on which the technician also sold
# Customers won in the last year: name, months ago, channel, through a dealer, a monitoring
# subscription with the machine (same day), or months later (a new stream).
NEW_CUSTOMERS = (
    ("Nordhafen Brauerei", 11, "sales_rep", False, 0),
    ("Talweg Molkerei", 10, "web", False, None),
    ("Brückner Chemie", 9, "sales_rep", True, 3),
    ("Lindenau Papier", 8, "technician", False, 0),
    ("Osterfeld Pharma", 7, "sales_rep", False, 0),
    ("Kaltenbach Foods", 6, "sales_rep", True, None),
    ("Weserland Textil", 5, "web", False, 2),
    ("Falkenried Metall", 4, "sales_rep", False, 0),
    ("Ammertal Getränke", 3, "technician", False, None),
    ("Rheinau Kunststoff", 2, "sales_rep", False, 0),
)
MACHINE, MONITORING, MACHINES_MONITORED = "M-HP", "D-CM", 12


def demo_kpis(session: Session, settings: Settings, today: date, seed: int = 13) -> dict[str, int]:
    """Write rates, effort and spend once (nothing when spend exists already)."""
    if repo.has_spend(session):
        return {}
    rng = random.Random(seed)
    currency = settings.company_currency
    since = today - timedelta(days=HISTORY_DAYS)
    users = repo.users_by_id(session)
    won = _new_customers(session, rng, today, currency, list(users.values()))
    leads = _lead_history(session, rng, today, currency, list(users.values()))
    deals = _deal_history(session, random.Random(seed + 1), today, currency)  # own stream
    facts = repo.demo_facts(session, since, today)
    rows: list[object] = []
    for role, cents in RATES.items():
        rows.append(
            CostRate(
                role=role,
                region=None,
                valid_from=since - timedelta(days=365),
                cents_per_hour=cents,
                currency=currency,
            )
        )
    regions = sorted({u.territory for u in users.values() if u.territory})
    if regions:
        rows.append(
            CostRate(
                role="account_owner",
                region=regions[0],
                valid_from=since,
                cents_per_hour=10500,
                currency=currency,
            )
        )

    def effort(
        user_id: int | None, account: int, day: date, hours: Decimal, **subject: int
    ) -> None:
        user = users.get(user_id) if user_id is not None else None
        if user is None or hours <= 0:
            return
        rows.append(
            EffortEntry(
                user_id=user.id,
                role=str(user.role),
                region=user.territory,
                account_id=account,
                day=day,
                hours=hours,
                recorded_by="demo",
                **subject,
            )
        )

    for visit, account, tech, day in facts.visits:
        if rng.random() < VISIT_SHARE:
            effort(tech, account, day, default_hours("visit"), visit_id=visit)
    for lead, account, day, who in facts.leads:
        effort(who, account, day, default_hours("lead"), lead_id=lead)
    for activity, account, owner, done, code, layer in facts.activities:
        if done is not None and since <= done <= today:
            base = default_hours("activity", code, layer)
            hours = (base * Decimal(str(rng.choice((0.5, 0.75, 1, 1, 1.25, 1.5))))).quantize(
                Decimal("0.25")
            )
            effort(owner, account, done, hours, activity_id=activity)
    visits_of: dict[int, list[tuple[int, date]]] = {}
    for visit, account, _tech, day in facts.visits:
        visits_of.setdefault(account, []).append((visit, day))
    recent = {a: d for a, d in facts.first_buys.items() if since <= d <= today}
    for account, owner, _dealer, _segment in facts.accounts:
        bought = recent.get(account)
        if bought is None or account not in visits_of:
            continue
        visit = min(visits_of[account], key=lambda v: abs((v[1] - bought).days))[0]
        for _ in range(rng.randint(1, 4)):
            day = bought - timedelta(days=rng.randint(1, 60))
            effort(owner, account, day, Decimal(rng.choice((2, 3, 4, 6))), visit_id=visit)

    spends, touches = _spend(rng, facts, since, today, currency, recent)
    session.add_all(rows)
    session.add_all(spends)
    session.flush()
    for spend, account, day in touches:
        session.add(Touch(spend_id=spend.id, account_id=account, day=day))
    session.flush()
    return {
        "customers": won,
        "leads": leads,
        "deals": deals,
        "effort": sum(isinstance(r, EffortEntry) for r in rows),
        "rates": sum(isinstance(r, CostRate) for r in rows),
        "spend": len(spends),
        "touches": len(touches),
    }


def _quarters(since: date, today: date) -> list[tuple[date, date]]:
    out = []
    start = date(since.year, 3 * ((since.month - 1) // 3) + 1, 1)
    while start <= today:
        nxt = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
        out.append((start, min(nxt - timedelta(days=1), today)))
        start = nxt
    return out


def _spend(
    rng: random.Random,
    facts: repo.DemoFacts,
    since: date,
    today: date,
    currency: str,
    recent: dict[int, date],
) -> tuple[list[Spend], list[tuple[Spend, int, date]]]:
    accounts = [a for a, *_rest in facts.accounts]
    segments = sorted({s for *_r, s in facts.accounts if s})
    spends: list[Spend] = []
    touches: list[tuple[Spend, int, date]] = []
    if not accounts:
        return spends, touches

    def reach(spend: Spend, n: int) -> None:
        days = (spend.end_on - spend.start_on).days
        for account in rng.sample(accounts, min(n, len(accounts))):
            touches.append((spend, account, spend.start_on + timedelta(days=rng.randint(0, days))))
        # customers who bought within three months after it: reached by it first, often
        for account, bought in recent.items():
            if spend.start_on <= bought <= spend.end_on + timedelta(days=90) and rng.random() < 0.5:
                day = min(spend.end_on, bought - timedelta(days=1))
                if day >= spend.start_on:
                    touches.append((spend, account, day))

    for n, (start, end) in enumerate(_quarters(since, today)):
        segment = segments[n % len(segments)] if segments else None
        s = Spend(
            external_id=f"DEMO-CAMPAIGN-{start:%Y-%m}",
            kind="campaign",
            name=f"Web campaign {start:%Y} Q{(start.month - 1) // 3 + 1}"
            + (f" for {segment}" if segment else ""),
            channel="web",
            segment=segment,
            start_on=start,
            end_on=end,
            amount_cents=rng.randrange(200_000, 600_000, 10_000),
            currency=currency,
        )
        spends.append(s)
        reach(s, rng.randint(10, 30))
    for year in range(since.year, today.year + 1):
        for month in (4, 10):
            start = date(year, month, 12)
            if not since <= start <= today:
                continue
            s = Spend(
                external_id=f"DEMO-FAIR-{year}-{month:02d}",
                kind="trade_fair",
                name=f"Trade fair {year} {'spring' if month == 4 else 'autumn'}",
                channel="sales_rep",
                start_on=start,
                end_on=start + timedelta(days=3),
                amount_cents=rng.randrange(1_200_000, 2_000_000, 50_000),
                currency=currency,
            )
            spends.append(s)
            reach(s, rng.randint(15, 40))
    dealers = {a: d for a, _o, d, _s in facts.accounts if d is not None}
    for account, bought in sorted(recent.items()):
        if account in dealers:
            spends.append(
                Spend(
                    external_id=f"DEMO-COMMISSION-{account}",
                    kind="commission",
                    name="Dealer commission",
                    channel="dealer",
                    start_on=bought,
                    end_on=bought,
                    amount_cents=rng.randrange(150_000, 400_000, 5_000),
                    currency=currency,
                    account_id=account,
                )
            )
    return spends, touches


def in_words(result: dict[str, int]) -> str:
    """One line for the demo builder's console."""
    if not result:
        return "measures: effort and spend were there already"
    return (
        f"measures: {result['customers']} customers won this year, {result['leads']} leads "
        f"of the past year with their outcome, {result.get('deals', 0)} closed deals of the "
        "past 18 months, "
        f"{result['rates']} cost rates, {result['effort']:,} effort entries, "
        f"{result['spend']} campaigns, fairs and commissions reaching {result['touches']:,} "
        "accounts"
    )


def _new_customers(
    session: Session, rng: random.Random, today: date, currency: str, users: list[User]
) -> int:
    """A year's new customers: each buys a machine after a demonstration visit; most take a
    monitoring subscription with it or a few months later (quoted, so its cost is known)."""
    owners = [u for u in users if u.role == "account_owner"]
    techs = [u for u in users if u.role == "technician"]
    offerings = repo.offerings_by_external_id(session, (MACHINE, MONITORING))
    if not owners or not techs or len(offerings) < 2:
        return 0
    machine, monitoring = offerings[MACHINE], offerings[MONITORING]
    cost = repo.offering_costs(session, [monitoring.id]).get(monitoring.id)
    dealers = repo.dealer_ids(session)
    segments = repo.segment_examples(session)
    n = 0
    for i, (name, months_ago, channel, via_dealer, monitoring_after) in enumerate(NEW_CUSTOMERS):
        external_id = f"DEMO-NEW-{i + 1:02d}"
        if repo.account_exists(session, external_id):
            continue
        owner = owners[i % len(owners)]
        day = today - timedelta(days=30 * months_ago + rng.randint(0, 20))
        account = Account(
            external_id=external_id,
            name=name,
            country="DE",
            territory=owner.territory,
            currency=currency,
            owner_id=owner.id,
            dealer_id=dealers[i % len(dealers)] if via_dealer and dealers else None,
        )
        repo.add(session, account)
        if segments:
            like = segments[i % len(segments)]
            session.add(
                SegmentAssignment(
                    account_id=account.id,
                    as_of=today,
                    label=like.label,
                    readiness=like.readiness,
                    digital_infrastructure=like.digital_infrastructure,
                    own_share=like.own_share,
                    age_class=like.age_class,
                    priority=like.priority,
                    go_to_market=like.go_to_market,
                    reasons=["a new customer of the sample company"],
                    scores=dict(like.scores),
                )
            )
        tech = techs[i % len(techs)]
        session.add(
            Visit(
                external_id=f"{external_id}-DEMO",
                technician_id=tech.id,
                account_id=account.id,
                day=day - timedelta(days=rng.randint(10, 40)),
                job_type="demonstration",
            )
        )
        session.add(
            Order(
                external_id=f"{external_id}-M1",
                account_id=account.id,
                offering_id=machine.id,
                day=day,
                quantity=1.0,
                amount_cents=machine.list_price_cents,
                currency=currency,
                channel=channel,
                sold_by_id=tech.id if channel == "technician" else owner.id,
            )
        )
        if monitoring_after is not None and cost is not None:
            _subscription(session, account, owner, monitoring, cost, day, monitoring_after, i)
        n += 1
    session.flush()
    return n


def _subscription(
    session: Session,
    account: Account,
    owner: User,
    monitoring: Offering,
    cost: int,
    day: date,
    months_after: int,
    i: int,
) -> None:
    """An accepted quote for monitoring the customer's machines, and its contract."""
    offering_id = monitoring.id
    price = monitoring.list_price_cents
    machines = MACHINES_MONITORED - 4 + (i * 5) % 11  # 8 to 18 machines
    start = day + timedelta(days=30 * months_after)
    quote = Quote(
        number=f"Q-DEMO-N{i + 1:02d}",
        account_id=account.id,
        owner_id=owner.id,
        title="Condition monitoring",
        status="accepted",
        currency=account.currency,
        term_months=12,
        valid_until=start,
        monthly_cents=price * machines,
        contract_value_cents=price * machines * 12,
        accepted_by=owner.full_name or owner.username,
    )
    repo.add(session, quote)
    line = QuoteLine(
        quote_id=quote.id,
        offering_id=offering_id,
        name="Condition monitoring",
        model="subscription",
        unit_price_cents=price,
        quantity=Decimal(machines),
        cost_cents=cost,
    )
    repo.add(session, line)
    session.add(
        Contract(
            number=f"C-DEMO-N{i + 1:02d}",
            account_id=account.id,
            quote_id=quote.id,
            quote_line_id=line.id,
            offering_id=offering_id,
            kind="subscription",
            name="Condition monitoring",
            currency=account.currency,
            fee_cents=price * machines,
            period="month",
            start_on=start,
            minimum_term_end=start + timedelta(days=365),
        )
    )


TECH_LEADS, ANALYTICS_LEADS = 30, 40


def _lead_history(
    session: Session, rng: random.Random, today: date, currency: str, users: list[User]
) -> int:
    """A year of closed leads: technicians' leads reported on site and worked by the account
    owner (acted on, proposed, won or lost, a won one an opportunity won by the owner), and the
    analytics' leads, a few converted. The scorecard reads their clocks and outcomes."""
    techs = [u for u in users if u.role == "technician"]
    facts = repo.demo_facts(session, today - timedelta(days=365), today)
    customers = [(a, o) for a, o, _d, _s in facts.accounts if o is not None]
    if not techs or not customers:
        return 0
    n = 0
    for i in range(TECH_LEADS + ANALYTICS_LEADS):
        account, owner = rng.choice(customers)
        day = today - timedelta(days=rng.randint(20, 360))
        technician = i < TECH_LEADS
        at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        lead = Lead(
            account_id=account,
            offering_key=rng.choice(("retrofit", "condition_monitoring", "service_agreement")),
            asset_ids=[],
            source="technician" if technician else rng.choice(("rule", "model")),
            rule="seen on site" if technician else "demo history",
            score=round(rng.uniform(0.3, 0.9), 2),
            estimated_value_cents=rng.randrange(200_000, 2_000_000, 10_000),
            currency=currency,
            story="A lead of the sample company's past year.",
            evidence={},
            status="expired",
            as_of=day,
            expires_on=day + timedelta(days=90),
        )
        repo.add(session, lead)
        won = False
        if technician:
            acted = at + timedelta(hours=rng.randint(6, 150)) if rng.random() < 0.85 else None
            proposed = (
                acted + timedelta(days=rng.randint(3, 20)) if acted and rng.random() < 0.7 else None
            )
            closed = proposed + timedelta(days=rng.randint(5, 40)) if proposed else None
            won = closed is not None and rng.random() < 0.55
            stage = (
                ("won" if won else "lost")
                if closed
                else "proposed"
                if proposed
                else "actioned"
                if acted
                else "reported"
            )
            session.add(
                LeadRoute(
                    lead_id=lead.id,
                    account_id=account,
                    route="account_owner",
                    reason="reported on site, worked by the account owner",
                    assigned_to_id=owner,
                    stage=stage,
                    reported_by_id=rng.choice(techs).id,
                    confirmed=True,
                    reported_at=at,
                    first_action_at=acted,
                    proposal_at=proposed,
                    closed_at=closed,
                )
            )
        else:
            won = rng.random() < 0.2
        if won:
            lead.status = "converted"
            session.add(
                Opportunity(
                    account_id=account,
                    title=f"From a {lead.source} lead: {lead.offering_key.replace('_', ' ')}",
                    source="lead",
                    lead_id=lead.id,
                    status="won",
                    owner_id=owner,
                    currency=currency,
                    phase=5,
                    value_cents=lead.estimated_value_cents,
                    # opened on the lead's day, won weeks later (never after today)
                    created_at=at,
                    phase_entered_at=at,
                    closed_at=min(at + timedelta(days=rng.randint(14, 75)), _yesterday(today)),
                )
            )
        n += 1
    session.flush()
    return n


def _yesterday(today: date) -> datetime:
    return datetime(today.year, today.month, today.day, 17, tzinfo=UTC) - timedelta(days=1)


# Closed deals of the past 18 months beyond those from leads, so sales cycles, win rates and the
# organisation types' comparison (/kpis/types) rest on dated history: opened 45-540 days ago,
# closed after a cycle of about two months (7-240 days, log-normal), won or lost. The two first
# "Digital partner" accounts (demo.org_types' subscription pilot) get their own recent deals.
PAST_DEALS, PILOT_DEALS = 90, 7
_DEAL_KINDS = (
    ("Service agreement", "service_agreement", 1_200_000),
    ("Condition monitoring subscription", "subscription", 600_000),
    ("Retrofit project", "project", 2_500_000),
)


def _deal_history(session: Session, rng: random.Random, today: date, currency: str) -> int:
    """Closed opportunities with their real opening and closing dates; how many."""
    facts = repo.demo_facts(session, today - timedelta(days=540), today)
    customers = sorted((a, o, seg) for a, o, _d, seg in facts.accounts if o is not None)
    if not customers:
        return 0
    pilots = [(a, o) for a, o, seg in customers if seg == "Digital partner"][:2]
    picks = [(rng.choice(customers)[:2], 540, 0.45) for _ in range(PAST_DEALS)]
    picks += [((a, o), 330, 0.6) for a, o in pilots for _ in range(PILOT_DEALS)]
    for (account, owner), oldest, win_rate in picks:
        title, kind, cents = rng.choice(_DEAL_KINDS)
        day = today - timedelta(days=rng.randint(45, oldest))
        opened = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        cycle = max(7, min(240, round(rng.lognormvariate(4.1, 0.5))))  # median e^4.1 ≈ 60 days
        closed = min(opened + timedelta(days=cycle, hours=rng.randint(0, 7)), _yesterday(today))
        won = rng.random() < win_rate
        session.add(
            Opportunity(
                account_id=account,
                title=title,
                source="account",
                offering_type=kind,
                status="won" if won else "lost",
                phase=5 if won else rng.randint(2, 4),
                owner_id=owner,
                currency=currency,
                value_cents=round(cents * rng.uniform(0.5, 1.5), -4),
                probability=100 if won else 0,
                created_at=opened,
                phase_entered_at=closed,
                closed_at=closed,
            )
        )
    session.flush()
    return len(picks)
