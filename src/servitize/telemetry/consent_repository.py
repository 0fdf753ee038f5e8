"""Consent's SQL beyond the agreements themselves: their change history, the record of which
computations used an account's data, and the agreements across accounts for the staff list."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from servitize.installed_base.models import Account
from servitize.telemetry.models import DataSharingAgreement, DataSharingChange, DataUse


def add_change(session: Session, change: DataSharingChange) -> None:
    """Store one change of an agreement (flushed with the agreement)."""
    session.add(change)
    session.flush()


def changes_of(session: Session, account_ids: Collection[int]) -> list[DataSharingChange]:
    """The changes of these accounts' agreements, newest first."""
    if not account_ids:
        return []
    return list(
        session.scalars(
            select(DataSharingChange)
            .where(DataSharingChange.account_id.in_(sorted(set(account_ids))))
            .order_by(DataSharingChange.at.desc(), DataSharingChange.id.desc())
        )
    )


def agreements_of_accounts(
    session: Session, account_ids: Collection[int]
) -> list[DataSharingAgreement]:
    """The agreements of these accounts, by account and start."""
    if not account_ids:
        return []
    return list(
        session.scalars(
            select(DataSharingAgreement)
            .where(DataSharingAgreement.account_id.in_(sorted(set(account_ids))))
            .order_by(
                DataSharingAgreement.account_id,
                DataSharingAgreement.valid_from,
                DataSharingAgreement.id,
            )
        )
    )


def agreements_with_accounts(
    session: Session,
    visible: Select[Any] | None,
    kind: str | None,
    purpose: str | None,
    account_id: int | None = None,
) -> list[tuple[DataSharingAgreement, str]]:
    """(agreement, account name) of the accounts in ``visible`` (a subquery of account ids;
    None: every account), by account name and start; kind and purpose filtered here (their JSON
    lists in Python)."""
    query = (
        select(DataSharingAgreement, Account.name)
        .join(Account, Account.id == DataSharingAgreement.account_id)
        .order_by(Account.name, DataSharingAgreement.valid_from, DataSharingAgreement.id)
    )
    if visible is not None:
        query = query.where(DataSharingAgreement.account_id.in_(visible))
    if account_id is not None:
        query = query.where(DataSharingAgreement.account_id == account_id)
    rows = session.execute(query)
    return [
        (a, name)
        for a, name in rows
        if (kind is None or kind in a.data_kinds) and (purpose is None or purpose in a.purposes)
    ]


def note_uses(
    session: Session, uses: dict[tuple[int, str, str, str], tuple[int, datetime]]
) -> None:
    """Add the runs of each (account, purpose, computation, month) with its last moment: one
    statement for all, inserting a month's row or adding to its count; rows in one order, so
    that two transactions noting the same rows never wait on each other in a circle."""
    rows = [
        {
            "account_id": account_id,
            "purpose": purpose,
            "computation": computation,
            "month": month,
            "runs": runs,
            "last_used_at": last,
        }
        for (account_id, purpose, computation, month), (runs, last) in sorted(uses.items())
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(DataUse)
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "purpose", "computation", "month"],
        set_={
            "runs": DataUse.runs + statement.excluded.runs,
            "last_used_at": statement.excluded.last_used_at,
        },
    )
    session.execute(statement, rows)


def uses_of(
    session: Session, account_ids: Collection[int], months: Collection[str]
) -> list[DataUse]:
    """The record of use of these accounts in these months, newest month first."""
    if not account_ids or not months:
        return []
    return list(
        session.scalars(
            select(DataUse)
            .where(
                DataUse.account_id.in_(sorted(set(account_ids))),
                DataUse.month.in_(sorted(set(months))),
            )
            .order_by(DataUse.month.desc(), DataUse.account_id, DataUse.computation)
        )
    )
