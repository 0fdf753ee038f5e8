"""The clause of an availability contract: what a month's measured availability costs or earns.

Four kinds, each a pure rule (no I/O) with the words the customer reads on the contract:

- **step bands** (``StepBands``): a share of the period fee per full step of points below target
  (penalty) or above it (bonus), each capped — the settlement of ``contracts.rules.settle``;
- **linear** (``Linear``): a penalty of ``k`` percent of the fee per point of shortfall below
  target, capped; below the **floor** the service was not delivered and the payment factor is
  zero: the whole period fee is credited (the cap does not apply below the floor);
- **bonus** (``Bonus``): ``k`` percent of the fee per point above target, capped (it combines
  with a penalty clause: ``Combined``);
- **liquidated damages** (``LiquidatedDamages``): an agreed amount per hour of shortfall, the
  hours being the share of scheduled hours below target, capped at an amount.

An unknown availability (too little data) never settles money: the result is ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from servitize.contracts.rules import Bands, Settlement, settle
from servitize.core.errors import InvalidInput
from servitize.kit.money import whole_cents


def _dec(value: float) -> Decimal:
    # Measured percentages arrive as floats rounded to 4 places; read them exactly as shown.
    return Decimal(str(round(value, 6)))


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _money(c: int, currency: str) -> str:
    return f"{Decimal(c) / 100:,.2f} {currency}"


def _check_pct(name: str, value: Decimal, top: Decimal = Decimal(100)) -> None:
    if not 0 <= value <= top:
        raise InvalidInput(f"{name} must lie between 0 and {top} (got {value})")


UNKNOWN = Settlement("unknown", 0, 0.0, 0)


@dataclass(frozen=True)
class StepBands:
    """Today's clause: steps of points, a share of the fee per step, caps."""

    bands: Bands

    def settle(
        self, measured_pct: float | None, fee_cents: int, scheduled_hours: float = 0
    ) -> Settlement:
        return settle(measured_pct, fee_cents, self.bands)

    def words(self, currency: str) -> str:
        b = self.bands
        text = f"Availability target {b.target_pct:g} %."
        if b.penalty_pct_per_step:
            text += (
                f" For each full {b.penalty_step_points:g} points below target, "
                f"{b.penalty_pct_per_step:g} % of the monthly fee is credited, "
                f"at most {b.penalty_cap_pct:g} %."
            )
        if b.bonus_pct_per_step:
            text += (
                f" For each full {b.bonus_step_points:g} points above target, a bonus of "
                f"{b.bonus_pct_per_step:g} % of the monthly fee, at most {b.bonus_cap_pct:g} %."
            )
        return text


@dataclass(frozen=True)
class Linear:
    """k % of the fee per point below target, capped; nothing paid below the floor."""

    target_pct: Decimal
    pct_per_point: Decimal
    cap_pct: Decimal
    floor_pct: Decimal | None = None

    def __post_init__(self) -> None:
        _check_pct("target_pct", self.target_pct)
        _check_pct("cap_pct", self.cap_pct)
        if self.pct_per_point < 0:
            raise InvalidInput(f"pct_per_point must not be negative (got {self.pct_per_point})")
        if self.floor_pct is not None and not 0 <= self.floor_pct < self.target_pct:
            raise InvalidInput(
                f"floor_pct must lie below the target {self.target_pct} (got {self.floor_pct})"
            )

    def settle(
        self, measured_pct: float | None, fee_cents: int, scheduled_hours: float = 0
    ) -> Settlement:
        if measured_pct is None:
            return UNKNOWN
        measured = _dec(measured_pct)
        if self.floor_pct is not None and measured < self.floor_pct:
            return Settlement("below_floor", 0, -100.0, -fee_cents)
        shortfall = self.target_pct - measured
        if shortfall <= 0:
            return Settlement("on_target", 0, 0.0, 0)
        pct = min(shortfall * self.pct_per_point, self.cap_pct)
        return Settlement("penalty", 0, -float(pct), -whole_cents(fee_cents * pct / 100))

    def words(self, currency: str) -> str:
        text = (
            f"Availability target {_pct(self.target_pct)} %. For each point of availability "
            f"below target, {_pct(self.pct_per_point)} % of the monthly fee is credited "
            f"(in proportion for part of a point), at most {_pct(self.cap_pct)} %."
        )
        if self.floor_pct is not None:
            text += f" Below {_pct(self.floor_pct)} % availability no fee is due for the month."
        return text


