"""The records side of the batch's sample: the intelligence fleet (tests/intelligence/fleet.py),
plus one account per four sample machines with consent to use their telemetry, and repeat
orders for the CLV fit, in a migrated SQLite database of its own."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from servitize.core.db import make_engine, session_factory, session_scope
from servitize.telemetry import consent
from servitize.trust.audit import Actor
from tests import builders as b
from tests.conftest import migrated_sqlite
from tests.intelligence import fleet

AS_OF = date(2026, 9, 30)


def write_records(folder: Path, machines: int = 24, seed: int = 7) -> str:
    """A records database whose assets carry the sample's serials; returns its URL."""
    url = migrated_sqlite(folder / "records.db")
    fill_records(url, machines, seed)
    return url


def fill_records(url: str, machines: int = 24, seed: int = 7) -> None:
    """The sample's records written into the migrated, empty database at ``url``."""
    rng = random.Random(seed)
    engine = make_engine(url)
    try:
        with session_scope(session_factory(engine)) as session:
            built = fleet.build(session)
            offerings = [built["cm"], built["pm"], built["parts"]]
            for group in range(machines // 4):
                acc = b.account(
                    session,
                    name=f"Sample {group}",
                    territory="north",
                    volume=1 + group % 5,
                    profitability_potential=1 + (group * 3) % 5,
                )
                for n in range(group * 4, group * 4 + 4):
                    serial = f"SN-{n:04d}"
                    asset = b.asset(
                        session,
                        acc,
                        external_id=serial,
                        serial=serial,
                        product_line="pumps",
                        install_date=date(2015 + n % 10, 1 + n % 12, 1),
                        connectivity="current",
                    )
                    for k in range(n % 3):
                        b.service_event(
                            session,
                            asset,
                            component="seal",
                            day=AS_OF - timedelta(days=20 + 70 * k),
                            downtime_hours=3.0 + k,
                        )
                day = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 90))
                while day <= AS_OF:
                    b.order(
                        session,
                        acc,
                        rng.choice(offerings),
                        day=day,
                        amount_cents=rng.randrange(50_00, 2_000_00),
                    )
                    day += timedelta(days=rng.randrange(20, 200))
                if group % 2 == 0:
                    consent.record_agreement(
                        session,
                        Actor("test"),
                        acc.id,
                        ["status", "usage", "energy"],
                        ["service_offers"],
                        datetime(2026, 1, 1, tzinfo=UTC),
                    )
    finally:
        engine.dispose()
