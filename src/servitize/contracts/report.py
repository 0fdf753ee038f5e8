"""The monthly operation report of an availability contract, as plain data.

Every figure comes from ``contracts.evaluate`` (availability, band, money, evidence, per-asset
usage and energy); this module only arranges months, evidence and usage for the renderings
(page, PDF, CSV/XLSX, JSON, CLI). Usage and energy are shown only where the account's consent
for contract verification covers them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from servitize.contracts import repository
from servitize.contracts import service as contracts
from servitize.contracts.models import AvailabilityContract
from servitize.contracts.report_periods import evaluate_periods
from servitize.core.errors import InvalidInput, NotFound
from servitize.core.settings import Settings
from servitize.installed_base import repository as installed_base
from servitize.installed_base.models import Account
from servitize.kit.money import from_cents
from servitize.telemetry import gaps
from servitize.telemetry.availability import Period, month_period
from servitize.telemetry.consent import consenting_accounts
from servitize.telemetry.consent_usage import batched
from servitize.telemetry.downtime import utc
from servitize.telemetry.service import PURPOSE
from servitize.telemetry.store import TelemetryStore
from servitize.trust.models import Role, User

# Who reads contract results (money): not technicians; rows still limited by account access.
REPORT_ROLES = (
    Role.admin,
    Role.analyst,
    Role.sales_manager,
    Role.service_manager,
    Role.account_owner,
)
MAX_MONTHS = 36
DEFAULT_MONTHS = 6
AVAILABILITY_COLUMNS = (
    "month",
    "in_force",
    "availability_pct",
    "target_pct",
    "band",
    "steps",
    "fee_pct",
    "amount",
    "currency",
    "uptime_hours",
    "downtime_hours",
    "planned_maintenance_hours",
    "excluded_hours",
    "failures",
    "coverage_pct",
    "min_coverage_pct",
    "result",
)
DOWNTIME_COLUMNS = ("month", "serial", "state", "start", "end", "hours_in_month", "source", "cause")


@dataclass(frozen=True)
class MonthResult:
    """One month of a contract: measured availability against target, band and amount."""

    month: str
    in_force: bool
    availability_pct: float | None
    target_pct: float
    band: str  # penalty, bonus, on_target, below_target, not_measurable, excluded, unknown, not_in_force
    steps: int
    fee_pct: float
    amount: Decimal
    currency: str
    uptime_hours: float
    downtime_hours: float
    planned_maintenance_hours: float
    excluded_hours: float
    failures: int
    coverage_pct: float | None = None  # known share of scheduled hours
    min_coverage_pct: float | None = None  # the contract's minimum for money to move
    result: str = ""  # the band in words: "not measurable: 1 % of hours known", "Penalty", ...


@dataclass(frozen=True)
class Stop:
    """A downtime event of the period, as evidence: from status events or a downtime record."""

    month: str
    serial: str
    state: str  # down, planned_maintenance, excluded
    start: datetime
    end: datetime
    hours_in_month: float
    source: str  # status or record
    cause: str | None = None


@dataclass(frozen=True)
class AssetUsage:
    """One machine in the period: availability, operating hours and energy (None: not shared)."""

    serial: str
    model: str | None
    availability_pct: float | None
    downtime_hours: float | None
    failures: int | None
    operating_hours: float | None
    energy_kwh: float | None
    kwh_per_operating_hour: float | None


@dataclass(frozen=True)
class Report:
    """Everything a monthly operation report shows; every renderer reads only this."""

    contract_id: int
    contract: str
    contract_name: str
    account_id: int
    account: str
    account_number: str
    account_country: str | None
    account_manager: str | None
    supplier: str
    month: str
    period_start: datetime
    period_end: datetime
    calendar: dict[str, object]
    fee: Decimal
    currency: str
    bands: dict[str, float]
    result: MonthResult
    trend: list[MonthResult]
    downtime: list[Stop]
    assets: list[AssetUsage]
    usage_shared: bool
    energy_shared: bool
    operating_hours: float | None
    energy_kwh: float | None
    kwh_per_operating_hour: float | None
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    status_shared: bool = (
        True  # the account's agreement covers status data for contract verification
    )
    excluded_causes: list[str] = field(
        default_factory=list
    )  # causes of the period's excluded records
    telemetry_gaps: list[str] = field(
        default_factory=list
    )  # gaps.report_lines of the period's machines

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON."""
        return asdict(self)


