"""Who owns an account: the one face to the customer, changed by a sales manager or an admin."""

from __future__ import annotations

from sqlalchemy.orm import Session

from servitize.core.errors import InvalidInput
from servitize.installed_base import repository as repo
from servitize.installed_base.access import SALESPEOPLE, get_account, require
from servitize.installed_base.models import Account
from servitize.trust.audit import actor_of, record
from servitize.trust.models import User


def reassign(
    session: Session, user: User, account_id: int, new_owner_id: int
) -> tuple[Account, int | None]:
    """Make ``new_owner_id`` the account's owner; returns the account and the former owner."""
    require(user, "account.assign_owner")
    account = get_account(session, user, account_id)
    owner = repo.user_by_id(session, new_owner_id)
    if owner is None or not owner.active or owner.role not in SALESPEOPLE:
        raise InvalidInput(f"user {new_owner_id} is not an active account owner or sales manager")
    before = account.owner_id
    if before != owner.id:
        account.owner_id = owner.id
        session.flush()
        record(
            session,
            actor_of(user),
            "update",
            "account",
            account.id,
            before={"owner_id": before},
            after={"owner_id": owner.id},
            note="new owner",
        )
    return account, before
