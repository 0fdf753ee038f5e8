"""Segment scoring and digital-twin positioning, checked against hand-worked numbers."""

from __future__ import annotations

from servitize.core.settings import SegmentRules
from servitize.intelligence import segments, twin

ROW = {
    "account_id": 1,
    "country": "SE",
    "ownership_type": "listed",
    "assets": 10,
    "own_assets": 8,
    "connected_assets": 6,
    "current_sensor_assets": 5,
    "contract_assets": 4,
    "service_share_24m": 0.4,
    "mean_age_years": 6.0,
    "volume": 4,
    "profitability_potential": 3,
    "technical_risk": 2,
    "country_risk": 2,
    "relationship_quality": 5,
}


def test_four_dimensions_by_hand() -> None:
    seg = segments.score(ROW, SegmentRules(), attitude="positive", technicians=2)
    # 0.35 x 0.8 + 0.25 x 0.4 + 0.15 x 0.8 + 0.25 x 1 = 0.75
    assert seg.readiness == 0.75
    assert seg.digital_infrastructure == round((0.93 + 0.6) / 2, 3)
    assert seg.own_share == 0.8 and seg.age_class == "new"
    assert (seg.label, seg.go_to_market) == ("Digital partner", "subscription")
    assert seg.priority == round((4 + 3 + 4 + 5 + 5) / 5, 2)
    assert any("93" in r or "0.93" in r for r in seg.reasons)


def test_low_readiness_poor_infrastructure_sells_separately() -> None:
    row = {
        **ROW,
        "country": "IN",
        "ownership_type": "family",
        "service_share_24m": 0.0,
        "contract_assets": 0,
        "connected_assets": 0,
        "current_sensor_assets": 0,
    }
    seg = segments.score(row, SegmentRules(), attitude="negative")
    assert seg.readiness == round(0.15 * 0.3, 3)
    assert seg.age_class == "old"
    assert (seg.label, seg.go_to_market) == ("Product buyer", "separate")


def test_twin_cell_needs_and_warnings() -> None:
    assert twin.needed_proficiency("light", "sub-process") == 1
    assert twin.needed_proficiency("moderate", "process") == 3
    assert twin.needed_proficiency("deep", "ecosystem") == 5
    p = twin.position(
        1, "Acme", "condition_monitoring", "Condition monitoring", 4, 1, False, 2, "Digital partner"
    )
    assert (p.level, p.understanding, p.needed) == ("moderate", "process", 3)
    assert p.warning and "specialist" in p.warning
    assert p.target == ("deep", "business")
    assert "Compatibility of platform, systems and data" in p.checklist
    deep = twin.position(2, "Beta", "digital_twin", "Digital twin of a line", 12, 3, False, 5)
    assert (deep.understanding, deep.warning) == ("ecosystem", None)


def test_svg_places_now_and_target() -> None:
    ps = [
        twin.position(i, "x", "remote_service", "Remote", 1, 1, False, 3, "Digital partner")
        for i in range(3)
    ]
    svg = twin.svg(ps)
    assert svg.startswith("<svg") and svg.count('data-kind="now"') == 1
    assert svg.count('data-kind="target"') == 1 and "3 now" in svg