def visible_contract(session: Session, user: User, contract_id: int) -> AvailabilityContract:
    """The contract if the user may see its account; NotFound otherwise (also when missing)."""
    # One scoped query: a contract outside the scope answers as one that does not exist,
    # without naming the account it belongs to.
    contract = repository.visible_contract(session, user, contract_id)
    if contract is None:
        raise NotFound(f"contract {contract_id} not found")
    return contract


def visible_contracts(session: Session, user: User) -> list[tuple[AvailabilityContract, Account]]:
    """Every contract whose account the user may see, by external id."""
    found = repository.visible_contracts(session, user)
    accounts = installed_base.accounts_by_id(session, {c.account_id for c in found})
    return [(c, accounts[c.account_id]) for c in found if c.account_id in accounts]


def parse_month(text: str) -> str:
    """A YYYY-MM month, checked."""
    try:
        month_period(text)
    except ValueError as exc:
        raise InvalidInput(f"not a month (YYYY-MM): {text!r}") from exc
    return text


def last_complete_month(today: date | None = None) -> str:
    """The month before today's: the period a monthly report is usually about."""
    today = today or datetime.now(UTC).date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included (at most MAX_MONTHS)."""
    y0, m0 = (int(x) for x in parse_month(first).split("-"))
    y1, m1 = (int(x) for x in parse_month(last).split("-"))
    count = (y1 - y0) * 12 + (m1 - m0) + 1
    if count < 1:
        raise InvalidInput(f"{first} is after {last}")
    if count > MAX_MONTHS:
        raise InvalidInput(f"at most {MAX_MONTHS} months at a time")
    return [f"{y0 + (m0 - 1 + i) // 12:04d}-{(m0 - 1 + i) % 12 + 1:02d}" for i in range(count)]


def shift_month(month: str, n: int) -> str:
    """The month ``n`` months after (or before, n < 0) ``month``."""
    y, m = (int(x) for x in parse_month(month).split("-"))
    index = y * 12 + m - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_ending(last: str, count: int) -> list[str]:
    """``count`` months ending with ``last``."""
    if not 1 <= count <= MAX_MONTHS:
        raise InvalidInput(f"months must be between 1 and {MAX_MONTHS}")
    return month_range(shift_month(last, 1 - count), last)


def in_force(contract: AvailabilityContract, period: Period) -> bool:
    """Whether the contract is valid during any part of the period."""
    return utc(contract.valid_from) < period.end and (
        contract.valid_to is None or utc(contract.valid_to) > period.start
    )


def _number(value: object) -> float:
    """A computed number as a float; None (nothing measured) counts as 0."""
    return float(value) if isinstance(value, int | float) else 0.0


def _optional(value: object) -> float | None:
    """A computed number as a float, None where nothing was measured."""
    return float(value) if isinstance(value, int | float) else None


def _sum(rows: list[dict[str, object]], key: str) -> float:
    return round(sum(_number(r[key]) for r in rows), 6)


def month_result(
    contract: AvailabilityContract, month: str, evaluation: contracts.Evaluation | None
) -> MonthResult:
    """One month's row from ``contracts.evaluate`` (None: the contract was not in force)."""
    if evaluation is None:
        return MonthResult(
            month,
            False,
            None,
            contract.target_pct,
            "not_in_force",
            0,
            0.0,
            Decimal(0),
            contract.currency,
            0.0,
            0.0,
            0.0,
            0.0,
            0,
            None,
            contract.min_coverage_pct,
            band_label("not_in_force"),
        )
    assets = evaluation.assets
    band = evaluation.band
    coverage = evaluation.coverage_pct
    return MonthResult(
        month,
        True,
        evaluation.measured_pct,
        contract.target_pct,
        band,
        evaluation.steps,
        evaluation.fee_pct,
        evaluation.amount if evaluation.amount is not None else Decimal(0),
        contract.currency,
        _sum(assets, "uptime_hours"),
        _sum(assets, "downtime_hours"),
        _sum(assets, "planned_maintenance_hours"),
        _sum(assets, "excluded_hours"),
        int(_sum(assets, "failures")),
        coverage,
        evaluation.min_coverage_pct,
        contracts.coverage_label(coverage) if band == "not_measurable" else band_label(band),
    )


