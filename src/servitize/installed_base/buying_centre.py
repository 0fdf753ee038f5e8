"""Adding a person to an account's buying centre by hand (met on site, not yet in the CRM).

Hand-added contacts get an external id of their own (``HAND-…``), so a later CRM import adds
its records beside them rather than over them. Audited like every change a person makes.

A double submit adds one person: an e-mail address already in the account's buying centre
(any case) answers 409 naming that contact; without an e-mail, the same person with the same
details added within ``DOUBLE_SUBMIT`` answers 409 too. The account's row is taken for the
check without waiting, so two submits at the same moment cannot both pass it (the second: 409).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from pydantic import ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from servitize.core.db import utcnow
from servitize.core.errors import Conflict, parse_input
from servitize.core.inputs import Input
from servitize.installed_base import repository as repo
from servitize.installed_base.access import get_account, require
from servitize.installed_base.models import BuyingRole, Contact, ContactLevel
from servitize.trust.audit import actor_of, record
from servitize.trust.editing import lock_for_edit
from servitize.trust.models import User

DOUBLE_SUBMIT = timedelta(
    minutes=2
)  # the same person without e-mail again this soon: a double submit


class NewContact(Input):
    """A person of the customer's buying centre."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200)
    buying_role: BuyingRole
    level: ContactLevel | None = None
    title: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=60)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and ("@" not in value or value.startswith("@") or " " in value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value


def parse_contact(data: dict[str, Any]) -> NewContact:
    """A contact from form or JSON values (empty text is nothing); errors name the field."""
    return parse_input(NewContact, data)


def add_contact(session: Session, user: User, account_id: int, new: NewContact) -> Contact:
    """Add the person to an account the user may see (analysts only read)."""
    account = get_account(session, user, account_id)
    require(user, "contact.add")
    data = new.model_dump(mode="json")
    lock_for_edit(session, repo.account_row(account.id), f"account {account.id}")
    twin = _same_person(session, account.id, data)
    if twin is not None:
        raise Conflict(
            f"{twin.name} with e-mail {twin.email} is already in this account's buying centre "
            f"(contact {twin.id}); nothing was added"
            if data["email"]
            else f"{twin.name} was added to this account's buying centre a moment ago (contact {twin.id}); "
            "an identical second submit adds nothing"
        )
    contact = Contact(account_id=account.id, external_id=f"HAND-{secrets.token_hex(6)}", **data)
    session.add(contact)
    session.flush()
    record(
        session,
        actor_of(user),
        "create",
        "contact",
        contact.id,
        after={"account_id": account.id, **data},
        note="added by hand",
    )
    return contact


def _same_person(session: Session, account_id: int, data: dict[str, Any]) -> Contact | None:
    """The account's contact with this e-mail (any case); without one, a contact with the same
    details added within ``DOUBLE_SUBMIT``."""
    if data["email"]:
        return repo.contact_with_email(session, account_id, data["email"])
    details = {name: data[name] for name in ("name", "buying_role", "level", "title", "phone")}
    return repo.recent_contact_alike(session, account_id, details, utcnow() - DOUBLE_SUBMIT)
