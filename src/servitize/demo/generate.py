"""Writing the sample manufacturer: all import files, chunk by chunk, deterministic per seed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from servitize.demo import accounts as accounts_mod
from servitize.demo import fleet as fleet_mod
from servitize.demo import frames, history, people, purchases
from servitize.demo.catalogue import OFFERINGS
from servitize.demo.world import COUNTRIES, EUR_RATE
from servitize.installed_base.columns import IMPORT_ORDER, KINDS

CHUNK = 1000  # accounts per chunk; part of the seed's meaning, so never change it lightly
_STAFF, _CHUNK, _RATES = 1, 2, 3  # random streams
RATE_STEP = 0.015  # monthly standard deviation of a currency's log rate


def _rng(seed: int, stream: int, index: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, stream, index]))


def offerings_table() -> dict[str, pa.Array]:
    """The catalogue file."""
    return {
        "external_id": frames.text([o.external_id for o in OFFERINGS]),
        "name": frames.text([o.name for o in OFFERINGS]),
        "family": frames.text([o.family for o in OFFERINGS]),
        "shell": frames.text([o.shell for o in OFFERINGS]),
        "revenue_model": frames.text([o.revenue_model for o in OFFERINGS]),
        "list_price": frames.money(np.array([o.price for o in OFFERINGS])),
        "currency": frames.text(["EUR"] * len(OFFERINGS)),
        "unit": frames.text([o.unit for o in OFFERINGS]),
        "sign_up_eligible": frames.text(["true" if o.sign_up else "false" for o in OFFERINGS]),
    }


def exchange_rates_table(seed: int, today: int) -> dict[str, pa.Array]:
    """Monthly rates (first of the month) of the demo's currencies over the years of history.

    The rate is the value of one unit of the currency in EUR (the demo's company currency): a
    small random walk per currency that ends at today's rate in ``world.EUR_RATE``.
    """
    rng = _rng(seed, _RATES)
    end = np.datetime64("1970-01-01", "D") + today
    first = (end - history.HISTORY_DAYS).astype("datetime64[M]")
    months = np.arange(first, end.astype("datetime64[M]") + 1).astype("datetime64[D]")
    currencies = sorted({c.currency for c in COUNTRIES} - {"EUR"})
    walk = rng.normal(0.0, RATE_STEP, (len(currencies), len(months))).cumsum(axis=1)
    rates = np.exp(walk - walk[:, -1:]) / np.array([EUR_RATE[c] for c in currencies])[:, None]
    text = [
        np.format_float_positional(r, precision=6, unique=False, fractional=False, trim="-")
        for r in rates.ravel()
    ]
    return {
        "currency": frames.text([c for c in currencies for _ in months]),
        "date": frames.days(np.tile(months, len(currencies))),
        "rate": frames.text(text),
    }


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    columns = (
        TextColumn("sample manufacturer"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("accounts"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False) as bar:
        yield bar


def demo_data(
    out: Path, accounts: int, seed: int, today: date | None = None, progress: bool = False
) -> dict[str, tuple[Path, int]]:
    """Write the sample manufacturer into ``out``; per import kind its file and row count."""
    if accounts < 1 or seed < 0:
        raise ValueError("accounts must be at least 1 and seed not negative")
    today_day = ((today or date.today()) - date(1970, 1, 1)).days
    out.mkdir(parents=True, exist_ok=True)
    streams = {
        kind: frames.CsvStream(out / f"{kind}.csv", [c.name for c in KINDS[kind].columns])
        for kind in IMPORT_ORDER
    }
    try:
        streams["exchange-rates"].write(exchange_rates_table(seed, today_day))
        rng = _rng(seed, _STAFF)
        staff = people.make_staff(rng, accounts)
        dealers = accounts_mod.make_dealers(rng, accounts)
        streams["users"].write(staff.table())
        streams["offerings"].write(offerings_table())
        with _progress(progress, accounts) as bar:
            task = bar.add_task("build", total=accounts) if bar else None
            for index, first in enumerate(range(0, accounts, CHUNK)):
                n = min(CHUNK, accounts - first)
                _chunk(_rng(seed, _CHUNK, index), streams, staff, dealers, first, n, today_day)
                if bar is not None and task is not None:
                    bar.advance(task, n)
    finally:
        for stream in streams.values():
            stream.close()
    return {kind: (s.path, s.rows) for kind, s in streams.items()}


def write_demo_data(
    out: Path, accounts: int, seed: int, today: date | None = None, progress: bool = False
) -> dict[str, Path]:
    """Write the sample manufacturer as one CSV per import kind; the files by kind."""
    return {
        kind: path for kind, (path, _) in demo_data(out, accounts, seed, today, progress).items()
    }


def _chunk(
    rng: np.random.Generator,
    streams: dict[str, frames.CsvStream],
    staff: people.Staff,
    dealers: accounts_mod.Dealers,
    first: int,
    n: int,
    today: int,
) -> None:
    """Generate and append one chunk of accounts with everything that hangs off them."""
    acc = accounts_mod.sample(rng, first, n, staff, dealers, today)
    sites = accounts_mod.sample_sites(rng, acc, streams["sites"].rows)
    fleet = fleet_mod.build(rng, acc, sites, streams["assets"].rows, today)
    own = np.bincount(fleet.account, weights=fleet.own, minlength=n)
    volume = 1 + (own >= 4) + (own >= 8) + (own >= 15) + (own >= 30)
    total = np.bincount(fleet.account, minlength=n)
    mean_age = np.bincount(fleet.account, weights=fleet.age(today), minlength=n) / np.maximum(
        total, 1
    )
    technical_risk = 1 + (mean_age >= 5) + (mean_age >= 9) + (mean_age >= 13) + (mean_age >= 18)
    streams["accounts"].write(accounts_mod.accounts_table(acc, staff, volume, technical_risk, rng))
    streams["contacts"].write(
        people.contacts(
            rng,
            acc.external_id,
            accounts_mod.CULTURE_OF[acc.country],
            acc.readiness,
            acc.employees,
            acc.domain,
            [COUNTRIES[c].phone for c in acc.country.tolist()],
            streams["contacts"].rows,
        )
    )
    streams["sites"].write(accounts_mod.sites_table(rng, acc, sites))
    streams["competitors"].write(
        fleet_mod.competitors_table(rng, acc, fleet, streams["competitors"].rows)
    )
    streams["assets"].write(fleet_mod.assets_table(rng, acc, fleet))
    events = history.service_events(rng, acc, fleet, staff, today)
    streams["service-events"].write(
        history.events_table(rng, acc, fleet, staff, events, streams["service-events"].rows)
    )
    lines = purchases.orders(rng, acc, fleet, events, staff, today)
    streams["orders"].write(
        purchases.orders_table(acc, fleet, staff, lines, today, streams["orders"].rows)
    )
    streams["visits"].write(
        history.visits_table(rng, acc, sites, fleet, staff, events, today, streams["visits"].rows)
    )
