"""Availability contracts: create them, evaluate a period (measured, band, money, evidence)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from servitize.contracts import repository, rules
from servitize.contracts.clauses import clause_from
from servitize.contracts.models import AvailabilityContract
from servitize.core.errors import InvalidInput, NotFound
from servitize.installed_base import repository as installed_base
from servitize.kit.money import from_cents
from servitize.telemetry import availability as av
from servitize.telemetry import duck
from servitize.telemetry.consent import consenting_assets
from servitize.telemetry.consent_usage import batched
from servitize.telemetry.downtime import downtime_in, utc
from servitize.telemetry.frames import to_arrow
from servitize.telemetry.service import (
    PURPOSE,
    Options,
    compute,
    scheduled_hours,
    telemetry_intervals,
)
from servitize.telemetry.store import TelemetryStore
from servitize.trust import audit

BAND_FIELDS = (
    "target_pct",
    "penalty_pct_per_step",
    "penalty_step_points",
    "penalty_cap_pct",
    "bonus_pct_per_step",
    "bonus_step_points",
    "bonus_cap_pct",
)


@dataclass(frozen=True)
class Evaluation:
    """One contract for one period: measured availability, band, money, per-asset results and
    the downtime evidence (``as_dict``: the JSON of the API and ``--json``)."""

    contract: str
    name: str
    account_id: int
    period_start: datetime
    period_end: datetime
    target_pct: float
    measured_pct: float | None
    band: str
    steps: int
    fee_pct: float
    amount: Decimal | None
    currency: str
    coverage_pct: float
    min_coverage_pct: float
    result: str  # the band, or "not measurable: 1 % of hours known"
    assets: list[dict[str, object]]  # telemetry.service.compute's rows
    evidence: list[dict[str, object]]  # ``evidence``'s rows

    def as_dict(self) -> dict[str, object]:
        """Plain data, as the API and the command line answer it."""
        return {
            "contract": self.contract,
            "name": self.name,
            "account_id": self.account_id,
            "period": {"start": self.period_start, "end": self.period_end},
            "target_pct": self.target_pct,
            "measured_pct": self.measured_pct,
            "band": self.band,
            "steps": self.steps,
            "fee_pct": self.fee_pct,
            "amount": self.amount,
            "currency": self.currency,
            "coverage_pct": self.coverage_pct,
            "min_coverage_pct": self.min_coverage_pct,
            "result": self.result,
            "assets": self.assets,
            "evidence": self.evidence,
        }


def create_contract(session: Session, actor: audit.Actor, **fields: object) -> AvailabilityContract:
    """Add an availability contract, audited."""
    fields.setdefault("calendar", {"kind": "24/7"})
    if fields.get("silence_after_down", av.SILENCE_DOWN) not in av.SILENCE_RULES:
        raise InvalidInput(f"silence after down must be one of {', '.join(av.SILENCE_RULES)}")
    minimum = fields.get("min_coverage_pct", 90.0)
    if not isinstance(minimum, (int, float)) or not 0 <= minimum <= 100:
        raise InvalidInput("minimum coverage must be a percentage from 0 to 100")
    contract = repository.add_contract(session, AvailabilityContract(**fields))
    audit.record(
        session,
        actor,
        "create",
        "availability_contract",
        contract.id,
        after=dict(fields.items()),
    )
    return contract


def bands(contract: AvailabilityContract) -> rules.Bands:
    """The contract's bands as the pure rule's input."""
    return rules.Bands(**{f: getattr(contract, f) for f in BAND_FIELDS})


def contract_serials(session: Session, contract: AvailabilityContract) -> list[str]:
    """The serials a contract covers: its list, or every asset of its account (never another's)."""
    rows = {
        m.serial
        for m in installed_base.machines_with_serial(session, account_ids=[contract.account_id])
    }
    return sorted(rows & set(contract.serials) if contract.serials else rows)


def contract_options(
    contract: AvailabilityContract, at: datetime | None = None, expected_interval_s: int = 0
) -> Options:
    """How a contract's months are computed: its calendar, its rule for silence after down and
    the expected reporting interval (the setting, passed by the edge; 0: sequence gaps only)."""
    return Options(
        calendar=contract.calendar,
        at=at,
        silence_after_down=contract.silence_after_down or av.SILENCE_DOWN,
        expected_interval_s=expected_interval_s,
    )


def coverage_label(coverage_pct: float | None) -> str:
    """'not measurable: 1 % of hours known' (whole percent, rounded down: 89.6 % is not 90 %)."""
    return f"not measurable: {math.floor(coverage_pct or 0.0)} % of hours known"


def settle_month(
    contract: AvailabilityContract, measured_pct: float | None, scheduled_hours: float
) -> rules.Settlement:
    """A month's money under the contract's clause as sold (linear, bonus, damages…), or its
    step bands when it has none."""
    if contract.clause:
        clause = clause_from(str(contract.clause["kind"]), dict(contract.clause))
        return clause.settle(measured_pct, contract.fee_cents, scheduled_hours)
    return rules.settle(measured_pct, contract.fee_cents, bands(contract))


def evaluate(
    session: Session,
    store: TelemetryStore,
    contract: AvailabilityContract,
    period: av.Period,
    at: datetime | None = None,
    expected_interval_s: int = 0,
    with_evidence: bool = True,
) -> Evaluation:
    """One contract for one period: per-asset results, measured availability, band, amount, evidence.
    (``with_evidence=False``: no list of downtime events, for a reader that needs only the money.)

    Only the contract's own machines are read, under its account's agreement. A month settles
    when the known share of scheduled hours reaches the contract's minimum coverage; below it
    the band is ``not_measurable`` and no money moves; a month whose known time is all planned
    maintenance or excluded is ``excluded`` (nothing to measure, no money).
    """
    serials = contract_serials(session, contract)
    options = contract_options(contract, at, expected_interval_s)
    assets = compute(
        session, store, period, options, serials=serials, account_ids=[contract.account_id]
    )
    return settled(
        contract,
        period,
        serials,
        assets,
        evidence(session, store, period, serials, at, contract, expected_interval_s)
        if with_evidence
        else [],
    )


def settled(
    contract: AvailabilityContract,
    period: av.Period,
    serials: list[str],
    assets: list[dict[str, object]],
    evidence_rows: list[dict[str, object]],
) -> Evaluation:
    """A period's evaluation from its per-asset results (``compute``'s rows) and evidence: the
    measured availability, its coverage, band and money (see ``evaluate``)."""
    up = _total(assets, "uptime_hours")
    down = _total(assets, "downtime_hours")
    known = _total(assets, "known_hours")
    scheduled = scheduled_hours(period, contract.calendar) * len(serials)
    coverage = 100 * known / scheduled if scheduled else 0.0
    minimum = contract.min_coverage_pct if contract.min_coverage_pct is not None else 90.0
    exact = 100 * up / (up + down) if up + down > 0 else None
    if not serials or round(coverage, 9) < minimum:
        band, measured = "not_measurable", None
        settlement = rules.Settlement(band, 0, 0.0, 0)
    else:
        # Settled on the figure the report prints (four decimals), so anyone can check the money.
        measured = None if exact is None else round(exact, 4)
        settlement = settle_month(contract, measured, scheduled)
        if exact is None and known > 0:
            settlement = rules.Settlement("excluded", 0, 0.0, 0)
    return Evaluation(
        contract=contract.external_id,
        name=contract.name,
        account_id=contract.account_id,
        period_start=period.start,
        period_end=period.end,
        target_pct=contract.target_pct,
        measured_pct=measured,
        band=settlement.band,
        steps=settlement.steps,
        fee_pct=settlement.fee_pct,
        amount=from_cents(settlement.amount_cents),
        currency=contract.currency,
        coverage_pct=round(coverage, 4),
        min_coverage_pct=minimum,
        result=coverage_label(coverage) if settlement.band == "not_measurable" else settlement.band,
        assets=assets,
        evidence=evidence_rows,
    )


def _total(rows: list[dict[str, object]], key: str) -> float:
    """The sum of a computed column; None (nothing measured) counts as 0."""
    return sum(float(v) for r in rows if isinstance(v := r[key], int | float))


def evidence(
    session: Session,
    store: TelemetryStore,
    period: av.Period,
    serials: list[str],
    at: datetime | None = None,
    contract: AvailabilityContract | None = None,
    expected_interval_s: int = 0,
) -> list[dict[str, object]]:
    """Downtime events of the period: status-derived stops and downtime records.

    The same intervals as the computation (``telemetry_intervals`` with the contract's rule: gap
    time cut out), of the contract's own consenting machines only.
    """
    options = (
        contract_options(contract, at, expected_interval_s)
        if contract
        else Options(at=at, expected_interval_s=expected_interval_s)
    )
    accounts = [contract.account_id] if contract else None
    assets = [
        (i, s)
        for i, s in consenting_assets(session, PURPOSE, "status", at, accounts)
        if s in set(serials)
    ]
    wanted = sorted({s for _i, s in assets})
    con = duck.backend()  # a cursor of the process's database, its own for this call
    try:
        # ``wanted`` comes from the consent worked out above: the gate needs no second one
        iv = telemetry_intervals(session, store, con, period, options, wanted, allowed=wanted)
        iv = iv.filter(iv.state.isin([av.DOWN, av.PLANNED]))
        rows = [
            {
                "serial": r["serial"],
                "state": r["state"],
                "start": r["s"],
                "end": r["e"],
                "source": "status",
            }
            for r in to_arrow(iv.order_by(["s", "serial"])).to_pylist()
        ]
    finally:
        con.disconnect()
    for d, serial in downtime_in(session, period, [i for i, _s in assets]):
        rows.append(
            {
                "serial": serial,
                "state": "excluded"
                if d.excluded
                else "planned_maintenance"
                if d.planned
                else "down",
                "start": utc(d.start),
                "end": utc(d.end),
                "source": "record",
                "cause": d.cause,
                "id": d.id,
            }
        )
    return rows


def evaluate_all(
    session: Session,
    store: TelemetryStore,
    period: av.Period,
    among: Iterable[AvailabilityContract] | None = None,
    expected_interval_s: int = 0,
) -> list[Evaluation]:
    """Every contract valid in the period (of ``among`` when given, else of all)."""
    if among is None:
        among = repository.all_contracts(session)
    with batched(session):  # the record of use: one statement for every contract
        return [
            evaluate(session, store, c, period, expected_interval_s=expected_interval_s)
            for c in among
            if utc(c.valid_from) < period.end
            and (c.valid_to is None or utc(c.valid_to) > period.start)
        ]


def contract_by_ref(session: Session, ref: str) -> AvailabilityContract:
    """A contract by id or contract number; NotFound otherwise."""
    contract = (
        repository.contract_by_id(session, int(ref)) if ref.isdigit() else None
    ) or repository.contract_by_external_id(session, ref)
    if contract is None:
        raise NotFound(f"contract {ref!r} not found")
    return contract


def create_for_account(
    session: Session,
    actor: audit.Actor,
    account: str,
    serials: list[str] | None,
    **fields: object,
) -> tuple[AvailabilityContract, list[str]]:
    """Add a contract for the account with this external id over ``serials`` (None: all its
    machines), audited; the contract and the serials it covers. NotFound for an unknown
    account, InvalidInput for a serial that is not the account's."""
    found = installed_base.account_by_external_id(session, account)
    if found is None:
        raise NotFound(f"account {account!r} not found")
    known = {m.serial for m in installed_base.machines_with_serial(session, account_ids=[found.id])}
    unknown = sorted(set(serials or []) - known)
    if unknown:
        raise InvalidInput(f"not serials of {account}: {', '.join(unknown)}")
    contract = create_contract(
        session,
        actor,
        account_id=found.id,
        serials=sorted(serials) if serials else None,
        **fields,
    )
    return contract, contract_serials(session, contract)
