"""The readers a billing run uses in production: operating hours from telemetry, and the month's
settlement of an availability contract. Both read only what the customer agreed to share.

Usage is billed under the ``billing`` purpose: the account must have an agreement that names
``billing`` and the ``status`` data kind (operating hours come from status events). Without it
the run writes a "not billable: no agreement" line instead of a silent zero.

A usage contract with imported meter readings (``servitize import meter-readings``) is metered
from them instead of telemetry: closing minus opening cumulative reading of each machine, and
billed under the contract itself (see ``offers.readings`` for the convention and the consent
rule). The month's readings of every usage contract are read in one query.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

from sqlalchemy.orm import Session

from servitize.contracts import repository as contracts_repo
from servitize.contracts.service import evaluate
from servitize.installed_base import repository as ib
from servitize.offers import readings
from servitize.offers import readings_repository as readings_repo
from servitize.offers import repository as offers_repo
from servitize.offers.billing import Billed, Metered, MeterReader, Settled, SettlementReader
from servitize.offers.proration import Span
from servitize.telemetry import availability as av
from servitize.telemetry.consent import consenting_accounts
from servitize.telemetry.service import Options, compute
from servitize.telemetry.store import TelemetryStore


def _moment(day: object) -> datetime:
    return datetime.combine(day, time(), UTC)  # type: ignore[arg-type]


MachineReadings = dict[int, dict[int, tuple[str | None, list[tuple[datetime, Decimal]]]]]


def month_readings(session: Session, span: Span) -> MachineReadings:
    """Per usage contract and machine: its serial and readings up to the month's end."""
    out: MachineReadings = {}
    until = _moment(span.end)
    for cid, aid, serial, at, value in readings_repo.month_readings(
        session, span.start, span.end, until
    ):
        machines = out.setdefault(cid, {})
        machines.setdefault(aid, (serial, []))[1].append((at, Decimal(value)))
    return out


def from_readings(
    machines: dict[int, tuple[str | None, list[tuple[datetime, Decimal]]]], span: Span
) -> Metered:
    """A contract's month from its machines' imported readings (``offers.readings``)."""
    start, end = _moment(span.start), _moment(span.end)
    found: dict[str, dict[str, str]] = {}
    missing: list[str] = []
    total = Decimal(0)
    for aid, (serial, values) in sorted(machines.items()):
        name = serial or f"machine {aid}"
        month = readings.month_quantity(values, start, end)
        if month is None:
            missing.append(name)
            continue
        found[name] = month.evidence()
        total += month.quantity
    evidence = {
        "source": "imported meter readings",
        "convention": readings.CONVENTION,
        "billed_under": "the usage contract (readings sent to bill it)",
        "readings": found,
        "no_reading": sorted(missing),
        "period": f"{span.start}–{span.end}",
    }
    return Metered(total.normalize() if found else None, True, evidence)


def telemetry_meter(session: Session, store: TelemetryStore, purpose: str) -> MeterReader:
    """Usage of a contract's machines in a month: from its imported meter readings where it has
    them, else operating hours from status events.

    The first reading of a month reads every machine the month's usage contracts cover in one
    pass over the store (one Ibis query, not one per contract), and every imported reading of
    those contracts in one query, and answers the rest from them.
    """
    imported: dict[tuple[object, object], MachineReadings] = {}
    cache: dict[
        tuple[object, object], tuple[set[int], dict[str, float], dict[int, tuple[int, str | None]]]
    ] = {}

    def month_hours(
        span: Span,
    ) -> tuple[set[int], dict[str, float], dict[int, tuple[int, str | None]]]:
        key = (span.start, span.end)
        if key not in cache:
            period = av.Period(_moment(span.start), _moment(span.end))
            agreed = consenting_accounts(session, purpose, "status", period.end)
            machines = offers_repo.usage_machines_in(session, span.start, span.end)
            covered = offers_repo.usage_assets_in(session, span.start, span.end)
            serial_of = ib.serials_of(session, {m for _c, acc, m in covered if acc in agreed})
            serials = sorted(set(serial_of.values()))
            hours: dict[str, float] = {}
            if serials:
                rows = compute(
                    session,
                    store,
                    period,
                    Options(purpose=purpose, at=period.end, use="billing_meter"),
                    serials=serials,
                    account_ids=sorted(agreed),
                )
                hours = {
                    str(r["serial"]): float(r["running_hours"])  # type: ignore[arg-type]
                    for r in rows
                    if r.get("running_hours") is not None
                }
            cache[key] = (agreed, hours, machines)
        return cache[key]

    def read(contract: Billed, asset_ids: list[int], span: Span) -> Metered:
        key = (span.start, span.end)
        if key not in imported:
            imported[key] = month_readings(session, span)
        if contract.id in imported[key]:
            return from_readings(imported[key][contract.id], span)
        agreed, hours, machines = month_hours(span)
        found = [machines[i] for i in asset_ids if i in machines]
        serials = sorted(s for acc, s in found if acc == contract.account_id and s)
        others = [i for i in asset_ids if i not in machines]
        if others:  # machines the month's query did not cover (a reader called on its own)
            serials = sorted(
                serials
                + [
                    a.serial
                    for a in ib.assets_of_account_by_id(session, contract.account_id, others)
                    if a.serial
                ]
            )
        if contract.account_id not in agreed:
            return Metered(
                None, False, {"reason": f"no agreement for {purpose}", "serials": serials}
            )
        if not serials:
            return Metered(None, True, {"reason": "the contract covers no machine with a serial"})
        known = {s: hours[s] for s in serials if s in hours}
        total = Decimal(str(round(sum(known.values()), 2)))
        return Metered(
            total,
            True,
            {
                "operating_hours": {s: round(h, 2) for s, h in sorted(known.items())},
                "no_reading": sorted(set(serials) - set(known)),
                "period": f"{span.start}–{span.end}",
            },
        )

    return read


def availability_settlement(session: Session, store: TelemetryStore) -> SettlementReader:
    """The penalty or bonus of an availability contract for a month, from its evaluation."""

    def settle(availability_contract_id: int, month: str) -> Settled | None:
        contract = contracts_repo.contract_by_id(session, availability_contract_id)
        if contract is None:
            return None
        # the line's evidence is the evaluation's figures, not its list of stops
        result = evaluate(session, store, contract, av.month_period(month), with_evidence=False)
        cents = int((Decimal(result.amount or 0) * 100).to_integral_value())
        return Settled(
            cents,
            result.band,
            {
                "contract": result.contract,
                "measured_pct": result.measured_pct,
                "target_pct": result.target_pct,
                "coverage_pct": result.coverage_pct,
                "result": result.result,
            },
        )

    return settle
