"""Editing accounts, sites and contacts by hand: the import's rules, one audit entry per change.

The ERP/CRM stays the system of record for what its files carry: its next import overwrites
those columns, so a correction made here belongs there too. A form sends every field (empty
clears it); the API sends only the fields that change. Every value is checked by its import
column (installed_base.editing_rules); a refused change writes nothing and names each field.
Each saved change is one audit entry with the changed fields before and after
("Territory: north → south").

Who (installed_base.access): ``account.edit`` for admins and managers (their territory, which
is what they see) and for an account's owner on the accounts they own; ``site.edit`` and
``contact.edit`` for everyone who works on the account's records (technicians on site
included), like ``asset.edit`` and ``contact.add``. Analysts, customers and partners only read.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.orm import Session

from servitize.core.errors import InvalidInput, NotFound
from servitize.installed_base import editing_repository as repo
from servitize.installed_base import service
from servitize.installed_base.access import get_account, may, require
from servitize.installed_base.editing_rules import check_fields
from servitize.installed_base.models import Account, AccountKind, Contact, Site
from servitize.installed_base.schemas import AccountRead
from servitize.trust.audit import actor_of, diff, record
from servitize.trust.editing import lock_for_edit
from servitize.trust.models import User

ACCOUNT_FIELDS = (
    "name",
    "industry",
    "country",
    "territory",
    "employees",
    "ownership_type",
    "address",
    "dealer_id",
)
SITE_FIELDS = ("name", "country", "city", "address")
CONTACT_FIELDS = ("name", "title", "buying_role", "level", "email", "phone", "active")
TRUE, FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0", "")


def _lengths(model: type[Any], names: tuple[str, ...]) -> dict[str, int]:
    """The text columns' lengths in the records: longer is refused, as the import refuses it."""
    columns = model.__table__.c
    return {n: columns[n].type.length for n in names if getattr(columns[n].type, "length", None)}


def _unknown(values: dict[str, Any], allowed: tuple[str, ...]) -> None:
    extra = sorted(set(values) - set(allowed))
    if extra:
        raise InvalidInput("; ".join(f"{n}: not a field that can be changed here" for n in extra))


def _refuse(reasons: dict[str, str]) -> None:
    if reasons:
        raise InvalidInput("; ".join(reasons.values()))


def _save(
    session: Session, user: User, row: Any, entity: str, changes: dict[str, Any], note: str
) -> dict[str, Any]:
    """Apply the changes, flush, and audit what differs; the fields that changed (after)."""
    before = {k: getattr(row, k) for k in changes}
    for name, value in changes.items():
        setattr(row, name, value)
    session.flush()
    old, new = diff(before, {k: getattr(row, k) for k in changes})
    if new:
        record(session, actor_of(user), "update", entity, row.id, old, new, note=note)
    return new


# Accounts


def may_edit_account(user: User, account: Account) -> bool:
    """Whether the user may edit this account (they see it already)."""
    return may(user, "account.edit", own=account.owner_id == user.id)


def edit_account(session: Session, user: User, account_id: int, values: dict[str, Any]) -> Account:
    """Change the given fields of an account the user may see and edit; audited."""
    account = get_account(session, user, account_id)
    require(user, "account.edit", own=account.owner_id == user.id)
    _unknown(values, ACCOUNT_FIELDS)
    dealer = values.pop("dealer_id", None) if "dealer_id" in values else ...
    typed, reasons = check_fields("accounts", values, _lengths(Account, ACCOUNT_FIELDS))
    if dealer is not ...:
        typed["dealer_id"], reason = _dealer(session, account, dealer)
        if reason:
            reasons["dealer_id"] = reason
    _refuse(reasons)
    locked = lock_for_edit(session, repo.account_row(account.id), f"account {account.id}")
    if locked is None:
        raise NotFound(f"account {account_id} not found")
    _save(session, user, locked, "account", typed, "edited by hand")
    return locked


def account_read(session: Session, account: Account) -> AccountRead:
    """The account as the API shows it, its owner resolved."""
    owner = repo.user_by_id(session, account.owner_id) if account.owner_id else None
    return service.account_read(account, {owner.id: owner} if owner else {})


