"""The queries of a billing run, set-based: every contract of a month, their changes, machines
and already written line keys in a few bulk reads (plain rows, no ORM object per contract), and
the month's new lines in one COPY (PostgreSQL) or one executemany (SQLite)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date
from typing import Any

from sqlalchemy import Row, String, insert, select, text, type_coerce
from sqlalchemy.orm import Session

from servitize.offers.models import (
    BillingLine,
    Contract,
    ContractAsset,
    ContractChange,
    ContractKind,
    ContractStatus,
)
from servitize.offers.repository import LINE_COLUMNS


def _running(start: date, end: date) -> Any:
    return (
        (Contract.start_on < end)
        & ((Contract.end_on.is_(None)) | (Contract.end_on > start))
        & (Contract.status != ContractStatus.ended)
    )


def contract_rows(session: Session, start: date, end: date) -> Sequence[Any]:
    """Contracts active at some day of [start, end) (started before the end, not ended before
    the start, not ended), by id: the fields of ``billing.BilledContract`` in its order, without
    the terms."""
    return session.execute(
        select(
            Contract.id,
            Contract.number,
            Contract.account_id,
            type_coerce(Contract.kind, String),  # plain text: no enum made per row
            Contract.name,
            Contract.currency,
            Contract.fee_cents,
            type_coerce(Contract.period, String),
            Contract.start_on,
            Contract.end_on,
            Contract.indexation_pct,
            Contract.availability_contract_id,
        )
        .where(_running(start, end))
        .order_by(Contract.id)
    ).all()


def usage_terms(session: Session, start: date, end: date) -> dict[int, dict[str, Any]]:
    """The terms (tiers, included quantity, minimum fee) of the month's usage contracts: the
    only terms a run reads, so the other contracts' JSON is never decoded."""
    rows = session.execute(
        select(Contract.id, Contract.terms).where(
            _running(start, end), Contract.kind == ContractKind.usage
        )
    )
    return {i: t or {} for i, t in rows}


def change_rows(
    session: Session, start: date, end: date
) -> Sequence[Row[int, str, date, int | None, int | None]]:
    """(contract, kind, effective on, fee before, fee after) of every change of the month's
    contracts, per contract oldest first."""
    return session.execute(
        select(
            ContractChange.contract_id,
            ContractChange.kind,
            ContractChange.effective_on,
            ContractChange.fee_before_cents,
            ContractChange.fee_after_cents,
        )
        .join(Contract, Contract.id == ContractChange.contract_id)
        .where(_running(start, end))
        .order_by(ContractChange.contract_id, ContractChange.effective_on, ContractChange.id)
    ).all()


def machine_rows(session: Session, start: date, end: date) -> Sequence[Row[int, int]]:
    """(contract, machine) of every machine the month's contracts cover."""
    return session.execute(
        select(ContractAsset.contract_id, ContractAsset.asset_id)
        .join(Contract, Contract.id == ContractAsset.contract_id)
        .where(_running(start, end))
        .order_by(ContractAsset.contract_id, ContractAsset.asset_id)
    ).all()


def _copy_text(value: str) -> str:
    """Text in COPY's text format: tab, line breaks and backslash escaped (most text has none)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


def _copy_id(value: int | None) -> str:
    return "\\N" if value is None else str(value)


def insert_lines(session: Session, lines: Sequence[Any]) -> None:
    """Write a run's new lines (``billing.NewLine``: the fields of a BillingLine) and give each
    its id: on PostgreSQL ids drawn from the table's sequence in one query and the rows in one
    COPY; elsewhere one executemany with RETURNING in the lines' order."""
    if not lines:
        return
    session.flush()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        sequence = session.scalar(text("SELECT pg_get_serial_sequence('billing_line', 'id')"))
        ids = session.scalars(
            text("SELECT nextval(CAST(:seq AS regclass)) FROM generate_series(1, :n)"),
            {"seq": sequence, "n": len(lines)},
        ).all()
        rows: list[str] = []
        add = rows.append
        stamps: dict[object, str] = {}  # a run's lines share one creation time
        for ln, i in zip(lines, ids, strict=True):
            ln.id = i
            evidence = (
                "\\N"
                if ln.evidence is None
                else json.dumps(ln.evidence).replace("\\", "\\\\")  # JSON escapes the rest
            )
            quantity = "\\N" if ln.quantity is None else str(ln.quantity)
            stamp = stamps.get(ln.created_at)
            if stamp is None:
                stamp = stamps[ln.created_at] = str(ln.created_at.astimezone(UTC))
            add(
                f"{i}\t{_copy_text(ln.key)}\t{ln.period}\t{ln.account_id}\t"
                f"{_copy_id(ln.contract_id)}\t{_copy_id(ln.quote_id)}\t{ln.kind}\t"
                f"{_copy_text(ln.description)}\t{quantity}\t{ln.amount_cents}\t{ln.currency}\t"
                f"{'t' if ln.billable else 'f'}\t{evidence}\t{stamp}\n"
            )
        raw = connection.connection.driver_connection
        with (
            raw.cursor() as cursor,  # type: ignore[union-attr]
            cursor.copy(f"COPY billing_line (id, {', '.join(LINE_COLUMNS)}) FROM STDIN") as copy,
        ):
            copy.write("".join(rows))
        return
    found = session.execute(
        insert(BillingLine).returning(BillingLine.id, sort_by_parameter_order=True),
        [{c: getattr(ln, c) for c in LINE_COLUMNS} for ln in lines],
    ).all()
    for ln, (i,) in zip(lines, found, strict=True):
        ln.id = i
