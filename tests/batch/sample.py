"""The batch's sample: a telemetry store of a few machines over four months, re-deliveries
included, built with a fixed seed so that both engines read the same files."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from servitize.telemetry.store import Batch, TelemetryStore

START = datetime(2026, 6, 1, tzinfo=UTC)
MONTHS = ("2026-06", "2026-07", "2026-08", "2026-09")
STATES = ("running", "running", "running", "idle", "down", "planned_maintenance")


def _us(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000


def write_sample(root: Path, machines: int = 24, seed: int = 17) -> TelemetryStore:
    """Status events every few hours and an energy reading per event, for ``machines`` serials
    from June to September 2026; every tenth batch is delivered twice (duplicate keys)."""
    rng = random.Random(seed)
    store = TelemetryStore(root)
    end = START + timedelta(days=122)
    for n in range(machines):
        serial = f"SN-{n:04d}"
        moment = START + timedelta(minutes=rng.randrange(0, 600))
        batch = Batch()
        sent = 0
        while moment < end:
            state = rng.choice(STATES)
            received = moment + timedelta(seconds=rng.randrange(1, 90))
            batch.add_status(serial, _us(moment), state, None, _us(received), "sample")
            if state == "running":
                kwh = round(rng.uniform(0.5, 40.0), 3)
                batch.add_measure(serial, _us(moment), "energy_kwh", kwh, "kWh", _us(received), "s")
            moment += timedelta(minutes=rng.randrange(30, 60 * 30))
            sent += 1
            if sent % 50 == 0:
                store.write(batch)
                if sent % 100 == 0:  # re-delivered: the same keys again, received later
                    for kind in batch.columns.values():
                        kind["received_at"] = [v + 1_000_000 for v in kind["received_at"]]  # type: ignore[operator]
                    store.write(batch)
                batch = Batch()
        store.write(batch)
    return store
