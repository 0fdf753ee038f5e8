"""Lead rules on the hand-built fleet: which leads, their stories, regeneration, quiet periods."""

from __future__ import annotations

import re
from datetime import timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sqlalchemy import func, select

from servitize.core.settings import IntelligenceSettings, LeadRules
from servitize.intelligence import rules, stories
from servitize.intelligence.models import Lead
from servitize.intelligence.service import dismiss, generate_leads
from servitize.trust.audit import SYSTEM
from servitize.trust.models import AuditEntry
from tests.intelligence.fleet import AS_OF, build


def _open(session):  # type: ignore[no-untyped-def]
    leads = session.scalars(select(Lead).where(Lead.status == "open")).all()
    return {(lead.account_id, lead.offering_key): lead for lead in leads}


def test_rules_raise_the_leads_counted_by_hand(session) -> None:  # type: ignore[no-untyped-def]
    ids = build(session)
    result = generate_leads(session, AS_OF)
    acme, beta = ids["acme"].id, ids["beta"].id
    leads = _open(session)
    assert set(leads) == {
        (acme, "condition_monitoring"),
        (acme, "maintenance_contract"),
        (acme, "retrofit"),
        (beta, "maintenance_contract"),
    }
    assert result["created"] == 4 and result["by_source"] == {"rule": 4}
    assert result["by_offering"]["maintenance_contract"] == 2
    cm = leads[(acme, "condition_monitoring")]
    assert cm.rule == "repeat_repairs" and cm.asset_ids == [ids["pump"].id]
    assert cm.offering_id == ids["cm"].id
    assert cm.story == (
        "Pump P-104 needed three seal repairs in the last six months, 41 hours of "
        "downtime. Condition monitoring of the seals would have flagged two of them."
    )
    facts = cm.evidence["facts"]
    assert (facts["repairs"], facts["downtime_hours"], facts["flaggable"]) == (3, 41.0, 2)
    assert [a["rule"] for a in cm.evidence["also"]] == ["downtime_without_monitoring"]
    assert "45 hours" in cm.evidence["also"][0]["story"]
    # Coverage ending (77.3) beats wallet share (64.8) and the competitor fleet (45): one lead.
    mc = leads[(acme, "maintenance_contract")]
    assert mc.rule == "coverage_ending" and mc.evidence["facts"]["days_left"] == 38
    assert mc.score == 77.3
    also = {a["rule"]: a for a in mc.evidence["also"]}
    assert list(also) == ["wallet_share", "competitor_fleet"]
    assert also["wallet_share"]["score"] == 64.8  # 40 + 40 x (1 - 0.133 / 0.35)
    assert "1,000 EUR" in also["wallet_share"]["story"]
    assert "7,500 EUR" in also["wallet_share"]["story"]
    # The merged lead is worth the best of its parts: (3 x 2,500 - 1,000) / 2 from the wallet.
    assert mc.estimated_value_cents == (3 * 2_500_00 - 1_000_00) // 2
    drift = leads[(beta, "maintenance_contract")]
    assert (
        drift.rule == "drifted_customer" and drift.evidence["facts"]["days_since_purchase"] == 752
    )
    assert drift.expires_on == AS_OF + timedelta(days=60)


def test_every_number_in_a_story_comes_from_its_evidence(session) -> None:  # type: ignore[no-untyped-def]
    build(session)
    generate_leads(session, AS_OF)
    for lead in _open(session).values():
        facts = lead.evidence["facts"]
        story = lead.story.replace(str(facts.get("asset")), "")
        nums = [v for v in facts.values() if isinstance(v, (int, float))]
        known = {f"{v:,.0f}" for v in nums} | {
            f"{v // 100:,}" for k, v in facts.items() if k.endswith("cents")
        }
        known |= {f"{round(v * 100)}" for v in nums if isinstance(v, float) and v < 1}
        ints = {round(v) for v in nums} | {round(facts.get("window_days", 0) / 30.4)}
        for n in re.findall(r"\d[\d,]*", story):
            assert n in known, (n, lead.story)
        for word in re.findall(r"\b(" + "|".join(stories.WORDS[1:]) + r")\b", story):
            assert stories.WORDS.index(word) in ints, (word, lead.story)


@pytest.mark.slow  # three full lead generations
def test_regeneration_updates_and_dismissed_leads_stay_quiet(session) -> None:  # type: ignore[no-untyped-def]
    ids = build(session)
    generate_leads(session, AS_OF)
    again = generate_leads(session, AS_OF + timedelta(days=1))
    assert (again["created"], again["updated"]) == (0, 4)
    assert session.scalar(select(func.count()).select_from(Lead)) == 4
    lead = _open(session)[(ids["beta"].id, "maintenance_contract")]
    dismiss(session, lead, "bought from a local workshop", AS_OF, SYSTEM)
    quiet = generate_leads(session, AS_OF + timedelta(days=2))
    assert quiet["quiet"] == 1 and quiet["updated"] == 3
    later = generate_leads(session, AS_OF + timedelta(days=121))
    assert later["created"] >= 1 and later["expired"] == 3
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "lead", AuditEntry.action == "dismiss")
        )
        == 1
    )


def test_high_utilisation_needs_consented_telemetry() -> None:
    table = pa.table(
        {
            "account_id": [1, 1, 2],
            "asset_id": [10, 11, 12],
            "external_id": ["A", "B", "C"],
            "model": ["m"] * 3,
            "product_line": ["pumps"] * 3,
            "coverage": ["none", "none", "maintenance"],
            "utilisation": pa.array([0.9, None, 0.95], pa.float64()),
            "under_contract": [False, False, True],
        }
    )
    busy = next(r for r in rules.RULES if r.name == "high_utilisation_no_contract")
    mask = pc.fill_null(busy.mask(table, LeadRules()), False)
    found = [busy.hit(r, LeadRules()) for r in table.filter(mask).to_pylist()]
    assert [h.asset_id for h in found] == [10]  # 11 has no consented telemetry, 12 a contract
    assert found[0].score == 60.0


def test_thresholds_come_from_settings(session) -> None:  # type: ignore[no-untyped-def]
    ids = build(session)
    strict = IntelligenceSettings(
        leads=LeadRules(
            repeat_min_repairs=4, downtime_hours=50, coverage_days=30, competitor_share_min=0.3
        )
    )
    generate_leads(session, AS_OF, strict)
    keys = {k[1] for k in _open(session) if k[0] == ids["acme"].id}
    assert keys == {"maintenance_contract", "retrofit"}  # wallet share and age only
