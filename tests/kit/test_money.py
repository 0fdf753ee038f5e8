"""Money and Rates by hand-computed examples (docs/money.md's convention)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from servitize.kit.money import Money, Rates, convert, from_cents, to_cents


def test_money_rounds_half_to_even_to_the_cent() -> None:
    assert Money(Decimal("1.005"), "EUR").amount == Decimal("1.00")  # 0 is even
    assert Money(Decimal("1.015"), "EUR").amount == Decimal("1.02")  # 2 is even
    assert Money(Decimal("-2.675"), "EUR").amount == Decimal("-2.68")
    assert Money(12, "EUR").amount == Decimal("12.00")


def test_cents_are_an_int() -> None:
    assert Money(Decimal("1234.56"), "EUR").cents == 123456
    assert Money(Decimal("-0.10"), "SEK").cents == -10
    assert Money.of_cents(150, "CHF") == Money(Decimal("1.50"), "CHF")


def test_add_and_subtract_in_one_currency() -> None:
    a, b = Money(Decimal("10.10"), "EUR"), Money(Decimal("0.95"), "EUR")
    assert a + b == Money(Decimal("11.05"), "EUR")
    assert a - b == Money(Decimal("9.15"), "EUR")
    assert -a == Money(Decimal("-10.10"), "EUR")


def test_adding_two_currencies_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot add or subtract SEK and EUR: convert first"):
        _ = Money(Decimal(1), "EUR") + Money(Decimal(1), "SEK")
    with pytest.raises(ValueError, match="convert first"):
        _ = Money(Decimal(1), "EUR") - Money(Decimal(1), "SEK")


def test_multiply_by_decimal_or_int_rounds_to_the_cent() -> None:
    price = Money(Decimal("19.99"), "EUR")
    assert price * 3 == Money(Decimal("59.97"), "EUR")
    assert 3 * price == Money(Decimal("59.97"), "EUR")
    # 19.99 x 0.15 = 2.9985 -> 3.00 ; 0.25 x 0.1 = 0.025 -> 0.02 (half to even)
    assert price * Decimal("0.15") == Money(Decimal("3.00"), "EUR")
    assert Money(Decimal("0.25"), "EUR") * Decimal("0.1") == Money(Decimal("0.02"), "EUR")


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="amount: give a Decimal or an int"):
        Money(1.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _ = Money(Decimal(1), "EUR") * 1.5  # type: ignore[operator]


def test_currency_must_be_a_three_letter_code() -> None:
    with pytest.raises(ValueError, match="currency: 'EURO' is not a three-letter code"):
        Money(Decimal(1), "EURO")


def test_formatting_like_the_pages() -> None:
    assert str(Money(Decimal("1234.5"), "EUR")) == "1,234.50 EUR"
    assert Money(Decimal("12500.49"), "EUR").whole() == "12,500 EUR"


def test_cents_parsing() -> None:
    assert to_cents("1234.5") == 123450
    assert to_cents("0.005") == 0  # half to even
    assert to_cents("0.015") == 2
    assert from_cents(123450) == Decimal("1234.50")
    assert from_cents(None) is None
    with pytest.raises(ValueError, match=r"not an amount: '1,234\.50'"):
        to_cents("1,234.50")
    with pytest.raises(ValueError, match="not an amount"):
        to_cents("NaN")


SEK = [(date(2026, 1, 1), 0.09), (date(2026, 3, 1), 0.1), (date(2026, 6, 1), 0.11)]


def test_rate_in_force_on_the_day() -> None:
    rates = Rates({"SEK": SEK}, "EUR")
    assert rates.rate_on("SEK", date(2026, 2, 28)) == 0.09
    assert rates.rate_on("SEK", date(2026, 3, 1)) == 0.1  # dated that day: in force
    assert rates.rate_on("SEK", date(2025, 12, 1)) == 0.09  # before every rate: the oldest
    assert rates.rate_on("EUR", date(2026, 1, 1)) == 1.0
    assert rates.rate_on("CHF", date(2026, 1, 1)) is None


def test_convert_at_the_rate_of_the_day() -> None:
    rates = Rates({"SEK": SEK}, "EUR")
    # 1,000.00 SEK on 2026-03-01 x 0.1 = 100.00 EUR
    assert rates.convert(100000, "SEK", date(2026, 3, 1)) == 10000
    # 12.35 SEK x 0.09 = 1.1115 EUR -> 111.15 cents -> 111 cents
    assert rates.convert(1235, "SEK", date(2026, 2, 1)) == 111
    # 0.25 SEK... 25 cents x 0.1 = 2.5 -> 2 (half to even); 35 x 0.1 = 3.5 -> 4
    assert rates.convert(25, "SEK", date(2026, 4, 1)) == 2
    assert rates.convert(35, "SEK", date(2026, 4, 1)) == 4
    assert rates.convert(500, "EUR", date(2026, 4, 1)) == 500
    assert rates.convert(500, "CHF", date(2026, 4, 1)) is None
    assert convert(1235, Decimal("0.09")) == 111


def test_as_of_drops_rates_not_in_force_yet() -> None:
    rates = Rates({"SEK": SEK, "NOK": [(date(2026, 9, 1), 0.085)]}, "EUR", as_of=date(2026, 4, 1))
    # the June rate is not used, not even for a later day
    assert rates.convert(100000, "SEK", date(2026, 7, 1)) == 10000
    # NOK has only a rate ahead: unconverted
    assert rates.convert(100000, "NOK", date(2026, 4, 1)) is None


def test_sum_keeps_currencies_without_a_rate_apart() -> None:
    rates = Rates({"SEK": SEK}, "EUR")
    done = rates.sum(
        [
            (100000, "SEK", date(2026, 1, 15)),  # x 0.09 = 9,000 cents
            (100000, "SEK", date(2026, 6, 15)),  # x 0.11 = 11,000 cents
            (5000, "EUR", date(2026, 6, 15)),
            (150000, "CHF", date(2026, 6, 15)),
            (50, "CHF", date(2026, 6, 16)),
        ]
    )
    assert done.cents == 9000 + 11000 + 5000
    assert done.currency == "EUR"
    assert done.unconverted == {"CHF": 150050}
    assert done.unconverted_money() == [Money(Decimal("1500.50"), "CHF")]


def test_convert_to_another_currency_through_the_company_currency() -> None:
    rates = Rates({"SEK": SEK, "USD": [(date(2026, 1, 1), 0.8)]}, "EUR")
    # 1,000.00 SEK x 0.1 = 100.00 EUR; / 0.8 = 125.00 USD
    assert rates.convert_to(100000, "SEK", "USD", date(2026, 3, 1)) == 12500
    # 10.01 EUR / 0.8 = 12.5125 USD -> 1251.25 cents -> 1251
    assert rates.convert_to(1001, "EUR", "USD", date(2026, 3, 1)) == 1251
    assert rates.convert_to(1001, "SEK", "EUR", date(2026, 3, 1)) == 100  # 100.1 -> 100
    assert rates.convert_to(700, "CHF", "CHF", date(2026, 3, 1)) == 700
    assert rates.convert_to(700, "CHF", "USD", date(2026, 3, 1)) is None
    assert rates.convert_to(700, "EUR", "CHF", date(2026, 3, 1)) is None
