"""A lead run writes its leads in bulk and audits each as a single write would: a creation with
every value of the lead, an update with the score before and after."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from servitize.intelligence.models import Lead
from servitize.intelligence.service import generate_leads
from servitize.trust.models import AuditEntry
from tests.intelligence.fleet import AS_OF, build


def _entries(session, action: str) -> dict[str, AuditEntry]:  # type: ignore[no-untyped-def]
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "lead", AuditEntry.action == action)
    )
    return {e.entity_id: e for e in rows}


def test_each_lead_written_is_audited_with_its_values(session) -> None:  # type: ignore[no-untyped-def]
    build(session)
    generate_leads(session, AS_OF)
    leads = session.scalars(select(Lead).order_by(Lead.id)).all()
    created = _entries(session, "create")
    assert sorted(created) == sorted(str(x.id) for x in leads) and len(leads) == 4
    for lead in leads:
        entry = created[str(lead.id)]
        assert entry.actor == "system" and entry.before is None
        assert entry.after == {
            "offering_id": lead.offering_id,
            "asset_ids": lead.asset_ids,
            "source": "rule",
            "rule": lead.rule,
            "score": lead.score,
            "estimated_value_cents": lead.estimated_value_cents,
            "story": lead.story,
            "evidence": lead.evidence,
            "as_of": AS_OF.isoformat(),
            "expires_on": (AS_OF + timedelta(days=60)).isoformat(),
        }
        assert (lead.status, lead.currency, lead.as_of) == ("open", "EUR", AS_OF)
        assert lead.created_at is not None and lead.created_at.tzinfo is not None

    before = {x.id: x.score for x in leads}
    day = AS_OF + timedelta(days=1)
    again = generate_leads(session, day)
    assert (again["created"], again["updated"]) == (0, 4)
    updated = _entries(session, "update")
    for lead in session.scalars(select(Lead)).all():
        assert lead.as_of == day and lead.expires_on == day + timedelta(days=60)
        entry = updated[str(lead.id)]
        assert entry.before == {"score": before[lead.id]}
        assert entry.after == {"score": lead.score, "as_of": day.isoformat()}


def test_leads_past_their_expiry_close_audited(session) -> None:  # type: ignore[no-untyped-def]
    build(session)
    generate_leads(session, AS_OF)
    first = {x.id for x in session.scalars(select(Lead)).all()}
    later = generate_leads(session, AS_OF + timedelta(days=61))  # 60 days to live
    assert later["expired"] == 4
    expired = _entries(session, "expire")
    assert sorted(expired) == sorted(str(i) for i in first)
    assert all(e.after == {"status": "expired"} and e.before is None for e in expired.values())
    statuses = {x.id: x.status for x in session.scalars(select(Lead)).all()}
    assert {statuses[i] for i in first} == {"expired"}
    assert later["created"] == len(statuses) - 4  # the signals still there open new leads
