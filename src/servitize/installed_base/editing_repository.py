"""Queries of editing by hand: the rows a change holds, the choices a form offers."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from servitize.installed_base.models import Account, AccountKind, Contact, Site
from servitize.trust.models import User


def account_row(account_id: int) -> Select[Account]:
    """The query of one account's row (held while the change is saved)."""
    return select(Account).where(Account.id == account_id)


def site_row(site_id: int) -> Select[Site]:
    """The query of one site's row."""
    return select(Site).where(Site.id == site_id)


def contact_row(contact_id: int) -> Select[Contact]:
    """The query of one contact's row."""
    return select(Contact).where(Contact.id == contact_id)


def account_by_id(session: Session, account_id: int) -> Account | None:
    """One account, or None (no scope: a dealer is named, not shown)."""
    return session.get(Account, account_id)


def user_by_id(session: Session, user_id: int) -> User | None:
    """One user, or None."""
    return session.get(User, user_id)


def site_by_id(session: Session, site_id: int) -> Site | None:
    """One site, or None."""
    return session.get(Site, site_id)


def contact_by_id(session: Session, contact_id: int) -> Contact | None:
    """One contact, or None."""
    return session.get(Contact, contact_id)


def dealers(session: Session, limit: int = 500) -> list[tuple[int, str]]:
    """Dealer accounts (id, name) by name."""
    query = (
        select(Account.id, Account.name)
        .where(Account.kind == AccountKind.dealer.value)
        .order_by(Account.name)
        .limit(limit)
    )
    return [(i, n) for i, n in session.execute(query)]


def contacts_of(session: Session, account_id: int) -> list[Contact]:
    """Every contact of an account, active or not, by name."""
    query = select(Contact).where(Contact.account_id == account_id).order_by(Contact.name)
    return list(session.scalars(query))