@dataclass(frozen=True)
class Bonus:
    """k % of the fee per point above target, capped."""

    target_pct: Decimal
    pct_per_point: Decimal
    cap_pct: Decimal

    def __post_init__(self) -> None:
        _check_pct("target_pct", self.target_pct)
        _check_pct("cap_pct", self.cap_pct)
        if self.pct_per_point < 0:
            raise InvalidInput(f"pct_per_point must not be negative (got {self.pct_per_point})")

    def settle(
        self, measured_pct: float | None, fee_cents: int, scheduled_hours: float = 0
    ) -> Settlement:
        if measured_pct is None:
            return UNKNOWN
        excess = _dec(measured_pct) - self.target_pct
        if excess <= 0:
            return Settlement("on_target", 0, 0.0, 0)
        pct = min(excess * self.pct_per_point, self.cap_pct)
        return Settlement("bonus", 0, float(pct), whole_cents(fee_cents * pct / 100))

    def words(self, currency: str) -> str:
        return (
            f"For each point of availability above {_pct(self.target_pct)} %, a bonus of "
            f"{_pct(self.pct_per_point)} % of the monthly fee (in proportion for part of a "
            f"point), at most {_pct(self.cap_pct)} %."
        )


@dataclass(frozen=True)
class LiquidatedDamages:
    """An agreed amount per hour of shortfall below target, capped at an amount."""

    target_pct: Decimal
    per_hour_cents: int
    cap_cents: int

    def __post_init__(self) -> None:
        _check_pct("target_pct", self.target_pct)
        if self.per_hour_cents < 0 or self.cap_cents < 0:
            raise InvalidInput("per_hour_cents and cap_cents must not be negative")

    def shortfall_hours(self, measured_pct: float, scheduled_hours: float) -> Decimal:
        """Scheduled hours times the points below target, as hours."""
        gap = max(self.target_pct - _dec(measured_pct), Decimal(0))
        return _dec(scheduled_hours) * gap / 100

    def settle(
        self, measured_pct: float | None, fee_cents: int, scheduled_hours: float = 0
    ) -> Settlement:
        if measured_pct is None:
            return UNKNOWN
        hours = self.shortfall_hours(measured_pct, scheduled_hours)
        if hours <= 0:
            return Settlement("on_target", 0, 0.0, 0)
        amount = min(whole_cents(hours * self.per_hour_cents), self.cap_cents)
        pct = float(Decimal(amount) * 100 / fee_cents) if fee_cents else 0.0
        return Settlement("damages", 0, -round(pct, 4), -amount)

    def words(self, currency: str) -> str:
        return (
            f"Availability target {_pct(self.target_pct)} % of scheduled hours. For each hour "
            f"of availability below target, liquidated damages of "
            f"{_money(self.per_hour_cents, currency)}, at most "
            f"{_money(self.cap_cents, currency)} a month."
        )


@dataclass(frozen=True)
class Combined:
    """A penalty clause and a bonus clause on the same month (at most one of them pays)."""

    penalty: Linear | LiquidatedDamages
    bonus: Bonus

    def settle(
        self, measured_pct: float | None, fee_cents: int, scheduled_hours: float = 0
    ) -> Settlement:
        first = self.penalty.settle(measured_pct, fee_cents, scheduled_hours)
        if first.amount_cents or first.band in {"unknown", "below_floor"}:
            return first
        return self.bonus.settle(measured_pct, fee_cents, scheduled_hours)

    def words(self, currency: str) -> str:
        return f"{self.penalty.words(currency)} {self.bonus.words(currency)}"


Clause = StepBands | Linear | Bonus | LiquidatedDamages | Combined


def clause_from(kind: str, params: dict[str, object]) -> Clause:
    """A clause from its stored kind and parameters (what a quote line or contract holds)."""

    def d(name: str, default: object = None) -> Decimal:
        value = params.get(name, default)
        if value is None:
            raise InvalidInput(f"the {kind} clause needs {name}")
        try:
            return Decimal(str(value))
        except ArithmeticError:
            raise InvalidInput(f"{name} must be a number (got {value!r})") from None

    if kind == "linear":
        floor = params.get("floor_pct")
        return Linear(
            d("target_pct"),
            d("pct_per_point"),
            d("cap_pct"),
            None if floor is None else d("floor_pct"),
        )
    if kind == "bonus":
        return Bonus(d("target_pct"), d("pct_per_point"), d("cap_pct"))
    if kind == "damages":
        return LiquidatedDamages(d("target_pct"), int(d("per_hour_cents")), int(d("cap_cents")))
    if kind == "linear_bonus":
        return Combined(
            clause_from("linear", params),  # type: ignore[arg-type]
            Bonus(d("target_pct"), d("bonus_pct_per_point"), d("bonus_cap_pct")),
        )
    if kind == "steps":
        return StepBands(
            Bands(
                float(d("target_pct")),
                float(d("penalty_pct_per_step", 0)),
                float(d("penalty_step_points", "0.5")),
                float(d("penalty_cap_pct", 0)),
                float(d("bonus_pct_per_step", 0)),
                float(d("bonus_step_points", "0.5")),
                float(d("bonus_cap_pct", 0)),
            )
        )
    raise InvalidInput(
        f"unknown clause kind {kind!r}; one of: steps, linear, bonus, linear_bonus, damages"
    )
