"""Importing exchange rates: keyed by currency and date, validated, upserted with audit."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from servitize.installed_base.columns import IMPORT_ORDER
from servitize.installed_base.models import ExchangeRate
from tests.installed_base.importing.helpers import rejects, run, write

TODAY = date(2026, 11, 23)


# Months handed out one after the other from a random start: two tests of one run never draw
# the same month (random draws did, one run in a few dozen).
_MONTHS = itertools.count(random.randrange(500))


def _days() -> list[str]:
    """Three days of a month no other test uses (the test database is shared)."""
    first = date(1950, 1, 1) + timedelta(days=28 * (next(_MONTHS) % 500))
    return [(first + timedelta(days=i)).isoformat() for i in range(3)]


def _rates(engine: Engine, days: list[str]) -> dict[tuple[str, str], float]:
    wanted = [date.fromisoformat(d) for d in days]
    with engine.connect() as conn:
        rows = conn.execute(select(ExchangeRate).where(ExchangeRate.day.in_(wanted))).all()
    return {(r.currency, r.day.isoformat()): r.rate for r in rows}


def test_exchange_rates_come_first_in_the_import_order():
    assert IMPORT_ORDER[0] == "exchange-rates"


def test_bad_rates_are_rejected_with_reasons(engine: Engine, tmp_path: Path):
    d1, d2, _ = _days()
    text = (
        "currency,date,rate\n"
        f"usd,{d1},0.925\n"  # 2: lower case currency is fine
        f"GBP,{d1},1.17\n"  # 3
        f"XYZ,{d1},1.5\n"  # 4: not a currency
        f"CHF,{d1},0\n"  # 5: not above 0
        f"SEK,{d1},-0.1\n"  # 6: negative
        f"JPY,2030-01-01,0.006\n"  # 7: in the future
        f"CAD,,0.7\n"  # 8: date missing
        f"USD,{d1},0.93\n"  # 9: currency and date again
        f"USD,{d2},abc\n"  # 10: not a number
    )
    result = run(
        engine, "exchange-rates", write(tmp_path / "exchange-rates.csv", text), today=TODAY
    )

    assert (result.read, result.landed, result.rejected) == (9, 2, 7)
    got = {int(r["line"]): r["reason"] for r in rejects(result)}
    assert got == {
        4: "currency 'XYZ' is not an ISO 4217 code",
        5: "rate '0' is not above 0",
        6: "rate '-0.1' is not above 0",
        7: "date '2030-01-01' is in the future",
        8: "date is required",
        9: f"currency 'USD' date '{d1}' appears again (first at line 2)",
        10: "rate 'abc' is not a number",
    }
    assert _rates(engine, [d1, d2]) == {("USD", d1): 0.925, ("GBP", d1): 1.17}


def test_reimport_changes_nothing_and_a_changed_rate_updates(engine: Engine, tmp_path: Path):
    d1, d2, d3 = _days()
    rows = [f"USD,{d1},0.91\n", f"USD,{d2},0.92\n", f"GBP,{d2},1.15\n"]
    path = write(tmp_path / "exchange-rates.csv", "currency,date,rate\n" + "".join(rows))
    first = run(engine, "exchange-rates", path, today=TODAY)
    assert (first.inserted, first.updated, first.unchanged, first.rejected) == (3, 0, 0, 0)

    again = run(engine, "exchange-rates", path, today=TODAY)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)

    rows[1] = f"USD,{d2},0.925\n"
    rows.append(f"USD,{d3},0.93\n")
    changed = run(
        engine, "exchange-rates", write(path, "currency,date,rate\n" + "".join(rows)), today=TODAY
    )
    assert (changed.inserted, changed.updated, changed.unchanged) == (1, 1, 2)
    assert _rates(engine, [d1, d2, d3]) == {
        ("USD", d1): 0.91,
        ("USD", d2): 0.925,
        ("GBP", d2): 1.15,
        ("USD", d3): 0.93,
    }


def test_strict_lands_no_rate_when_one_is_bad(engine: Engine, tmp_path: Path):
    d1, _, _ = _days()
    path = write(tmp_path / "rates.csv", f"currency;date;rate\nUSD;{d1};0.9\nEUR;{d1};x\n")
    result = run(engine, "exchange-rates", path, strict=True, today=TODAY)
    assert (result.read, result.landed, result.rejected, result.invalid) == (2, 0, 2, 1)
    assert _rates(engine, [d1]) == {}
