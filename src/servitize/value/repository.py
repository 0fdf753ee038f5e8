"""Value cases in the database, and what a case reads of the account's records.

Each read is one aggregate query over the case's machines (or the fleet of their models), so a
case of hundreds of machines and years of history costs a handful of queries.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Case, ColumnElement, Row, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from servitize.installed_base.access import visible_account_ids
from servitize.installed_base.models import Account, Asset, Offering, ServiceEvent, ServiceKind
from servitize.intelligence.models import Lead
from servitize.kit.columns import UTCDateTime
from servitize.sales.models import Opportunity
from servitize.telemetry.models import DowntimePeriod
from servitize.trust.models import User
from servitize.value.models import ValueCase, ValueCaseEdit
from servitize.value.rules import AGE_BAND_YEARS, MAJOR_FAILURE_HOURS
from servitize.value.savings import FleetBand


def add_case(session: Session, value_case: ValueCase) -> ValueCase:
    """Store a new case (its id is known afterwards)."""
    session.add(value_case)
    session.flush()
    return value_case


def add_edits(session: Session, edits: list[ValueCaseEdit]) -> None:
    """Keep the changes of a case's assumptions."""
    session.add_all(edits)
    session.flush()


def saved(session: Session) -> None:
    """Write pending changes (the edge commits)."""
    session.flush()


def visible_case(session: Session, user: User, case_id: int) -> ValueCase | None:
    """The case if its account is in the user's scope (else None: it reads as not there)."""
    return session.scalar(
        select(ValueCase).where(
            ValueCase.id == case_id, ValueCase.account_id.in_(visible_account_ids(user))
        )
    )


def visible_cases(
    session: Session,
    user: User,
    *,
    account_id: int | None = None,
    opportunity_id: int | None = None,
    lead_id: int | None = None,
    limit: int = 100,
) -> list[ValueCase]:
    """The cases the user may see, newest first, of an account, opportunity or lead if given."""
    q = select(ValueCase).where(ValueCase.account_id.in_(visible_account_ids(user)))
    if account_id is not None:
        q = q.where(ValueCase.account_id == account_id)
    if opportunity_id is not None:
        q = q.where(ValueCase.opportunity_id == opportunity_id)
    if lead_id is not None:
        q = q.where(ValueCase.lead_id == lead_id)
    return list(session.scalars(q.order_by(ValueCase.id.desc()).limit(limit)))


def any_case(session: Session) -> bool:
    """Whether any value case exists (the demo opens its own once)."""
    return session.scalar(select(ValueCase.id).limit(1)) is not None


def open_opportunity_of(session: Session, account_id: int) -> int | None:
    """An open opportunity of the account in phase 2 or 3 (the value case's moment), if any."""
    return session.scalar(
        select(Opportunity.id)
        .where(
            Opportunity.account_id == account_id,
            Opportunity.phase.in_((2, 3)),
            Opportunity.status == "open",
        )
        .order_by(Opportunity.id)
        .limit(1)
    )


def newest_case_of_opportunity(session: Session, opportunity_id: int) -> ValueCase | None:
    """The newest value case opened for an opportunity."""
    return session.scalar(
        select(ValueCase)
        .where(ValueCase.opportunity_id == opportunity_id)
        .order_by(ValueCase.id.desc())
        .limit(1)
    )


def edits_of(session: Session, case_id: int) -> list[ValueCaseEdit]:
    """A case's edits, oldest first."""
    return list(
        session.scalars(
            select(ValueCaseEdit).where(ValueCaseEdit.case_id == case_id).order_by(ValueCaseEdit.id)
        )
    )


def account_by_id(session: Session, account_id: int) -> Account | None:
    return session.get(Account, account_id)


def account_by_external_id(session: Session, external_id: str) -> Account | None:
    return session.scalar(select(Account).where(Account.external_id == external_id))


def opportunity_by_id(session: Session, opportunity_id: int) -> Opportunity | None:
    return session.get(Opportunity, opportunity_id)


def lead_by_id(session: Session, lead_id: int) -> Lead | None:
    return session.get(Lead, lead_id)


def offering_by_id(session: Session, offering_id: int) -> Offering | None:
    return session.get(Offering, offering_id)


Machine = Row[int, str | None, str, str | None, date | None]


def machines(session: Session, account_id: int, asset_ids: list[int] | None) -> list[Machine]:
    """The account's machines with these ids (every machine of the account when None): id,
    serial, number, model and install date (one query, no ORM objects)."""
    rows = session.execute(
        select(Asset.id, Asset.serial, Asset.external_id, Asset.model, Asset.install_date)
        .where(Asset.account_id == account_id)
        .order_by(Asset.id)
    ).all()
    if asset_ids is None:
        return list(rows)
    wanted = set(asset_ids)
    return [r for r in rows if r.id in wanted]


def machines_by_serial(session: Session, account_id: int, keys: list[str]) -> list[Asset]:
    """The account's machines named by serial or external id."""
    return list(
        session.scalars(
            select(Asset)
            .where(Asset.account_id == account_id)
            .where((Asset.serial.in_(keys)) | (Asset.external_id.in_(keys)))
            .order_by(Asset.id)
        )
    )


def _of_account(column: InstrumentedAttribute[int], account_id: int) -> ColumnElement[bool]:
    """``column`` (an asset id) is a machine of the account: one parameter, however many."""
    return column.in_(select(Asset.id).where(Asset.account_id == account_id))


