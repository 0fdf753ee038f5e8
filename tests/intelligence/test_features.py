"""Feature values computed with Ibis on DuckDB, checked against numbers counted by hand."""

from __future__ import annotations

import pytest

from servitize.intelligence.features import describe, features
from servitize.intelligence.featurize import Sources, compute
from tests.intelligence.fleet import AS_OF, build, records_of


def _by(table, key):  # type: ignore[no-untyped-def]
    return {r[key]: r for r in table.to_pylist()}


def test_asset_features_match_hand_counts(session) -> None:  # type: ignore[no-untyped-def]
    ids = build(session)
    src = Sources.from_records(records_of(session))
    rows = _by(compute(src, AS_OF, "asset"), "external_id")
    pump = rows["P-104"]
    assert pump["age_years"] == pytest.approx(2763 / 365.25)  # not rounded: shown rounded once
    assert pump["age_band"] == "5-10"
    assert pump["repairs_6m"] == 3  # since 2026-05-25
    assert pump["repairs_12m"] == 4
    assert pump["downtime_12m_h"] == 45.0  # 12 + 15 + 14 + 4
    assert pump["parts_cost_12m_cents"] == 3 * 380_00 + 520_00
    assert pump["max_component_repairs_12m"] == 3
    assert pump["top_component_12m"] == "seal"
    assert pump["repeat_failure_components_12m"] == 1
    assert pump["days_since_service"] == 21
    assert rows["C-7"]["age_band"] == "20+"
    assert rows["F-1"]["warranty_days_left"] == 38
    assert rows["F-1"]["contract_days_left"] == 404
    assert rows["F-1"]["under_contract"] is True
    assert rows["X-9"]["repairs_12m"] == 0 and rows["X-9"]["utilisation"] is None
    assert pump["account_id"] == ids["acme"].id


def test_account_features_match_hand_counts(session) -> None:  # type: ignore[no-untyped-def]
    ids = build(session)
    src = Sources.from_records(records_of(session))
    fams = ["condition_monitoring", "spare_parts"]
    rows = _by(compute(src, AS_OF, "account", fams), "account_id")
    acme, beta = rows[ids["acme"].id], rows[ids["beta"].id]
    assert (acme["assets"], acme["own_assets"], acme["competitor_assets"]) == (4, 3, 1)
    assert acme["competitor_share"] == 0.25
    assert acme["connected_assets"] == 2 and acme["current_sensor_assets"] == 1
    assert acme["contract_assets"] == 1
    assert acme["repairs_12m"] == 4 and acme["work_orders_12m"] == 4
    assert acme["service_spend_12m_cents"] == 1_000_00  # the CM order is 21 months old
    assert acme["service_spend_24m_cents"] == 1_540_00
    assert acme["families_24m"] == 2
    assert acme["days_since_purchase"] == 295
    assert acme["bought_spare_parts_24m"] == 1 and acme["days_since_condition_monitoring"] == 632
    assert beta["days_since_purchase"] == 752 and beta["orders_24m"] == 0
    assert beta["service_spend_12m_cents"] == 0 and beta["repairs_12m"] == 0


def test_nothing_after_the_cutoff_counts(session) -> None:  # type: ignore[no-untyped-def]
    ids = build(session)
    src = Sources.from_records(records_of(session))
    rows = _by(compute(src, AS_OF.replace(year=2026, month=7, day=1), "account"), "account_id")
    acme = rows[ids["acme"].id]
    assert acme["repairs_12m"] == 2  # 2026-01-20 and 2026-06-10 only
    assert acme["assets"] == 4  # all four machines were installed before July 2026
    assert acme["days_since_purchase"] == 150


def test_registry_is_described_for_every_edge() -> None:
    keys = {d["key"] for d in describe()}
    assert {"asset.repairs_6m", "account.service_spend_12m_cents", "asset.utilisation"} <= keys
    assert any(f.slug == "bought_repair_24m" for f in features("account", ["repair"]))
