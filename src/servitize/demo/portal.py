"""The sample company's customer portal: a customer's user for the account of the demo
availability contract (its operation reports have downtime periods to dispute) and a quote sent
to that account to accept. Everything goes through the services a user would use; run again, it
adds nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.contracts import repository as contracts
from servitize.core.settings import Settings
from servitize.installed_base import repository as installed_base
from servitize.installed_base.models import CustomerAccount
from servitize.offers import quotes
from servitize.offers.models import QuoteStatus
from servitize.offers.schemas import LineIn, QuoteCreate, QuoteTerms
from servitize.trust.context import Context
from servitize.trust.models import Role, User

USERNAME = "buyer@customer.example"


@dataclass
class PortalDemo:
    """What the portal's demo made (empty when it ran before or found no contract)."""

    account: str = ""
    quote: str = ""
    logins: dict[str, str] = field(default_factory=dict)


def _first(session: Session, role: str) -> User | None:
    return session.scalar(select(User).where(User.role == role, User.active).order_by(User.id))


def demo_portal(session: Session, settings: Settings, today: date) -> PortalDemo:
    """A customer user of the demo contract's account (the demo password, as every demo user)
    and a quote sent to that account."""
    contract = contracts.contract_by_external_id(session, "AV-DEMO-1")
    if contract is None or session.scalar(select(User.id).where(User.username == USERNAME)):
        return PortalDemo()
    account = installed_base.accounts_by_id(session, {contract.account_id})[contract.account_id]
    owner = installed_base.user_by_id(session, account.owner_id) if account.owner_id else None
    admin = _first(session, Role.admin.value)
    if owner is None or admin is None:
        return PortalDemo()
    buyer = User(
        username=USERNAME,
        role=Role.customer.value,
        full_name="Eva Buyer",
        email=USERNAME,
        password_hash=admin.password_hash,  # the demo password every demo user has
    )
    session.add(buyer)
    session.flush()
    session.add(CustomerAccount(user_id=buyer.id, account_id=account.id))
    now = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
    ctx = Context(session, owner, settings, now)
    q = quotes.create_quote(
        ctx,
        QuoteCreate(
            account_id=account.id,
            title="Condition monitoring for your presses",
            currency="EUR",
            term_months=24,
            terms=QuoteTerms(payment_days=30),
        ),
    )
    quotes.add_line(ctx, q.id, LineIn(offering="D-CMPRO", quantity=Decimal(2)))
    q = quotes.submit(ctx, q.id)
    if q.status == QuoteStatus.pending_approval:
        q = quotes.approve(Context(session, admin, settings, now), q.id, None)
    q, _token = quotes.send(ctx, q.id)
    session.flush()
    return PortalDemo(account.name, q.number, {Role.customer.value: USERNAME})


def in_words(done: PortalDemo) -> str:
    """One line for the demo's output."""
    if not done.account:
        return "customer portal: already set up"
    return (
        f"customer portal: {USERNAME} sees {done.account}; quote {done.quote} waits for "
        "acceptance, last month's operation report has downtime to dispute"
    )
