"""Pure rules of availability contracts: how a measured month settles against the bands."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Bands:
    """Penalty and bonus bands: percent of the period fee per step of points, capped."""

    target_pct: float
    penalty_pct_per_step: float = 0.0
    penalty_step_points: float = 0.5
    penalty_cap_pct: float = 0.0
    bonus_pct_per_step: float = 0.0
    bonus_step_points: float = 0.5
    bonus_cap_pct: float = 0.0


@dataclass(frozen=True)
class Settlement:
    """The result of a period: band, steps, percent of the fee and amount (negative = penalty)."""

    band: (
        str  # "penalty", "bonus", "on_target", "below_target" (no full step) or "unknown" (no data)
    )
    steps: int
    fee_pct: float
    amount_cents: int


def settle(measured_pct: float | None, fee_cents: int, bands: Bands) -> Settlement:
    """Penalty per full step below target, bonus per full step above it, each capped."""
    if measured_pct is None:
        return Settlement("unknown", 0, 0.0, 0)
    gap = round(measured_pct - bands.target_pct, 9)  # float noise must not cost a step
    if gap < 0 and bands.penalty_step_points > 0:
        steps = math.floor(-gap / bands.penalty_step_points + 1e-9)
        pct = min(steps * bands.penalty_pct_per_step, bands.penalty_cap_pct)
        band = "penalty" if steps and pct else "below_target"  # below target is never "on target"
        return Settlement(band, steps, -pct, -round(fee_cents * pct / 100))
    if gap < 0:
        return Settlement("below_target", 0, 0.0, 0)
    if gap > 0 and bands.bonus_step_points > 0:
        steps = math.floor(gap / bands.bonus_step_points + 1e-9)
        pct = min(steps * bands.bonus_pct_per_step, bands.bonus_cap_pct)
        band = "bonus" if steps and pct else "on_target"
        return Settlement(band, steps, pct, round(fee_cents * pct / 100))
    return Settlement("on_target", 0, 0.0, 0)
