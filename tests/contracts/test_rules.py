"""Pure settlement rules of availability contracts: penalty and bonus bands, by hand."""

from __future__ import annotations

from servitize.contracts.rules import Bands, Settlement, settle


def test_settlement_bands_by_hand() -> None:
    bands = Bands(
        target_pct=98,
        penalty_pct_per_step=2,
        penalty_step_points=0.5,
        penalty_cap_pct=10,
        bonus_pct_per_step=1,
        bonus_step_points=0.5,
        bonus_cap_pct=3,
    )
    fee = 10_000_00
    # 97.2 is 0.8 below: one full step of 0.5 → 2 % of 10,000.00 = 200.00
    assert settle(97.2, fee, bands) == Settlement("penalty", 1, -2, -200_00)
    # exactly 1.0 below: two steps (no float noise) → 4 %
    assert settle(97.0, fee, bands).amount_cents == -400_00
    # 90 is 16 steps below: 32 % capped at 10 %
    assert settle(90.0, fee, bands) == Settlement("penalty", 16, -10, -1_000_00)
    # 0.1 below: no full step, no money, and never labelled "on target"
    assert settle(97.9, fee, bands) == Settlement("below_target", 0, 0, 0)
    # 98.20 against 98.5 (the report's case): below target; exactly on target is on target
    assert settle(98.2, fee, Bands(target_pct=98.5, penalty_step_points=0.5)).band == "below_target"
    assert settle(98.0, fee, bands).band == "on_target"
    # no penalty steps agreed: still below target
    assert settle(97.0, fee, Bands(target_pct=98, penalty_step_points=0)).band == "below_target"
    # 99.6 is 1.6 above: 3 steps → 3 %, 100 % would be 4 steps capped at 3 %
    assert settle(99.6, fee, bands) == Settlement("bonus", 3, 3, 300_00)
    assert settle(100.0, fee, bands).amount_cents == 300_00
    assert settle(None, fee, bands) == Settlement("unknown", 0, 0.0, 0)
