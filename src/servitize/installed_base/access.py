"""Row-level access: which accounts a user may see. The one place pages and API ask.

- admin, analyst: every account.
- sales_manager, service_manager: the accounts of their territory, or all without one.
- account_owner: the accounts they own; a dealer's user also those the dealer serves.
- technician: the accounts of their territory and those where they have a visit.
A record outside the scope answers 404, never its data.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from servitize.core.errors import NotFound
from servitize.installed_base.models import Account, Visit
from servitize.trust.models import Role, User

EVERYTHING = {Role.admin.value, Role.analyst.value}
TERRITORY_MANAGERS = {Role.sales_manager.value, Role.service_manager.value}
# Who may change what they see (analysts only read); who sells and so may own accounts and
# have a twin proficiency; who leads sales: assigns owners, records proficiency.
READ_ONLY = {Role.analyst.value}
SALESPEOPLE = (Role.account_owner.value, Role.sales_manager.value)
SALES_LEADS = (Role.admin.value, Role.sales_manager.value)


def account_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``Account`` selecting the accounts this user may see."""
    if user.role in EVERYTHING:
        return true()
    if user.role in TERRITORY_MANAGERS:
        return true() if not user.territory else Account.territory == user.territory
    clauses: list[ColumnElement[bool]] = []
    if user.role == Role.account_owner.value:
        clauses.append(Account.owner_id == user.id)
    if user.role == Role.technician.value:
        if user.territory:
            clauses.append(Account.territory == user.territory)
        clauses.append(
            Account.id.in_(select(Visit.account_id).where(Visit.technician_id == user.id))
        )
    if user.dealer_account_id is not None:
        clauses.append(Account.dealer_id == user.dealer_account_id)
        clauses.append(Account.id == user.dealer_account_id)
    return or_(*clauses) if clauses else false()


def visible_account_ids(user: User):  # type: ignore[no-untyped-def]
    """A subquery of the account ids this user may see (for tables keyed by account_id)."""
    return select(Account.id).where(account_scope(user))


def get_account(session: Session, user: User, account_id: int) -> Account:
    """The account if this user may see it; NotFound otherwise (also when it does not exist)."""
    account = session.scalar(select(Account).where(Account.id == account_id, account_scope(user)))
    if account is None:
        raise NotFound(f"account {account_id} not found")
    return account
