"""``Rates.convert_array`` converts Arrow columns to exactly the cents ``Rates.convert`` gives
each row (docs/money.md's convention): hand-worked cents, then random records against the
row-by-row conversion (the way the records were converted before, an independent reference)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

import pyarrow as pa
import pytest

from servitize.kit.money import Rates

SERIES = {
    "USD": [(date(2026, 1, 1), 0.9), (date(2026, 3, 1), 0.95)],
    "SEK": [(date(2026, 2, 1), 0.087)],
    "HLF": [(date(2026, 1, 1), 0.5)],
    "NXT": [(date(2026, 12, 1), 2.0)],  # dated after the run's day below
}


def _convert(rates: Rates, rows: list[tuple[int | None, str | None, date]]) -> list[int | None]:
    cents, currencies, days = zip(*rows, strict=True)
    out = rates.convert_array(
        pa.array(cents, pa.int64()), pa.array(currencies, pa.string()), pa.array(days, pa.date32())
    )
    assert out.type == pa.int64()
    values: list[int | None] = out.to_pylist()
    return values


def test_hand_worked_cents() -> None:
    rates = Rates(SERIES, "EUR")
    rows = [
        (100_00, "USD", date(2025, 12, 15)),  # before every USD rate: the oldest, 0.9
        (100_00, "USD", date(2026, 2, 28)),  # 0.9 still in force
        (100_00, "USD", date(2026, 3, 1)),  # on the second rate's day: 0.95
        (100_00, "USD", date(2027, 1, 1)),  # after the last: 0.95
        (1234, "SEK", date(2026, 6, 1)),  # 12.34 SEK x 0.087 = 1.07358 EUR
        (5, "HLF", date(2026, 6, 1)),  # 2.5 cents: half to even, 2
        (7, "HLF", date(2026, 6, 1)),  # 3.5 cents: 4
        (-5, "HLF", date(2026, 6, 1)),  # -2.5: -2
        (-7, "HLF", date(2026, 6, 1)),  # -3.5: -4
        (-123_45, "EUR", date(2026, 6, 1)),  # the company currency 1:1
        (500_00, "GBP", date(2026, 6, 1)),  # no GBP rate: never 1:1, null
        (None, "USD", date(2026, 6, 1)),  # no amount: null
        (100, None, date(2026, 6, 1)),  # no currency: null
        (9_000_000_000_000_00, "USD", date(2026, 6, 1)),  # 9 trillion x 0.95
    ]
    assert _convert(rates, rows) == [
        90_00,
        90_00,
        95_00,
        95_00,
        107,
        2,
        4,
        -2,
        -4,
        -123_45,
        None,
        None,
        None,
        8_550_000_000_000_00,
    ]


def test_a_rate_dated_after_as_of_is_never_used() -> None:
    rates = Rates(SERIES, "EUR", as_of=date(2026, 11, 23))
    rows = [(100_00, "NXT", date(2026, 11, 23)), (100_00, "USD", date(2026, 11, 23))]
    assert _convert(rates, rows) == [None, 95_00]
    assert _convert(Rates(SERIES, "EUR"), rows[:1]) == [200_00]  # without as_of: the oldest


def test_a_product_longer_than_the_decimal_context_is_rounded_as_convert_rounds_it() -> None:
    # 5,000,000,000,000,003 cents x 0.3333333333333333 = 1,666,666,666,666,666.5 + 0.9999999999999999
    # = 1,666,666,666,666,667.4999999999999999 exactly: 32 digits. convert's decimal product
    # keeps 28 (the context's precision), 1,666,666,666,666,667.500000000000, which rounds half
    # to even up to ...668, where the exact product rounds down to ...667.
    rates = Rates({"THR": [(date(2026, 1, 1), 0.3333333333333333)]}, "EUR")
    row = (5_000_000_000_000_003, "THR", date(2026, 6, 1))
    assert rates.convert(*row) == 1_666_666_666_666_668
    assert _convert(rates, [row, (5_000_000_000_000_002, "THR", date(2026, 6, 1))]) == [
        1_666_666_666_666_668,
        1_666_666_666_666_667,  # ...667.16666666666666: short of a half either way
    ]


def test_a_product_too_long_for_a_whole_cent_fails_as_convert_fails() -> None:
    rates = Rates({"BIG": [(date(2026, 1, 1), 1e16)]}, "EUR")
    with pytest.raises(InvalidOperation):
        rates.convert(10**13, "BIG", date(2026, 6, 1))
    with pytest.raises(InvalidOperation):
        _convert(rates, [(10**13, "BIG", date(2026, 6, 1))])
    assert _convert(rates, [(3, "BIG", date(2026, 6, 1))]) == [3 * 10**16]


def _random_series(rng: random.Random) -> dict[str, list[tuple[date, float]]]:
    """Rates of many shapes: few and many decimals, 17-digit floats, tiny and large rates,
    halves, zero, two rates on one day."""
    shapes = [
        lambda: round(rng.uniform(0.01, 20), rng.randint(1, 6)),
        lambda: rng.uniform(0.001, 3),  # a full 17-digit float
        lambda: rng.choice([0.5, 0.25, 1.5, 0.125, 2.5, 0.05]),
        lambda: rng.uniform(1e-8, 1e-4),
        lambda: round(rng.uniform(1_000, 90_000), rng.randint(0, 3)),
        lambda: 0.0,
    ]
    series = {}
    for k in range(12):
        start = date(2025, 1, 1) + timedelta(days=rng.randint(0, 400))
        days = sorted(
            start + timedelta(days=rng.randint(0, 700)) for _ in range(rng.randint(1, 40))
        )
        series[f"C{k:02d}"] = [(d, rng.choice(shapes)()) for d in days]
    series["DUP"] = [(date(2026, 1, 1), 0.5), (date(2026, 1, 1), 0.75), (date(2026, 2, 1), 1.25)]
    series["EUR"] = [(date(2026, 1, 1), 7.0)]  # the company currency stays 1:1 all the same
    return series


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_records_convert_to_the_cents_of_convert_row_by_row(seed: int) -> None:
    rng = random.Random(seed)
    series = _random_series(rng)
    currencies = [*series, "GBP", "XXX"]  # the last two without any rate
    as_of = date(2026, 6, 30) if seed == 3 else None
    rates = Rates(series, "EUR", as_of=as_of)
    rate_days = [d for s in series.values() for d, _ in s]
    amounts = [
        lambda: rng.randint(-100_000, 100_000),
        lambda: rng.randint(-(10**12), 10**12),
        lambda: rng.randint(-(10**14), 10**14),  # up to a trillion: products of 30+ digits
        lambda: rng.choice([1, -1, 3, -3, 5, -5, 25, -25, 0]),
    ]
    rows = []
    for _ in range(20_000):
        day = (
            rng.choice(rate_days)  # on a rate's day
            if rng.random() < 0.3
            else date(2024, 6, 1) + timedelta(days=rng.randint(0, 1_200))  # also before all
        )
        cents = None if rng.random() < 0.01 else rng.choice(amounts)()
        currency = None if rng.random() < 0.01 else rng.choice(currencies)
        rows.append((cents, currency, day))
    expected = [
        None if c is None or cur is None else rates.convert(c, cur, d) for c, cur, d in rows
    ]
    got = _convert(rates, rows)
    mismatches = [(r, e, g) for r, e, g in zip(rows, expected, got, strict=True) if e != g]
    assert mismatches == []
    assert sum(e is None for e in expected) > 100  # the missing currencies are exercised
    halves = longs = 0  # exact half cents and products longer than 28 digits, in Decimal
    for c, cur, d in rows:
        rate = None if c is None or cur in {None, "EUR"} else rates.rate_on(cur, d)
        if rate is not None and c is not None:
            product = Decimal(c) * Decimal(str(rate))
            halves += abs(product) % 1 == Decimal("0.5")
            longs += abs(c) * int("".join(map(str, Decimal(str(rate)).as_tuple().digits))) >= 10**28
    assert halves > 20
    assert longs > 20


def test_half_cents_round_to_even_like_decimal() -> None:
    # an independent reference for the rounding: Decimal's quantize, half to even
    rates = Rates({"HLF": [(date(2026, 1, 1), 0.5)]}, "EUR")
    rows = [(c, "HLF", date(2026, 6, 1)) for c in range(-41, 42)]
    want = [
        int((Decimal(c) / 2).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)) for c in range(-41, 42)
    ]
    assert _convert(rates, rows) == want


def test_chunked_and_empty_columns() -> None:
    rates = Rates(SERIES, "EUR")
    out = rates.convert_array(
        pa.chunked_array([[100_00], [200_00]], pa.int64()),
        pa.chunked_array([["USD"], ["SEK"]], pa.string()),
        pa.chunked_array([[date(2026, 6, 1)], [date(2026, 6, 1)]], pa.date32()),
    )
    assert out.to_pylist() == [95_00, 17_40]
    empty = rates.convert_array(
        pa.array([], pa.int64()), pa.array([], pa.string()), pa.array([], pa.date32())
    )
    assert empty.type == pa.int64() and len(empty) == 0


def test_a_series_out_of_day_order_is_searched_as_convert_searches_it() -> None:
    # RateTable promises rates sorted by day; a series that is not goes through convert itself
    series = {"UNS": [(date(2026, 3, 1), 0.5), (date(2026, 1, 1), 2.0), (date(2026, 5, 1), 4.0)]}
    rates = Rates(series, "EUR")
    days = [date(2025, 12, 1) + timedelta(days=d) for d in range(0, 200, 7)]
    rows: list[tuple[int | None, str | None, date]] = [(100, "UNS", d) for d in days]
    assert _convert(rates, rows) == [rates.convert(100, "UNS", d) for d in days]
