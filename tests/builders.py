"""Keyword builders for test records: say only what the test is about."""

from __future__ import annotations

import functools
import itertools
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from servitize.installed_base.models import (
    Account,
    Asset,
    Contact,
    Offering,
    Order,
    ServiceEvent,
    Site,
    Visit,
)
from servitize.trust.models import User
from servitize.trust.passwords import hash_password

_seq = itertools.count(1)


def _next(prefix: str) -> str:
    return f"{prefix}-{next(_seq)}"


def _add(session: Session, obj: Any) -> Any:
    session.add(obj)
    session.flush()
    return obj


@functools.cache
def _password_hash(password: str) -> str:
    """One real Argon2 hash per test password per process: a hash costs tens of milliseconds and
    64 MiB, and the web tests seed three users each. Logins still verify it for real."""
    return hash_password(password)


def user(session: Session, **kw: Any) -> User:
    """A user; role account_owner unless told."""
    password = kw.pop("password", None)
    kw.setdefault("username", _next("user"))
    kw.setdefault("role", "account_owner")
    kw.setdefault("full_name", kw["username"].title())
    if password:
        kw["password_hash"] = _password_hash(password)
    return _add(session, User(**kw))


def account(session: Session, **kw: Any) -> Account:
    """A customer account."""
    kw.setdefault("external_id", _next("ACC"))
    kw.setdefault("name", f"Customer {kw['external_id']}")
    kw.setdefault("country", "DE")
    kw.setdefault("currency", "EUR")
    return _add(session, Account(**kw))


def site(session: Session, account: Account, **kw: Any) -> Site:
    """A site of an account."""
    kw.setdefault("external_id", _next("SITE"))
    kw.setdefault("name", f"Plant {kw['external_id']}")
    kw.setdefault("country", account.country or "DE")
    return _add(session, Site(account_id=account.id, **kw))


def asset(session: Session, account: Account, **kw: Any) -> Asset:
    """A machine at an account; own origin, installed 2020 unless told."""
    kw.setdefault("external_id", _next("EQ"))
    kw.setdefault("serial", kw["external_id"])
    kw.setdefault("model", "PX-200")
    kw.setdefault("origin", "own")
    kw.setdefault("install_date", date(2020, 1, 1))
    return _add(session, Asset(account_id=account.id, **kw))


def service_event(session: Session, asset: Asset, **kw: Any) -> ServiceEvent:
    """A work order on a machine."""
    kw.setdefault("external_id", _next("WO"))
    kw.setdefault("kind", "repair")
    kw.setdefault("day", date(2026, 1, 15))
    return _add(session, ServiceEvent(asset_id=asset.id, account_id=asset.account_id, **kw))


def contact(session: Session, account: Account, **kw: Any) -> Contact:
    """A buying-centre member."""
    kw.setdefault("external_id", _next("CON"))
    kw.setdefault("name", f"Contact {kw['external_id']}")
    kw.setdefault("buying_role", "user")
    return _add(session, Contact(account_id=account.id, **kw))


def offering(session: Session, **kw: Any) -> Offering:
    """A catalogue item."""
    kw.setdefault("external_id", _next("OFF"))
    kw.setdefault("name", f"Offering {kw['external_id']}")
    kw.setdefault("shell", "service")
    kw.setdefault("revenue_model", "per_service")
    return _add(session, Offering(**kw))


def order(session: Session, account: Account, offering: Offering, **kw: Any) -> Order:
    """A purchase."""
    kw.setdefault("external_id", _next("ORD"))
    kw.setdefault("day", date(2026, 3, 1))
    kw.setdefault("amount_cents", 100_00)
    kw.setdefault("channel", "sales_rep")
    return _add(session, Order(account_id=account.id, offering_id=offering.id, **kw))


def visit(session: Session, technician: User, account: Account, **kw: Any) -> Visit:
    """A technician's visit."""
    kw.setdefault("external_id", _next("VIS"))
    kw.setdefault("day", date(2026, 11, 23))
    return _add(session, Visit(technician_id=technician.id, account_id=account.id, **kw))
