"""A small contract worked out by hand, shared by the report tests.

Asset X of one account, a 24/7 contract from 1 Sep 2026: target 98 %, penalty 2 % of the
10,000 EUR fee per 0.5 point below (cap 10 %), bonus 1 % per 0.5 point above (cap 3 %).
Heartbeats "running" every day at 12:00 keep the status known all along.

September (720 h): down 10 Sep 00:00–12:00 → 708 / 720 = 98.3333 %: on target, 0 EUR.
October (744 h): down 5 Oct 00:00 – 6 Oct 00:00 (24 h, reported twice: one stop),
planned maintenance 20 Oct 08:00–12:00 (4 h), an excluded record 25 Oct 00:00–02:00
(power cut on the customer's side): uptime 744 − 24 − 4 − 2 = 714,
availability 714 / (714 + 24) = 96.7480 %: 1.252 points below, 2 steps, −4 % = −400 EUR.
Energy 20 kWh a day in October = 620 kWh; operating hours 714; 0.868347 kWh/h.
August: not in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from servitize.contracts import service as contracts
from servitize.contracts.models import AvailabilityContract
from servitize.installed_base.models import Account, Asset
from servitize.telemetry import consent
from servitize.telemetry.downtime import add_downtime
from servitize.telemetry.store import Batch, TelemetryStore
from servitize.trust import audit
from servitize.trust.models import User
from tests import builders
from tests.telemetry.helpers import us, utc

ACTOR = audit.Actor("test")
AT = utc("2026-11-05T00:00")
OCT_AVAILABILITY = round(100 * 714 / 738, 4)
SEP_AVAILABILITY = round(100 * 708 / 720, 4)


@dataclass
class World:
    """The records of the worked case."""

    owner: User
    stranger: User
    account: Account
    asset: Asset
    contract: AvailabilityContract
    store: TelemetryStore


def events(serial: str) -> list[tuple[str, str, str]]:
    """The status events of asset X."""
    out, day = [], utc("2026-08-31T12:00")
    while day <= utc("2026-11-01T12:00"):
        state = "down" if day == utc("2026-10-05T12:00") else "running"  # a repeated down report
        out.append((serial, day.strftime("%Y-%m-%dT%H:%M"), state))
        day += timedelta(days=1)
    out += [
        (serial, "2026-09-10T00:00", "down"),
        (serial, "2026-10-05T00:00", "down"),
        (serial, "2026-10-06T00:00", "running"),
        (serial, "2026-10-20T08:00", "planned_maintenance"),
    ]
    return out


def build(session: Session, data_dir) -> World:  # type: ignore[no-untyped-def]
    """Account, owner, asset, consent, contract, telemetry under ``data_dir/telemetry``."""
    owner = builders.user(session, role="account_owner", full_name="Olga Owner")
    stranger = builders.user(session, role="account_owner", full_name="Sam Stranger")
    account = builders.account(session, name="Nordwerk Pressen GmbH", owner_id=owner.id)
    asset = builders.asset(session, account, serial=f"X-{account.id}", model="PX-400")
    store = TelemetryStore(data_dir / "telemetry")
    batch = Batch()
    for serial, ts, state in events(asset.serial or ""):
        batch.add_status(serial, us(ts), state, None, us("2026-11-01T13:00"), "test")
    day = utc("2026-10-01T06:00")
    while day < utc("2026-11-01T00:00"):
        batch.add_measure(
            asset.serial or "",
            int(day.timestamp()) * 1_000_000,
            "energy_kwh",
            20.0,
            "kWh",
            us("2026-11-01T13:00"),
            "test",
        )
        day += timedelta(days=1)
    store.write(batch)
    consent.record_agreement(
        session,
        ACTOR,
        account.id,
        ["status", "usage", "energy"],
        ["contract_verification"],
        utc("2026-01-01T00:00"),
    )
    contract = contracts.create_contract(
        session,
        ACTOR,
        external_id=f"AV-{account.id}",
        account_id=account.id,
        name="Press line availability",
        target_pct=98.0,
        fee_cents=10_000_00,
        penalty_pct_per_step=2,
        penalty_step_points=0.5,
        penalty_cap_pct=10,
        bonus_pct_per_step=1,
        bonus_step_points=0.5,
        bonus_cap_pct=3,
        valid_from=utc("2026-09-01T00:00"),
    )
    add_downtime(
        session,
        ACTOR,
        asset.id,
        utc("2026-10-25T00:00"),
        utc("2026-10-25T02:00"),
        cause="power cut on the customer's side",
        excluded=True,
    )
    return World(owner, stranger, account, asset, contract, store)
