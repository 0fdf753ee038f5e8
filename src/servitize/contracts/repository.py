"""Availability contracts in the database.

What contracts read of the installed base (accounts, machines, owners) comes from
``installed_base.repository``; a user's scope from ``installed_base.access``.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servitize.contracts.models import AvailabilityContract
from servitize.installed_base.access import visible_account_ids
from servitize.installed_base.models import Account
from servitize.kit.pagination import PageParams
from servitize.kit.sorting import Sort, order_by
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


def contracts_page(
    session: Session, user: User, params: PageParams, sort: Sort, account_id: int | None = None
) -> tuple[list[tuple[AvailabilityContract, Account]], int]:
    """One page of the contracts the user may see with their accounts, sorted by a column of the
    contracts list (``contract``, ``number``, ``account``, ``target``, ``fee``), and how many
    match. The month's availability is computed, not stored: it does not sort."""
    columns = {
        "contract": AvailabilityContract.name,
        "number": AvailabilityContract.external_id,
        "account": Account.name,
        "target": AvailabilityContract.target_pct,
        "fee": AvailabilityContract.fee_cents,
    }
    q = (
        select(AvailabilityContract, Account)
        .join(Account, Account.id == AvailabilityContract.account_id)
        .where(AvailabilityContract.account_id.in_(visible_account_ids(user)))
        .order_by(*order_by(sort, columns, AvailabilityContract.id))
    )
    if account_id is not None:
        q = q.where(AvailabilityContract.account_id == account_id)
    counted = select(func.count()).select_from(q.order_by(None).subquery())
    total = int(session.scalar(counted) or 0)
    rows = session.execute(q.limit(params.size).offset(params.offset))
    return [(c, a) for c, a in rows], total