def _stops(month: str, period: Period, evidence: list[dict[str, object]]) -> list[Stop]:
    """Evidence rows as stops; back-to-back status intervals of one state (repeated reports) merge."""
    out: list[Stop] = []
    for e in sorted(evidence, key=lambda r: (r["source"], r["serial"], r["start"])):
        start, end = e["start"], e["end"]
        if (
            out
            and e["source"] == "status"
            and out[-1].source == "status"
            and (out[-1].serial, out[-1].state, out[-1].end) == (e["serial"], e["state"], start)
        ):
            start = out.pop().start
        hours = max((min(end, period.end) - max(start, period.start)).total_seconds(), 0) / 3600  # type: ignore[call-overload]
        out.append(
            Stop(
                month,
                str(e["serial"]),
                str(e["state"]),
                start,  # type: ignore[arg-type]
                end,  # type: ignore[arg-type]
                round(hours, 4),
                str(e["source"]),
                e.get("cause"),  # type: ignore[arg-type]
            )
        )
    return sorted(out, key=lambda s: (s.start, s.serial, s.source))


def evaluate_months_one_by_one(
    session: Session,
    store: TelemetryStore,
    contract: AvailabilityContract,
    months: list[str],
    at: datetime | None = None,
    expected_interval_s: int = 0,
) -> list[tuple[str, contracts.Evaluation | None]]:
    """``contracts.evaluate`` for each month the contract is in force (None where it is not),
    month by month: the reference ``evaluate_months`` is measured and tested against."""
    out: list[tuple[str, contracts.Evaluation | None]] = []
    with batched(session):  # the record of use: one statement for the months
        for month in months:
            period = month_period(month)
            out.append(
                (
                    month,
                    contracts.evaluate(session, store, contract, period, at, expected_interval_s)
                    if in_force(contract, period)
                    else None,
                )
            )
    return out


def evaluate_months(
    session: Session,
    store: TelemetryStore,
    contract: AvailabilityContract,
    months: list[str],
    at: datetime | None = None,
    expected_interval_s: int = 0,
) -> list[tuple[str, contracts.Evaluation | None]]:
    """``contracts.evaluate`` for each month the contract is in force (None where it is not),
    every month computed in one go (``report_periods.evaluate_periods``: one DuckDB connection,
    the months as a table); the same figures as ``evaluate_months_one_by_one``."""
    periods = {m: month_period(m) for m in months}
    valid = [m for m in months if in_force(contract, periods[m])]
    with batched(session):  # the record of use: one statement for the months
        found = evaluate_periods(
            session, store, contract, [periods[m] for m in valid], at, expected_interval_s
        )
    evaluations = dict(zip(valid, found, strict=True))
    return [(m, evaluations.get(m)) for m in months]


def tables(
    session: Session,
    store: TelemetryStore,
    contract: AvailabilityContract,
    months: list[str],
    at: datetime | None = None,
    expected_interval_s: int = 0,
) -> tuple[list[MonthResult], list[Stop]]:
    """The availability and downtime tables of any window of months (CSV and XLSX)."""
    results, stops = [], []
    for month, evaluation in evaluate_months(
        session, store, contract, months, at, expected_interval_s
    ):
        results.append(month_result(contract, month, evaluation))
        if evaluation is not None:
            stops += _stops(month, month_period(month), evaluation.evidence)
    return results, stops


