"""The demo's value case: opened once for a customer with machines of ours, with an edit kept."""

from __future__ import annotations

from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.demo.value import demo_value, in_words
from tests import builders as b
from tests.value.world import DAY, build


def test_the_demo_opens_one_case_with_its_edit(session: Session) -> None:
    w = build(session)
    b.asset(session, w.account, model="VX-1", install_date=DAY.replace(year=2018))
    result = demo_value(session, Settings(), DAY)
    assert result["machines"] == 3
    # Savings a year, by hand:
    # downtime 12 h × 1,200.00 (the edit) × 30 % = 4,320.00;
    # parts and labour (5,500.00 + 19 h × 95.00) ÷ 3 years = 2,435.00;
    # energy 420,000 kWh × 0.21 × 5 % = 4,410.00;
    # risk: the fleet of VX-1 aged 5–10 years is now 4 machines × 3 years = 12 machine-years
    # with one major failure: 8.3333 % a year; its cost 4,000.00 + 10 h × 95.00 + 30 h ×
    # 1,200.00 = 40,950.00; 0.083333 × 3 machines × 40,950.00 = 10,237.46 (to the cent:
    # 1,023,745.9 cents); 30 % avoided = 3,071.24 (307,123.77 cents).
    assert result["saving_cents"] == 4_320_00 + 2_435_00 + 4_410_00 + 3_071_24
    assert "value: case" in in_words(result)
    assert demo_value(session, Settings(), DAY) == {}  # only once