def _dealer(session: Session, account: Account, raw: object) -> tuple[int | None, str | None]:
    """The serving dealer's id from a form or body value, and why it cannot be (None: it can)."""
    text = str(raw).strip() if raw is not None else ""
    if not text:
        return None, None
    if not text.isdigit() or len(text) > 18:
        return None, f"dealer_id '{text[:60]}' is not an account id"
    dealer = repo.account_by_id(session, int(text))
    if dealer is None or dealer.kind != AccountKind.dealer.value:
        return None, f"dealer_id {text} is not a dealer account"
    if dealer.id == account.id:
        return None, "dealer_id is the account itself"
    return dealer.id, None


def dealer_choices(session: Session) -> list[tuple[int, str]]:
    """The dealer accounts a form may pick, by name."""
    return repo.dealers(session)


# Sites


def add_site(session: Session, user: User, account_id: int, values: dict[str, Any]) -> Site:
    """Add a site to an account the user may see; audited."""
    account = get_account(session, user, account_id)
    require(user, "site.edit")
    _unknown(values, SITE_FIELDS)
    given = {name: values.get(name) for name in SITE_FIELDS}
    typed, reasons = check_fields("sites", given, _lengths(Site, SITE_FIELDS))
    _refuse(reasons)
    site = Site(account_id=account.id, external_id=f"HAND-{secrets.token_hex(6)}", **typed)
    session.add(site)
    session.flush()
    record(
        session,
        actor_of(user),
        "create",
        "site",
        site.id,
        after={"account_id": account.id, **typed},
        note="added by hand",
    )
    return site


def site_of(session: Session, user: User, account_id: int, site_id: int) -> Site:
    """A site of an account the user may see; 404 for another account's."""
    account = get_account(session, user, account_id)
    site = repo.site_by_id(session, site_id)
    if site is None or site.account_id != account.id:
        raise NotFound(f"site {site_id} not found")
    return site


def edit_site(
    session: Session, user: User, account_id: int, site_id: int, values: dict[str, Any]
) -> Site:
    """Change the given fields of a site; audited."""
    site_of(session, user, account_id, site_id)
    require(user, "site.edit")
    _unknown(values, SITE_FIELDS)
    typed, reasons = check_fields("sites", values, _lengths(Site, SITE_FIELDS))
    _refuse(reasons)
    locked = lock_for_edit(session, repo.site_row(site_id), f"site {site_id}")
    if locked is None:
        raise NotFound(f"site {site_id} not found")
    _save(session, user, locked, "site", typed, "edited by hand")
    return locked


# Contacts


def contact_of(session: Session, user: User, account_id: int, contact_id: int) -> Contact:
    """A contact of an account the user may see; 404 for another account's."""
    account = get_account(session, user, account_id)
    contact = repo.contact_by_id(session, contact_id)
    if contact is None or contact.account_id != account.id:
        raise NotFound(f"contact {contact_id} not found")
    return contact


def former_contacts(session: Session, account_id: int) -> list[Contact]:
    """The account's deactivated contacts (reactivated from their edit page)."""
    return [c for c in repo.contacts_of(session, account_id) if not c.active]


def _active(raw: object) -> tuple[bool | None, str | None]:
    if isinstance(raw, bool):
        return raw, None
    text = str(raw if raw is not None else "").strip().lower()
    if text in TRUE:
        return True, None
    if text in FALSE:
        return False, None
    return None, f"active '{text[:60]}' is not true or false"


def edit_contact(
    session: Session, user: User, account_id: int, contact_id: int, values: dict[str, Any]
) -> Contact:
    """Change the given fields of a contact (``active`` false: they left the buying centre,
    kept for the history); audited."""
    contact_of(session, user, account_id, contact_id)
    require(user, "contact.edit")
    _unknown(values, CONTACT_FIELDS)
    text = {k: v for k, v in values.items() if k != "active"}
    typed, reasons = check_fields("contacts", text, _lengths(Contact, CONTACT_FIELDS))
    email = typed.get("email")
    if email is not None and ("@" not in email or email.startswith("@") or " " in email):
        reasons["email"] = f"email: {email!r} is not an e-mail address"  # as buying_centre's
    if "active" in values:
        typed["active"], reason = _active(values["active"])
        if reason:
            reasons["active"] = reason
    _refuse(reasons)
    locked = lock_for_edit(session, repo.contact_row(contact_id), f"contact {contact_id}")
    if locked is None:
        raise NotFound(f"contact {contact_id} not found")
    note = "deactivated" if typed.get("active") is False and locked.active else "edited by hand"
    _save(session, user, locked, "contact", typed, note)
    return locked
