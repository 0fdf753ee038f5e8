"""Downtime periods as records: the service manager adds, reclassifies and excludes them, audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
from sqlalchemy.orm import Session

from servitize.core.errors import InvalidInput, NotFound
from servitize.installed_base import repository as installed_base
from servitize.telemetry import repository
from servitize.telemetry.availability import DOWN, EXCLUDED, PLANNED, Period
from servitize.telemetry.models import DowntimePeriod
from servitize.trust import audit
from servitize.trust.editing import check_version

FIELDS = ("asset_id", "start", "end", "planned", "cause", "excluded", "note")
EDITABLE = ("start", "end", "planned", "cause", "excluded", "note")
TS = pa.timestamp("us", tz="UTC")


def utc(moment: datetime) -> datetime:
    """A datetime in UTC; naive values (as SQLite returns them) are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def downtime_dict(d: DowntimePeriod) -> dict[str, object]:
    """A downtime period as plain data (as audited)."""
    return {"id": d.id} | {f: getattr(d, f) for f in FIELDS}


def downtime_out(d: DowntimePeriod) -> dict[str, object]:
    """A downtime period as shown: its data and the version an edit may name."""
    return downtime_dict(d) | {"version": d.version}


def add_downtime(
    session: Session,
    actor: audit.Actor,
    asset_id: int,
    start: datetime,
    end: datetime,
    *,
    planned: bool = False,
    cause: str | None = None,
    excluded: bool = False,
    note: str | None = None,
) -> DowntimePeriod:
    """Record a downtime period of an asset."""
    asset = installed_base.asset_by_id(session, asset_id)
    if asset is None:
        raise NotFound(f"asset {asset_id} not found")
    if utc(end) <= utc(start):
        raise InvalidInput("a downtime period must end after it starts")
    period = DowntimePeriod(
        asset_id=asset_id,
        account_id=asset.account_id,
        start=start,
        end=end,
        planned=planned,
        cause=cause,
        excluded=excluded,
        note=note,
    )
    repository.add_downtime_period(session, period)
    audit.record(
        session, actor, "create", "downtime_period", period.id, after=downtime_dict(period)
    )
    return period


def edit_downtime(
    session: Session,
    actor: audit.Actor,
    downtime_id: int,
    version: int | None = None,
    **changes: object,
) -> DowntimePeriod:
    """Change a downtime period (planned, cause, excluded, times), audited before/after.

    ``version``: the version the change was made on (``downtime_out``); Conflict (409) when the
    record changed since, so that an edit prepared on an old copy never reverts another one."""
    period = repository.downtime_to_edit(session, downtime_id)
    if period is None:
        raise NotFound(f"downtime period {downtime_id} not found")
    check_version(version, period.version, f"downtime period {downtime_id}")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))}")
    before = downtime_dict(period)
    for name, value in changes.items():
        setattr(period, name, value)
    if utc(period.end) <= utc(period.start):
        raise InvalidInput("a downtime period must end after it starts")
    repository.saved(session)
    after = downtime_dict(period)
    old, new = audit.diff(before, after)
    audit.record(session, actor, "update", "downtime_period", period.id, before=old, after=new)
    return period


def downtime_in(
    session: Session, period: Period, asset_ids: list[int] | None = None
) -> list[tuple[DowntimePeriod, str]]:
    """Downtime periods overlapping a period, with their asset's serial."""
    found = [
        d
        for d in repository.downtime_periods(session, asset_ids)
        if utc(d.start) < period.end and utc(d.end) > period.start
    ]
    serials = {
        m.asset_id: m.serial
        for m in installed_base.machines_with_serial(session, asset_ids={d.asset_id for d in found})
    }
    return [(d, serials[d.asset_id]) for d in found if serials.get(d.asset_id)]


def records_table(rows: list[tuple[DowntimePeriod, str]]) -> pa.Table:
    """Downtime records as intervals (serial, state, s, e) to lay over status intervals."""

    def state(d: DowntimePeriod) -> str:
        return EXCLUDED if d.excluded else PLANNED if d.planned else DOWN

    return pa.table(
        {
            "serial": pa.array([s for _d, s in rows], pa.string()),
            "state": pa.array([state(d) for d, _s in rows], pa.string()),
            "s": pa.array([utc(d.start) for d, _s in rows], TS),
            "e": pa.array([utc(d.end) for d, _s in rows], TS),
        }
    )
