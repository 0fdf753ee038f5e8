"""Adding a person to an account's buying centre by hand (met on site, not yet in the CRM).

Hand-added contacts get an external id of their own (``HAND-…``), so a later CRM import adds
its records beside them rather than over them. Audited like every change a person makes.
"""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from servitize.core.errors import parse_input
from servitize.core.inputs import Input
from servitize.installed_base.access import get_account, require
from servitize.installed_base.models import BuyingRole, Contact, ContactLevel
from servitize.trust.audit import actor_of, record
from servitize.trust.models import User


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
    contact = Contact(account_id=account.id, external_id=f"HAND-{secrets.token_hex(6)}", **data)
    session.add(contact)
    session.flush()
    record(session, actor_of(user), "create", "contact", contact.id,
           after={"account_id": account.id, **data}, note="added by hand")
    return contact
