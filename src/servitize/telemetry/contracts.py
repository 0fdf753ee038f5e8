"""Availability contracts: create them, evaluate a period (measured, band, money, evidence)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import ibis
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.money import from_cents
from servitize.installed_base.models import Asset
from servitize.telemetry import availability as av
from servitize.telemetry import rules
from servitize.telemetry.consent import consented
from servitize.telemetry.downtime import downtime_in, utc
from servitize.telemetry.frames import to_arrow
from servitize.telemetry.models import AvailabilityContract
from servitize.telemetry.service import PURPOSE, Options, compute
from servitize.telemetry.store import TelemetryStore
from servitize.trust import audit

BAND_FIELDS = ("target_pct", "penalty_pct_per_step", "penalty_step_points", "penalty_cap_pct",
               "bonus_pct_per_step", "bonus_step_points", "bonus_cap_pct")


def create_contract(session: Session, actor: audit.Actor, **fields: object) -> AvailabilityContract:
    """Add an availability contract, audited."""
    fields.setdefault("calendar", {"kind": "24/7"})
    contract = AvailabilityContract(**fields)
    session.add(contract)
    session.flush()
    audit.record(session, actor, "create", "availability_contract", contract.id,
                 after={k: v for k, v in fields.items()})
    return contract


def bands(contract: AvailabilityContract) -> rules.Bands:
    """The contract's bands as the pure rule's input."""
    return rules.Bands(**{f: getattr(contract, f) for f in BAND_FIELDS})


def contract_serials(session: Session, contract: AvailabilityContract) -> list[str]:
    """The serials a contract covers: its list, or every asset of its account."""
    if contract.serials:
        return sorted(contract.serials)
    rows = session.scalars(select(Asset.serial).where(Asset.account_id == contract.account_id,
                                                      Asset.serial.is_not(None)))
    return sorted(set(rows))


def evaluate(session: Session, store: TelemetryStore, contract: AvailabilityContract,
             period: av.Period, at: datetime | None = None) -> dict[str, object]:
    """One contract for one period: per-asset results, measured availability, band, amount, evidence."""
    serials = contract_serials(session, contract)
    options = Options(calendar=contract.calendar, at=at)
    assets = compute(session, store, period, options, serials=serials)
    up = sum(a["uptime_hours"] or 0.0 for a in assets)  # type: ignore[misc]
    down = sum(a["downtime_hours"] or 0.0 for a in assets)  # type: ignore[misc]
    measured = round(100 * up / (up + down), 4) if up + down > 0 else None
    settlement = rules.settle(measured, contract.fee_cents, bands(contract))
    return {
        "contract": contract.external_id, "name": contract.name, "account_id": contract.account_id,
        "period": {"start": period.start, "end": period.end}, "target_pct": contract.target_pct,
        "measured_pct": measured, "band": settlement.band, "steps": settlement.steps,
        "fee_pct": settlement.fee_pct, "amount": from_cents(settlement.amount_cents),
        "currency": contract.currency, "assets": assets,
        "evidence": evidence(session, store, period, serials, at),
    }


def evidence(session: Session, store: TelemetryStore, period: av.Period, serials: list[str],
             at: datetime | None = None) -> list[dict[str, object]]:
    """Downtime events of the period: status-derived stops and downtime records."""
    con = ibis.duckdb.connect()
    try:
        months = av.months_between(period.start - av.DEFAULT_HORIZON, period.end)
        status = consented(session, store.table(con, "status", months), PURPOSE, "status", at)
        iv = av.status_intervals(status, period)
        iv = iv.filter(iv.serial.isin(serials or [""]), iv.state.isin([av.DOWN, av.PLANNED]),
                       iv.e > ibis.literal(period.start))
        rows = [{"serial": r["serial"], "state": r["state"], "start": r["s"], "end": r["e"],
                 "source": "status"} for r in to_arrow(iv.order_by(["s", "serial"])).to_pylist()]
    finally:
        con.disconnect()
    for d, serial in downtime_in(session, period):
        if serial in serials:
            rows.append({"serial": serial, "state": "excluded" if d.excluded else
                         "planned_maintenance" if d.planned else "down", "start": utc(d.start),
                         "end": utc(d.end), "source": "record", "cause": d.cause, "id": d.id})
    return rows


def evaluate_all(session: Session, store: TelemetryStore, period: av.Period,
                 among: Iterable[AvailabilityContract] | None = None) -> list[dict[str, object]]:
    """Every contract valid in the period (of ``among`` when given, else of all)."""
    if among is None:
        among = session.scalars(select(AvailabilityContract).order_by(AvailabilityContract.external_id))
    return [evaluate(session, store, c, period) for c in among
            if utc(c.valid_from) < period.end and (c.valid_to is None or utc(c.valid_to) > period.start)]
