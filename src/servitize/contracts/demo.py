"""A demo availability contract: a few months of status events and energy for one account."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from servitize.contracts import repository
from servitize.contracts import service as contracts
from servitize.contracts.models import AvailabilityContract
from servitize.installed_base import repository as installed_base
from servitize.telemetry import consent
from servitize.telemetry.downtime import add_downtime
from servitize.telemetry.store import Batch, TelemetryStore
from servitize.trust import audit

MONTHS = 7
CAUSES = ("hydraulic pressure loss", "servo drive fault", "lubrication alarm", "tool change jam")


def _us(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def demo_contract(
    session: Session,
    store: TelemetryStore,
    actor: audit.Actor,
    today: date,
    seed: int = 7,
    assets: int = 3,
) -> AvailabilityContract | None:
    """One 24/7 contract over the first account with machines; idempotent (None if it exists)."""
    if repository.contract_by_external_id(session, "AV-DEMO-1") is not None:
        return None
    account_id = installed_base.first_customer_with_own_machines(session, assets)
    if account_id is None:
        return None
    machines = installed_base.machines_with_serial(session, account_ids=[account_id], own_only=True)
    serials = sorted(m.serial for m in machines)[:assets]
    rng = random.Random(seed)
    end = datetime(today.year, today.month, today.day, tzinfo=UTC)
    first = (end.replace(day=1) - timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    batch, received = Batch(), _us(end)
    for serial in serials:
        rate, day = rng.uniform(14, 26), first
        while day < end:
            events = [(day, "running")]
            running = 24.0
            if day.weekday() == 6:
                events = [(day, "idle")]
                running = 0.0
            elif rng.random() < 0.07:
                start = day + timedelta(hours=rng.randint(1, 14))
                length = rng.choice([1.5, 2, 3, 4, 6, 9])
                events += [(start, "down"), (start + timedelta(hours=length), "running")]
                running -= length
            elif day.day == 12:
                events += [
                    (day + timedelta(hours=6), "planned_maintenance"),
                    (day + timedelta(hours=10), "running"),
                ]
                running -= 4
            for ts, state in events:
                batch.add_status(serial, _us(ts), state, None, received, "demo")
            batch.add_measure(
                serial,
                _us(day + timedelta(hours=23)),
                "energy_kwh",
                round(running * rate * rng.uniform(0.93, 1.07), 1),
                "kWh",
                received,
                "demo",
            )
            day += timedelta(days=1)
    store.write(batch)
    consent.record_agreement(
        session,
        actor,
        account_id,
        ["status", "usage", "energy"],
        ["contract_verification"],
        first,
        document="Demo data-sharing agreement",
    )
    contract = contracts.create_contract(
        session,
        actor,
        external_id="AV-DEMO-1",
        account_id=account_id,
        name="Press line availability",
        target_pct=98.0,  # the sales policy's borderline: no demo contract promises more
        fee_cents=12_000_00,
        penalty_pct_per_step=2,
        penalty_step_points=0.5,
        penalty_cap_pct=10,
        bonus_pct_per_step=1,
        bonus_step_points=0.5,
        bonus_cap_pct=3,
        serials=serials,
        valid_from=first,
    )
    asset_id = min(m.asset_id for m in machines if m.serial == serials[0])
    stop = (end.replace(day=1) - timedelta(days=20)).replace(hour=7)
    add_downtime(
        session,
        actor,
        asset_id,
        stop,
        stop + timedelta(hours=5),
        cause="power outage at the customer's plant",
        excluded=True,
    )
    add_downtime(
        session,
        actor,
        asset_id,
        stop + timedelta(days=3),
        stop + timedelta(days=3, hours=3),
        cause=rng.choice(CAUSES),
    )
    return contract
