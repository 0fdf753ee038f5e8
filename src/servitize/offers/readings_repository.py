"""The queries of meter readings: what an import checks a file against, what it writes, and the
readings a billing run meters a month from (one query for every usage contract)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from servitize.installed_base.models import Asset
from servitize.offers.models import Contract, ContractAsset, ContractKind, MeterReading


def contracts_by_number(
    session: Session, numbers: Iterable[str]
) -> dict[str, tuple[int, str, dict[str, Any]]]:
    """(id, kind, terms) of the contracts with these numbers, by number."""
    wanted = sorted(set(numbers))
    out: dict[str, tuple[int, str, dict[str, Any]]] = {}
    for start in range(0, len(wanted), 1000):
        for number, i, kind, terms in session.execute(
            select(Contract.number, Contract.id, Contract.kind, Contract.terms).where(
                Contract.number.in_(wanted[start : start + 1000])
            )
        ):
            out[number] = (i, str(kind), terms or {})
    return out


def known_serials(session: Session, serials: Iterable[str]) -> set[str]:
    """Which of these serials a machine of the installed base carries."""
    wanted = sorted(set(serials))
    out: set[str] = set()
    for start in range(0, len(wanted), 1000):
        out.update(
            s
            for s in session.scalars(
                select(Asset.serial).where(Asset.serial.in_(wanted[start : start + 1000]))
            )
            if s is not None
        )
    return out


def covered_machines(session: Session, contract_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    """Machine id by (contract, serial) of the machines these contracts cover."""
    ids = sorted(set(contract_ids))
    out: dict[tuple[int, str], int] = {}
    for start in range(0, len(ids), 1000):
        for cid, serial, aid in session.execute(
            select(ContractAsset.contract_id, Asset.serial, Asset.id)
            .join(Asset, Asset.id == ContractAsset.asset_id)
            .where(ContractAsset.contract_id.in_(ids[start : start + 1000]))
        ):
            if serial is not None:
                out[(cid, serial)] = aid
    return out


def stored_readings(
    session: Session, contract_ids: Iterable[int]
) -> dict[tuple[int, int], list[tuple[datetime, Decimal]]]:
    """The stored readings of these contracts per (contract, machine), oldest first."""
    ids = sorted(set(contract_ids))
    out: dict[tuple[int, int], list[tuple[datetime, Decimal]]] = {}
    for start in range(0, len(ids), 1000):
        for cid, aid, at, value in session.execute(
            select(
                MeterReading.contract_id,
                MeterReading.asset_id,
                MeterReading.read_at,
                MeterReading.reading,
            )
            .where(MeterReading.contract_id.in_(ids[start : start + 1000]))
            .order_by(MeterReading.contract_id, MeterReading.asset_id, MeterReading.read_at)
        ):
            out.setdefault((cid, aid), []).append((at, Decimal(value)))
    return out


def add_readings(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Write new readings in one executemany."""
    if rows:
        session.execute(insert(MeterReading), list(rows))
        session.flush()


def month_readings(session: Session, start: date, end: date, until: datetime) -> Sequence[Any]:
    """(contract, machine, serial, read at, reading) of every reading taken at or before
    ``until`` of the usage contracts running in [start, end), per contract and machine oldest
    first: what a billing run meters the month's usage contracts from, in one query."""
    running = select(Contract.id).where(
        Contract.kind == ContractKind.usage,
        Contract.start_on < end,
        (Contract.end_on.is_(None)) | (Contract.end_on > start),
    )
    return session.execute(
        select(
            MeterReading.contract_id,
            MeterReading.asset_id,
            Asset.serial,
            MeterReading.read_at,
            MeterReading.reading,
        )
        .join(Asset, Asset.id == MeterReading.asset_id)
        .where(MeterReading.contract_id.in_(running), MeterReading.read_at <= until)
        .order_by(MeterReading.contract_id, MeterReading.asset_id, MeterReading.read_at)
    ).all()
