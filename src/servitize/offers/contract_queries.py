"""The reads of the pages of what was sold: one page of contracts, the billed months with their
totals, one month's lines and its totals per kind, an account's contracts. Every read is limited
to the accounts of a scope (``installed_base.access.visible_account_ids``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from servitize.installed_base.models import Account
from servitize.kit.pagination import PageParams, paginate
from servitize.kit.sorting import Sort, Sorts, order_by
from servitize.offers.models import BillingLine, BillingPeriod, Contract


def _contract_columns() -> dict[str, Any]:
    account = select(Account.name).where(Account.id == Contract.account_id).scalar_subquery()
    return {
        "number": Contract.number,
        "kind": Contract.kind,
        "account": account,
        "fee": Contract.fee_cents,
        "state": Contract.status,
        "renewal": Contract.renewal_on,
    }


# The sold contracts list's sortable columns (kit.sorting); newest number first unless asked.
CONTRACT_SORTS = Sorts(("number", "kind", "account", "fee", "state", "renewal"), "-number")


def contracts_page(
    session: Session,
    scope: Select[Any],
    params: PageParams,
    kind: str | None = None,
    status: str | None = None,
    account_id: int | None = None,
    sort: Sort | None = None,
) -> tuple[list[Contract], int]:
    """One page of the contracts of the scope's accounts, newest first (or ``sort``), and how
    many match."""
    q = select(Contract).where(Contract.account_id.in_(scope))
    if sort is None:
        q = q.order_by(Contract.id.desc())
    else:
        q = q.order_by(*order_by(sort, _contract_columns(), Contract.id))
    if kind:
        q = q.where(Contract.kind == kind)
    if status:
        q = q.where(Contract.status == status)
    if account_id is not None:
        q = q.where(Contract.account_id == account_id)
    return paginate(session, q, params)


def contracts_of_account(session: Session, account_id: int, limit: int = 200) -> list[Contract]:
    """An account's contracts, newest first (the caller checked the account is visible)."""
    q = (
        select(Contract)
        .where(Contract.account_id == account_id)
        .order_by(Contract.id.desc())
        .limit(limit)
    )
    return list(session.scalars(q))


@dataclass
class MonthRow:
    """A month of billing as the billing page lists it: its state and its lines' totals."""

    period: str
    closed: bool = False
    last_run_at: datetime | None = None
    closed_by: str | None = None
    lines: int = 0
    totals: dict[str, int] = field(default_factory=dict)  # cents per currency

    @property
    def state(self) -> str:
        """open (not billed yet), billed (lines written, still open to re-runs) or closed."""
        if self.closed:
            return "closed"
        return "billed" if self.last_run_at is not None else "open"


def billing_months(session: Session, scope: Select[Any]) -> dict[str, MonthRow]:
    """Every month billed so far, with the count and totals of its lines in the scope."""
    out = {
        p.period: MonthRow(p.period, p.closed, p.last_run_at, p.closed_by)
        for p in session.scalars(select(BillingPeriod))
    }
    rows = session.execute(
        select(
            BillingLine.period,
            BillingLine.currency,
            func.count(),
            func.coalesce(func.sum(BillingLine.amount_cents), 0),
        )
        .where(BillingLine.account_id.in_(scope))
        .group_by(BillingLine.period, BillingLine.currency)
    )
    for period, currency, count, cents in rows:
        row = out.setdefault(period, MonthRow(period))
        row.lines += int(count)
        row.totals[currency] = row.totals.get(currency, 0) + int(cents)
    return out


def billing_month(session: Session, period: str) -> BillingPeriod | None:
    return session.get(BillingPeriod, period)


@dataclass(frozen=True)
class KindTotal:
    """The lines of one kind in one currency of a month: how many, their sum in cents."""

    kind: str
    currency: str
    lines: int
    cents: int


def month_totals(session: Session, scope: Select[Any], period: str) -> list[KindTotal]:
    """A month's totals per kind and currency, over the scope's accounts."""
    rows = session.execute(
        select(
            BillingLine.kind,
            BillingLine.currency,
            func.count(),
            func.coalesce(func.sum(BillingLine.amount_cents), 0),
        )
        .where(BillingLine.account_id.in_(scope), BillingLine.period == period)
        .group_by(BillingLine.kind, BillingLine.currency)
        .order_by(BillingLine.currency, BillingLine.kind)
    )
    return [KindTotal(k, c, int(n), int(s)) for k, c, n, s in rows]


def _line_columns() -> dict[str, Any]:
    """The sortable columns of a month's billing lines list (``offers.contract_views``)."""
    account = select(Account.name).where(Account.id == BillingLine.account_id).scalar_subquery()
    return {
        "account": account,
        "contract": BillingLine.contract_id,
        "line": BillingLine.description,
        "kind": BillingLine.kind,
        "quantity": BillingLine.quantity,
        "amount": BillingLine.amount_cents,
    }


def month_lines(
    session: Session,
    scope: Select[Any],
    period: str,
    params: PageParams,
    sort: Sort | None = None,
    kind: str | None = None,
) -> tuple[list[BillingLine], int]:
    """One page of a month's lines in the scope (of one kind), in the order of the API's export
    or sorted by a column, and how many match."""
    q = select(BillingLine).where(BillingLine.account_id.in_(scope), BillingLine.period == period)
    if kind:
        q = q.where(BillingLine.kind == kind)
    if sort is None:
        q = q.order_by(BillingLine.account_id, BillingLine.id)
    else:
        q = q.order_by(*order_by(sort, _line_columns(), BillingLine.id))
    return paginate(session, q, params)
