"""Availability contracts in the database.

What contracts read of the installed base (accounts, machines, owners) comes from
``installed_base.repository``; a user's scope from ``installed_base.access``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.contracts.models import AvailabilityContract
from servitize.installed_base.access import visible_account_ids
from servitize.trust.models import User


def add_contract(session: Session, contract: AvailabilityContract) -> AvailabilityContract:
    """Store a new contract (its id is known afterwards)."""
    session.add(contract)
    session.flush()
    return contract


def contract_by_id(session: Session, contract_id: int) -> AvailabilityContract | None:
    """One contract by id."""
    return session.get(AvailabilityContract, contract_id)


def contract_by_external_id(session: Session, external_id: str) -> AvailabilityContract | None:
    """One contract by its contract number."""
    return session.scalar(
        select(AvailabilityContract).where(AvailabilityContract.external_id == external_id)
    )


def all_contracts(session: Session) -> list[AvailabilityContract]:
    """Every contract, by contract number."""
    return list(
        session.scalars(select(AvailabilityContract).order_by(AvailabilityContract.external_id))
    )


def visible_contract(session: Session, user: User, contract_id: int) -> AvailabilityContract | None:
    """The contract if its account is in the user's scope (one query: a contract outside the
    scope reads as one that does not exist)."""
    return session.scalar(
        select(AvailabilityContract).where(
            AvailabilityContract.id == contract_id,
            AvailabilityContract.account_id.in_(visible_account_ids(user)),
        )
    )


def visible_contracts(session: Session, user: User) -> list[AvailabilityContract]:
    """The contracts whose account is in the user's scope, by contract number."""
    return list(
        session.scalars(
            select(AvailabilityContract)
            .where(AvailabilityContract.account_id.in_(visible_account_ids(user)))
            .order_by(AvailabilityContract.external_id)
        )
    )
