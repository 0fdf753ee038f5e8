"""``servitize import azure-pdm DIR``: Microsoft's Azure Predictive Maintenance sample data.

Machines become assets (serial = machineID) of one account for the data set. Failures at one
time on one machine are one stop (several components may fail together); a maintenance row at
the same time and component as a failure is that failure's repair, every other maintenance
row is planned. Stops become repair/maintenance work orders and status events (down or
planned maintenance for the repair time, then running); errors and telemetry become
measurements.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from servitize.installed_base import repository as installed_base
from servitize.installed_base.models import Account, Asset, ServiceEvent
from servitize.telemetry.store import Batch, TelemetryStore

ACCOUNT = "azure-pdm"
DATA_START = datetime(2015, 1, 1, 6, tzinfo=UTC)
METRICS = {"volt": "V", "rotate": "rpm", "pressure": "psi", "vibration": "mm/s"}


@dataclass
class AzureResult:
    """What an import of the data set stored."""

    assets: int = 0
    repairs: int = 0
    maintenance: int = 0
    status_events: int = 0
    measurements: int = 0


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def stops(
    folder: Path,
) -> tuple[dict[tuple[str, datetime], list[str]], dict[tuple[str, datetime], list[str]]]:
    """(failures, planned maintenance) keyed by (machine, time), with their components."""
    failures: dict[tuple[str, datetime], list[str]] = defaultdict(list)
    for r in _rows(folder / "PdM_failures.csv"):
        failures[(r["machineID"], _ts(r["datetime"]))].append(r["failure"])
    planned: dict[tuple[str, datetime], list[str]] = defaultdict(list)
    for r in _rows(folder / "PdM_maint.csv"):
        key = (r["machineID"], _ts(r["datetime"]))
        if r["comp"] not in failures.get(key, ()):  # the repair of that failure, not planned work
            planned[key].append(r["comp"])
    return failures, planned


def _us(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000


def import_dir(
    session: Session,
    store: TelemetryStore,
    folder: Path,
    repair_hours: float = 8.0,
    maintenance_hours: float = 4.0,
) -> AzureResult:
    """Import the data set; running it again updates nothing twice (keys are stable)."""
    folder = Path(folder)
    result = AzureResult()
    account = installed_base.account_by_external_id(session, ACCOUNT)
    if account is None:
        account = Account(
            external_id=ACCOUNT,
            name="Azure PdM sample (simulated by Microsoft)",
            country="US",
            currency="USD",
        )
        installed_base.add_records(session, [account])
    assets = installed_base.machines_of_account_by_serial(session, account.id)
    new_machines = []
    for r in _rows(folder / "PdM_machines.csv"):
        serial = r["machineID"]
        if serial not in assets:
            age = int(r["age"])
            assets[serial] = Asset(
                external_id=f"{ACCOUNT}-{serial}",
                account_id=account.id,
                serial=serial,
                model=r["model"],
                manufacturer="Azure PdM",
                install_date=date(2015 - age, 1, 1),
                connectivity="current",
            )
            new_machines.append(assets[serial])
        result.assets += 1
    installed_base.add_records(session, new_machines)
    existing = installed_base.work_order_keys(session, account.id)
    new_events: list[ServiceEvent] = []
    failures, planned = stops(folder)
    batch = Batch()
    received = _us(datetime.now(UTC))
    spans: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for (machine, at), comps in sorted(failures.items()):
        _event(
            new_events,
            existing,
            assets[machine],
            f"{ACCOUNT}-F-{machine}-{at:%Y%m%d%H}",
            at,
            "repair",
            comps,
            repair_hours,
        )
        spans[machine].append((at, at + timedelta(hours=repair_hours), "down"))
        result.repairs += 1
    for (machine, at), comps in sorted(planned.items()):
        _event(
            new_events,
            existing,
            assets[machine],
            f"{ACCOUNT}-M-{machine}-{at:%Y%m%d%H}",
            at,
            "maintenance",
            comps,
            maintenance_hours,
        )
        if at >= DATA_START:
            spans[machine].append(
                (at, at + timedelta(hours=maintenance_hours), "planned_maintenance")
            )
        result.maintenance += 1
    for machine in assets:
        events = timeline(spans[machine])
        for at, state in events:
            batch.add_status(machine, _us(at), state, None, received, "azure-pdm")
        result.status_events += len(events)
    for r in _rows(folder / "PdM_errors.csv"):
        batch.add_measure(
            r["machineID"],
            _us(_ts(r["datetime"])),
            r["errorID"],
            1.0,
            "count",
            received,
            "azure-pdm",
        )
        result.measurements += 1
    store.write(batch)
    telemetry = next(iter(sorted(folder.glob("PdM_telemetry*.csv"))), None)
    if telemetry is not None:
        result.measurements += _telemetry(telemetry, store, received)
    installed_base.add_records(session, new_events)
    return result


def timeline(spans: list[tuple[datetime, datetime, str]]) -> list[tuple[datetime, str]]:
    """Status events from stops: overlapping stops merge into one (down wins over planned)."""
    merged: list[tuple[datetime, datetime, str]] = []
    for start, end, state in sorted(spans):
        if merged and start < merged[-1][1]:
            first, last, merged_state = merged[-1]
            merged[-1] = (first, max(last, end), "down" if state == "down" else merged_state)
            continue
        merged.append((start, end, state))
    events: list[tuple[datetime, str]] = [(DATA_START, "running")]
    for start, end, state in merged:
        if events[-1][0] == start:
            events.pop()
        events += [(start, state), (end, "running")]
    return events


def _event(
    new: list[ServiceEvent],
    existing: set[str],
    asset: Asset,
    external_id: str,
    at: datetime,
    kind: str,
    comps: list[str],
    hours: float,
) -> None:
    if external_id in existing:
        return
    new.append(
        ServiceEvent(
            external_id=external_id,
            asset_id=asset.id,
            account_id=asset.account_id,
            day=at.date(),
            kind=kind,
            component="|".join(sorted(comps)),
            downtime_hours=hours,
            currency="USD",
        )
    )
    existing.add(external_id)


def _telemetry(path: Path, store: TelemetryStore, received: int) -> int:
    count = 0
    batch = Batch()
    for r in _rows(path):
        ts = _us(_ts(r["datetime"]))
        for metric, unit in METRICS.items():
            batch.add_measure(
                r["machineID"], ts, metric, float(r[metric]), unit, received, "azure-pdm"
            )
            count += 1
        if len(batch) >= 200_000:
            store.write(batch)
            batch = Batch()
    store.write(batch)
    return count
