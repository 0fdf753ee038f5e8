"""Every query of the offers capability: quotes and lines, contracts, billing lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session

from servitize.contracts.models import AvailabilityContract
from servitize.core.errors import NotFound
from servitize.installed_base.models import Account, Asset, Offering
from servitize.kit.pagination import PageParams, paginate
from servitize.kit.sorting import Sort, Sorts, order_by
from servitize.offers.models import (
    BillingLine,
    BillingPeriod,
    Contract,
    ContractAsset,
    ContractChange,
    OfferingPrice,
    Quote,
    QuoteLine,
    QuoteStatus,
)


def quote(session: Session, quote_id: int, for_update: bool = False) -> Quote:
    q = select(Quote).where(Quote.id == quote_id)
    if for_update:
        q = q.with_for_update()
    row = session.scalar(q)
    if row is None:
        raise NotFound(f"quote {quote_id} not found")
    return row


def quote_by_token_hash(session: Session, token_hash: str) -> Quote | None:
    return session.scalar(select(Quote).where(Quote.accept_token_hash == token_hash))


def revisions(session: Session, number: str) -> list[Quote]:
    return list(
        session.scalars(select(Quote).where(Quote.number == number).order_by(Quote.revision))
    )


def next_number(session: Session, prefix: str, column: object) -> str:
    """The next running number (Q-000001, C-000001) of quotes or contracts."""
    count = session.scalar(select(func.count(func.distinct(column)))) or 0
    return f"{prefix}-{count + 1:06d}"


def next_quote_number(session: Session) -> str:
    return next_number(session, "Q", Quote.number)


def next_contract_number(session: Session) -> str:
    return next_number(session, "C", Contract.number)


def lines_of(session: Session, quote_id: int) -> list[QuoteLine]:
    return list(
        session.scalars(
            select(QuoteLine)
            .where(QuoteLine.quote_id == quote_id)
            .order_by(QuoteLine.position, QuoteLine.id)
        )
    )


def line(session: Session, quote_id: int, line_id: int) -> QuoteLine:
    row = session.get(QuoteLine, line_id)
    if row is None or row.quote_id != quote_id:
        raise NotFound(f"line {line_id} of quote {quote_id} not found")
    return row


def quotes_of(
    session: Session,
    account_scope: Select[Any] | None = None,
    opportunity_id: int | None = None,
    status: str | None = None,
    limit: int = 200,
) -> list[Quote]:
    """Quotes, newest first, in the accounts of a scope (None: every account)."""
    q = select(Quote).order_by(Quote.id.desc()).limit(limit)
    if account_scope is not None:
        q = q.where(Quote.account_id.in_(account_scope))
    if opportunity_id is not None:
        q = q.where(Quote.opportunity_id == opportunity_id)
    if status is not None:
        q = q.where(Quote.status == status)
    return list(session.scalars(q))


# The quotes list's sortable columns (kit.sorting); newest number first unless asked.
QUOTE_SORTS = Sorts(("number", "title", "account", "status", "value", "valid_until"), "-number")


def quotes_page(
    session: Session,
    account_scope: Select[Any],
    sort: Sort,
    params: PageParams,
    opportunity_id: int | None = None,
    status: str | None = None,
) -> tuple[list[Quote], int]:
    """One page of the quotes in the accounts of a scope, sorted in SQL, and how many match."""
    account_name = select(Account.name).where(Account.id == Quote.account_id).scalar_subquery()
    columns = {
        "number": Quote.number,
        "title": Quote.title,
        "account": account_name,
        "status": Quote.status,
        "value": Quote.contract_value_cents,
        "valid_until": Quote.valid_until,
    }
    q = select(Quote).where(Quote.account_id.in_(account_scope))
    if opportunity_id is not None:
        q = q.where(Quote.opportunity_id == opportunity_id)
    if status is not None:
        q = q.where(Quote.status == status)
    return paginate(session, q.order_by(*order_by(sort, columns, Quote.id)), params)


def prices_of(session: Session, offering_ids: Iterable[int]) -> dict[int, OfferingPrice]:
    ids = set(offering_ids)
    if not ids:
        return {}
    rows = session.scalars(select(OfferingPrice).where(OfferingPrice.offering_id.in_(ids)))
    return {p.offering_id: p for p in rows}


def add(session: Session, *rows: object) -> None:
    session.add_all(rows)
    session.flush()


def delete(session: Session, row: object) -> None:
    session.delete(row)
    session.flush()


def contracts_of(
    session: Session,
    account_scope: Select[Any] | None = None,
    quote_id: int | None = None,
    limit: int = 500,
) -> list[Contract]:
    q = select(Contract).order_by(Contract.id).limit(limit)
    if account_scope is not None:
        q = q.where(Contract.account_id.in_(account_scope))
    if quote_id is not None:
        q = q.where(Contract.quote_id == quote_id)
    return list(session.scalars(q))


def contract(session: Session, contract_id: int) -> Contract:
    row = session.get(Contract, contract_id)
    if row is None:
        raise NotFound(f"contract {contract_id} not found")
    return row


def contracts_of_asset(session: Session, asset_id: int) -> list[Contract]:
    return list(
        session.scalars(
            select(Contract)
            .join(ContractAsset, ContractAsset.contract_id == Contract.id)
            .where(ContractAsset.asset_id == asset_id)
            .order_by(Contract.start_on)
        )
    )


def asset_ids_of(session: Session, contract_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = set(contract_ids)
    out: dict[int, list[int]] = {i: [] for i in ids}
    if not ids:
        return out
    for cid, aid in session.execute(
        select(ContractAsset.contract_id, ContractAsset.asset_id).where(
            ContractAsset.contract_id.in_(ids)
        )
    ):
        out[cid].append(aid)
    return out


def changes_of(session: Session, contract_ids: Iterable[int]) -> dict[int, list[ContractChange]]:
    ids = set(contract_ids)
    out: dict[int, list[ContractChange]] = {i: [] for i in ids}
    if not ids:
        return out
    for ch in session.scalars(
        select(ContractChange)
        .where(ContractChange.contract_id.in_(ids))
        .order_by(ContractChange.effective_on, ContractChange.id)
    ):
        out[ch.contract_id].append(ch)
    return out


def billing_period(session: Session, period: str, for_update: bool = False) -> BillingPeriod | None:
    q = select(BillingPeriod).where(BillingPeriod.period == period)
    if for_update:
        q = q.with_for_update()
    return session.scalar(q)


def existing_keys(session: Session, period: str) -> set[str]:
    return set(session.scalars(select(BillingLine.key).where(BillingLine.period == period)))


def billing_lines(
    session: Session,
    period: str | None = None,
    account_ids: Sequence[int] | None = None,
    contract_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[BillingLine]:
    q = select(BillingLine).order_by(BillingLine.period, BillingLine.account_id, BillingLine.id)
    if period is not None:
        q = q.where(BillingLine.period == period)
    if account_ids is not None:
        q = q.where(BillingLine.account_id.in_(account_ids))
    if contract_id is not None:
        q = q.where(BillingLine.contract_id == contract_id)
    if limit is not None:
        q = q.limit(limit).offset(offset)
    return list(session.scalars(q))


def accepted_one_time_lines(
    session: Session, start: date, end: date
) -> list[tuple[Quote, QuoteLine]]:
    """One-time lines of quotes accepted within [start, end)."""
    from datetime import UTC, datetime, time

    lo = datetime.combine(start, time(), UTC)
    hi = datetime.combine(end, time(), UTC)
    rows = session.execute(
        select(Quote, QuoteLine)
        .join(QuoteLine, QuoteLine.quote_id == Quote.id)
        .where(Quote.status == QuoteStatus.accepted)
        .where(Quote.accepted_at >= lo, Quote.accepted_at < hi)
        .order_by(Quote.id, QuoteLine.position)
    )
    return [(q, ln) for q, ln in rows]


def _in_month(start: date, end: date) -> Select[int]:
    return select(Contract.id).where(
        Contract.start_on < end, (Contract.end_on.is_(None)) | (Contract.end_on > start)
    )


def add_all(session: Session, rows: Sequence[object]) -> None:
    session.add_all(rows)
    session.flush()


LINE_COLUMNS = (
    "key",
    "period",
    "account_id",
    "contract_id",
    "quote_id",
    "kind",
    "description",
    "quantity",
    "amount_cents",
    "currency",
    "billable",
    "evidence",
    "created_at",
)


def billing_line(session: Session, line_id: int) -> BillingLine:
    row = session.get(BillingLine, line_id)
    if row is None:
        raise NotFound(f"billing line {line_id} not found")
    return row


def corrections_of(session: Session, line_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(BillingLine)
            .where(BillingLine.key.like(f"correction:{line_id}:%"))
        )
        or 0
    )


def contracts_running(
    session: Session, start: date, end: date, account_scope: Select[Any] | None = None
) -> list[Contract]:
    """Contracts running at some day of [start, end), in the accounts of a scope."""
    q = (
        select(Contract)
        .where(Contract.start_on < end, (Contract.end_on.is_(None)) | (Contract.end_on > start))
        .order_by(Contract.id)
    )
    if account_scope is not None:
        q = q.where(Contract.account_id.in_(account_scope))
    return list(session.scalars(q))


def billing_lines_visible(
    session: Session,
    account_scope: Select[Any],
    period: str | None,
    contract_id: int | None,
    limit: int,
    offset: int,
) -> list[BillingLine]:
    q = (
        select(BillingLine)
        .where(BillingLine.account_id.in_(account_scope))
        .order_by(BillingLine.period, BillingLine.account_id, BillingLine.id)
        .limit(limit)
        .offset(offset)
    )
    if period is not None:
        q = q.where(BillingLine.period == period)
    if contract_id is not None:
        q = q.where(BillingLine.contract_id == contract_id)
    return list(session.scalars(q))


def usage_machines_in(
    session: Session, start: date, end: date
) -> dict[int, tuple[int, str | None]]:
    """(account, serial) of every machine a usage contract running in [start, end) covers, by
    machine id: what a meter reads per contract, in one query."""
    rows = session.execute(
        select(Asset.id, Asset.account_id, Asset.serial)
        .join(ContractAsset, ContractAsset.asset_id == Asset.id)
        .join(Contract, Contract.id == ContractAsset.contract_id)
        .where(Contract.kind == "usage")
        .where(Contract.id.in_(_in_month(start, end)))
    )
    return {i: (a, s) for i, a, s in rows}


def usage_assets_in(session: Session, start: date, end: date) -> list[tuple[int, int, int]]:
    """(contract, account, machine) of every machine a usage contract running in [start, end)
    covers."""
    rows = session.execute(
        select(Contract.id, Contract.account_id, ContractAsset.asset_id)
        .join(ContractAsset, ContractAsset.contract_id == Contract.id)
        .where(Contract.kind == "usage")
        .where(Contract.id.in_(_in_month(start, end)))
    )
    return [(c, a, m) for c, a, m in rows]


def availability_in_force(session: Session, account_id: int) -> list[AvailabilityContract]:
    """The availability contracts of an account (every validity; the rule picks the overlap)."""
    query = select(AvailabilityContract).where(AvailabilityContract.account_id == account_id)
    return list(session.scalars(query.order_by(AvailabilityContract.id)))


def formula_terms_of(
    session: Session, currency: str, models: Iterable[str]
) -> dict[int, dict[str, Any]]:
    """The price terms of the catalogue items in ``currency``, priced under these models, whose
    terms hold a standard formula (the quote page reads the formulas of a whole catalogue: the
    rows without one stay in the database)."""
    rows = session.execute(
        select(OfferingPrice.offering_id, OfferingPrice.terms)
        .join(Offering, Offering.id == OfferingPrice.offering_id)
        .where(
            Offering.currency == currency.upper(),
            OfferingPrice.model.in_(sorted(set(models))),
            cast(OfferingPrice.terms, String).contains('"formula"'),
        )
    )
    return {row.offering_id: row.terms for row in rows}


def catalogue_choices(session: Session, currency: str, limit: int = 1000) -> list[Any]:
    """The catalogue items a quote in ``currency`` may offer, by name: id, external id, name,
    revenue model, list price and currency only (the line editor lists a whole catalogue)."""
    query = (
        select(
            Offering.id,
            Offering.external_id,
            Offering.name,
            Offering.revenue_model,
            Offering.list_price_cents,
            Offering.currency,
        )
        .where(Offering.currency == currency.upper())
        .order_by(Offering.name, Offering.id)
        .limit(limit)
    )
    return list(session.execute(query))
