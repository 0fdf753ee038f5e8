"""Telemetry's records in the database: data-sharing agreements and downtime periods.

The readings themselves live in the telemetry store (``store.py``); what telemetry reads of the
installed base (machines, serials, accounts) comes from ``installed_base.repository``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.telemetry.models import DataSharingAgreement, DowntimePeriod
from servitize.trust.editing import lock_for_edit


def add_agreement(session: Session, agreement: DataSharingAgreement) -> DataSharingAgreement:
    """Store a new agreement (its id is known afterwards)."""
    session.add(agreement)
    session.flush()
    return agreement


def agreement_by_id(session: Session, agreement_id: int) -> DataSharingAgreement | None:
    """One agreement by id."""
    return session.get(DataSharingAgreement, agreement_id)


def all_agreements(session: Session) -> list[DataSharingAgreement]:
    """Every agreement (the consent gate checks purpose, kind and validity on them)."""
    return list(session.scalars(select(DataSharingAgreement)))


def agreements_of_account(session: Session, account_id: int) -> list[DataSharingAgreement]:
    """An account's agreements, oldest first."""
    return list(
        session.scalars(
            select(DataSharingAgreement)
            .where(DataSharingAgreement.account_id == account_id)
            .order_by(DataSharingAgreement.valid_from)
        )
    )


def saved(session: Session) -> None:
    """Write pending changes of loaded records (ids, versions) before they are audited."""
    session.flush()


def add_downtime_period(session: Session, period: DowntimePeriod) -> DowntimePeriod:
    """Store a new downtime period (its id is known afterwards)."""
    session.add(period)
    session.flush()
    return period


def downtime_to_edit(session: Session, downtime_id: int) -> DowntimePeriod | None:
    """A downtime period with its row locked for this transaction (Conflict when another
    request is saving it)."""
    return lock_for_edit(
        session,
        select(DowntimePeriod).where(DowntimePeriod.id == downtime_id),
        f"downtime period {downtime_id}",
    )


def downtime_periods(
    session: Session, asset_ids: Iterable[int] | None = None
) -> list[DowntimePeriod]:
    """Downtime periods (of ``asset_ids`` when given), by start."""
    query = select(DowntimePeriod).order_by(DowntimePeriod.start, DowntimePeriod.id)
    if asset_ids is not None:
        query = query.where(DowntimePeriod.asset_id.in_(sorted(set(asset_ids)) or [-1]))
    return list(session.scalars(query))