def service_history(
    session: Session,
    account_id: int,
    asset_ids: list[int],
    since: date,
    until: date,
    currency: str,
) -> tuple[int, int, float, dict[int, float]]:
    """Work orders of the machines in [since, until]: count, parts (cents, in ``currency``),
    labour hours, and the unplanned (repair) downtime hours per machine."""
    if not asset_ids:
        return 0, 0, 0.0, {}
    repair = ServiceEvent.kind == ServiceKind.repair.value
    wanted = set(asset_ids)
    rows = [
        r
        for r in session.execute(
            select(
                ServiceEvent.asset_id,
                func.count(),
                func.coalesce(
                    func.sum(
                        case((ServiceEvent.currency == currency, ServiceEvent.parts_cost_cents))
                    ),
                    0,
                ),
                func.coalesce(func.sum(ServiceEvent.labour_hours), 0.0),
                func.coalesce(func.sum(case((repair, ServiceEvent.downtime_hours))), 0.0),
            )
            .where(
                _of_account(ServiceEvent.asset_id, account_id),
                ServiceEvent.day >= since,
                ServiceEvent.day <= until,
            )
            .group_by(ServiceEvent.asset_id)
        )
        if r[0] in wanted
    ]
    count = sum(int(r[1]) for r in rows)
    parts = sum(int(r[2]) for r in rows)
    labour = sum(float(r[3]) for r in rows)
    return count, parts, labour, {int(r[0]): float(r[4]) for r in rows}


def _hours_between(session: Session, start: Any, end: Any) -> ColumnElement[Any]:
    """Hours from ``start`` to ``end`` in SQL (PostgreSQL: epoch seconds; SQLite: julian days)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def telemetry_downtime(
    session: Session, account_id: int, asset_ids: list[int], since: datetime, until: datetime
) -> dict[int, float]:
    """Unplanned, not excluded downtime hours per machine recorded from telemetry in the span
    (each period cut to the span), summed in the database."""
    if not asset_ids:
        return {}
    d = DowntimePeriod
    postgres = session.get_bind().dialect.name == "postgresql"
    later, earlier = (func.greatest, func.least) if postgres else (func.max, func.min)
    since_p = sa.bindparam("since", since, type_=UTCDateTime())
    until_p = sa.bindparam("until", until, type_=UTCDateTime())
    hours = _hours_between(session, later(d.start, since_p), earlier(d.end, until_p))
    wanted = set(asset_ids)
    rows = session.execute(
        select(d.asset_id, func.sum(hours))
        .where(
            d.account_id == account_id,
            d.planned.is_(False),
            d.excluded.is_(False),
            d.end > since_p,
            d.start < until_p,
        )
        .group_by(d.asset_id)
    )
    return {int(a): max(float(h or 0.0), 0.0) for a, h in rows if a in wanted}


@functools.lru_cache(maxsize=64)
def _band_edges(today: date, bands: int = 8) -> list[date]:
    return [
        date(today.year - AGE_BAND_YEARS * (i + 1), today.month, min(today.day, 28))
        for i in range(bands)
    ]


def _band(today: date) -> Case[int]:
    edges = _band_edges(today)
    return case(*[(Asset.install_date > edge, i) for i, edge in enumerate(edges)], else_=len(edges))


def band_of(install: date, today: date) -> int:
    """The age band of a machine installed on ``install`` (as the fleet query bands them)."""
    for i, edge in enumerate(_band_edges(today)):
        if install > edge:
            return i
    return len(_band_edges(today))


def fleet_bands(
    session: Session, models: list[str], since: date, until: date, currency: str
) -> list[FleetBand]:
    """The fleet's machines of these models with a known install date, by age band: how many,
    and their major failures (repairs of MAJOR_FAILURE_HOURS or more) in [since, until]."""
    if not models:
        return []
    band = _band(until)
    counts: dict[int, int] = dict(
        session.execute(
            select(band, func.count())
            .where(Asset.model.in_(models), Asset.install_date.is_not(None))
            .group_by(band)
        ).all()
    )
    failures = {
        int(r[0]): r[1:]
        for r in session.execute(
            select(
                band,
                func.count(),
                func.coalesce(
                    func.sum(
                        case((ServiceEvent.currency == currency, ServiceEvent.parts_cost_cents))
                    ),
                    0,
                ),
                func.coalesce(func.sum(ServiceEvent.labour_hours), 0.0),
                func.coalesce(func.sum(ServiceEvent.downtime_hours), 0.0),
            )
            .join(Asset, Asset.id == ServiceEvent.asset_id)
            .where(
                Asset.model.in_(models),
                Asset.install_date.is_not(None),
                ServiceEvent.kind == ServiceKind.repair.value,
                ServiceEvent.downtime_hours >= MAJOR_FAILURE_HOURS,
                ServiceEvent.day >= since,
                ServiceEvent.day <= until,
            )
            .group_by(band)
        ).all()
    }
    out = []
    for b in sorted(int(k) for k in counts):
        n, parts, labour, down = failures.get(b, (0, 0, 0.0, 0.0))
        out.append(FleetBand(b, int(counts[b]), int(n), int(parts), float(labour), float(down)))
    return out


def fleet_fingerprint(session: Session) -> tuple[int, int]:
    """The newest machine and work order ids: a new record of either changes the fleet's rates
    (two index look-ups)."""
    return (
        session.scalar(select(func.max(Asset.id))) or 0,
        session.scalar(select(func.max(ServiceEvent.id))) or 0,
    )


def span(today: date, months: int) -> tuple[date, datetime, datetime]:
    """The first day of the history read and the span as moments [since, end of today)."""
    since = today - timedelta(days=round(months * 365.25 / 12))
    start = datetime(since.year, since.month, since.day, tzinfo=UTC)
    end = datetime(today.year, today.month, today.day, tzinfo=UTC) + timedelta(days=1)
    return since, start, end