def build_report(
    session: Session,
    store: TelemetryStore,
    contract: AvailabilityContract,
    month: str,
    months: int = DEFAULT_MONTHS,
    *,
    at: datetime | None = None,
    supplier: str = Settings.model_fields["company_name"].default,
    expected_interval_s: int = 0,
) -> Report:
    """The report of ``month`` with a trend over the ``months`` months ending with it
    (``expected_interval_s``: the setting, passed by the edge; 0 finds sequence gaps only)."""
    window = months_ending(month, months)
    evaluations = evaluate_months(session, store, contract, window, at, expected_interval_s)
    trend = [month_result(contract, m, e) for m, e in evaluations]
    period = month_period(month)
    current = evaluations[-1][1]
    account = installed_base.accounts_by_id(session, {contract.account_id}).get(contract.account_id)
    if account is None:
        raise NotFound(f"account {contract.account_id} not found")
    owner = installed_base.user_by_id(session, account.owner_id) if account.owner_id else None
    usage_shared = account.id in consenting_accounts(session, PURPOSE, "usage", at)
    energy_shared = account.id in consenting_accounts(session, PURPOSE, "energy", at)
    rows = current.assets if current else []
    models = {
        m.serial: m.model
        for m in installed_base.machines_with_serial(
            session, account_ids=[account.id], serials=[str(r["serial"]) for r in rows]
        )
    }
    assets = [
        AssetUsage(
            serial=str(r["serial"]),
            model=models.get(str(r["serial"])),
            availability_pct=None
            if r["availability"] is None
            else round(100 * r["availability"], 4),  # type: ignore[operator]
            downtime_hours=r["downtime_hours"],  # type: ignore[arg-type]
            failures=r["failures"],  # type: ignore[arg-type]
            operating_hours=r["running_hours"] if usage_shared else None,  # type: ignore[arg-type]
            energy_kwh=r["energy_kwh"] if energy_shared else None,  # type: ignore[arg-type]
            kwh_per_operating_hour=r["energy_per_operating_hour"]
            if usage_shared and energy_shared
            else None,  # type: ignore[arg-type]
        )
        for r in rows
    ]
    hours = round(sum(a.operating_hours or 0.0 for a in assets), 6) if usage_shared else None
    kwh = round(sum(a.energy_kwh or 0.0 for a in assets), 6) if energy_shared else None
    return Report(
        contract_id=contract.id,
        contract=contract.external_id,
        contract_name=contract.name,
        account_id=account.id,
        account=account.name,
        account_number=account.external_id,
        account_country=account.country,
        account_manager=(owner.full_name or owner.username) if owner else None,
        supplier=supplier,
        month=month,
        period_start=period.start,
        period_end=period.end,
        calendar=dict(contract.calendar),
        fee=from_cents(contract.fee_cents) or Decimal(0),
        currency=contract.currency,
        bands=contracts.bands(contract).__dict__.copy(),
        result=trend[-1],
        trend=trend,
        downtime=_stops(month, period, current.evidence) if current else [],
        assets=assets,
        usage_shared=usage_shared,
        energy_shared=energy_shared,
        operating_hours=hours,
        energy_kwh=kwh,
        kwh_per_operating_hour=round(kwh / hours, 6) if hours and kwh is not None else None,
        status_shared=account.id in consenting_accounts(session, PURPOSE, "status", at),
        excluded_causes=sorted(
            {
                str(e.get("cause") or "no cause given")
                for e in (current.evidence if current else [])
                if e["state"] == "excluded"
            }
        ),
        telemetry_gaps=gaps.report_lines(
            store,
            contracts.contract_serials(session, contract),
            period.start,
            period.end,
            expected_interval_s,
            silence_after_down=contract.silence_after_down or "down",
        ),
    )


def availability_rows(results: list[MonthResult]) -> list[list[object]]:
    """The availability table as rows in AVAILABILITY_COLUMNS order."""
    return [[getattr(r, c) for c in AVAILABILITY_COLUMNS] for r in results]


def downtime_rows(stops: list[Stop]) -> list[list[object]]:
    """The downtime table as rows in DOWNTIME_COLUMNS order."""
    return [[getattr(s, c) for c in DOWNTIME_COLUMNS] for s in stops]


def axis(values: list[float | None], target: float) -> tuple[float, float]:
    """A y-axis range (percent) showing every value and the target, in whole points."""
    known = [v for v in values if v is not None] + [target]
    low, high = min(known), max(known)
    low = max(0.0, float(int(low - 1)))
    high = min(100.0, float(int(high) + 1))
    return (low, high) if high > low else (max(low - 1, 0.0), high)


def month_label(month: str) -> str:
    """ "2026-10" → "October 2026"."""
    return month_period(month).start.strftime("%B %Y")


def band_label(band: str) -> str:
    """Human words for a band."""
    return {
        "penalty": "Penalty",
        "bonus": "Bonus",
        "on_target": "On target",
        "below_target": "Below target, no penalty",
        "unknown": "No data",
        "not_measurable": "Not measurable",
        "excluded": "Excluded",
        "not_in_force": "Not in force",
    }.get(band, band)


def calendar_label(calendar: dict[str, object]) -> str:
    """Human words for a scheduled-time calendar."""
    if calendar.get("kind", "24/7") == "24/7":
        return "24/7"
    days = calendar.get("weekdays", [0, 1, 2, 3, 4])
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    which = "Mon–Fri" if days == [0, 1, 2, 3, 4] else ", ".join(names[d] for d in days)  # type: ignore[attr-defined]
    return f"{which} {calendar.get('start', '06:00')}–{calendar.get('end', '22:00')} UTC"
