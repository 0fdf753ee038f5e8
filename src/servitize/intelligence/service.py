"""Use cases: run segments, generate and list leads. Load -> rules -> persist; flush only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict

import pyarrow as pa
from sqlalchemy.orm import Session

from servitize.core.settings import IntelligenceSettings, Settings
from servitize.installed_base import repository as installed_base
from servitize.intelligence import repository, rules, scoring, segments
from servitize.intelligence.compat import configured
from servitize.intelligence.featurize import Sources, compute, lead_assets
from servitize.intelligence.leads import Candidate, assemble
from servitize.intelligence.models import (
    Attitude,
    Lead,
    LeadStatus,
    ReadinessAttitude,
    SegmentAssignment,
)
from servitize.intelligence.records import Records, load_records
from servitize.intelligence.usage import consented_usage
from servitize.telemetry.store import TelemetryStore
from servitize.trust.audit import SYSTEM, Actor, record

LEAD_FIELDS = (
    "offering_id",
    "asset_ids",
    "source",
    "rule",
    "score",
    "estimated_value_cents",
    "story",
    "evidence",
    "as_of",
    "expires_on",
)


@dataclass
class Batch:
    """What one analytics run works on: the records as Ibis sources, and the cutoff."""

    records: Records
    sources: Sources
    as_of: date


class LeadRun(TypedDict):
    """What one lead generation did: leads created, updated, expired and kept quiet, and the
    created or updated ones by source and by offering."""

    as_of: date
    created: int
    updated: int
    expired: int
    quiet: int
    by_source: dict[str, int]
    by_offering: dict[str, int]


def load_batch(
    session: Session, as_of: date, s: IntelligenceSettings, company: str, store: TelemetryStore
) -> Batch:
    """Read the records (in the ``company`` currency) and the consented telemetry of ``store``
    into DuckDB for one run."""
    records = load_records(session, company, s.connectivity_offerings, as_of)
    records.usage = consented_usage(
        session,
        as_of,
        s.consent_purpose,
        store=store,
        days=s.leads.usage_window_days,
        min_coverage=s.usage_min_coverage,
    )
    return Batch(records, Sources.from_records(records), as_of)


def account_rows(batch: Batch) -> list[dict[str, Any]]:
    """Account features joined with the account fields the segment rules read."""
    feats = compute(batch.sources, batch.as_of, "account").to_pylist()
    fields = {r["account_id"]: r for r in batch.records.accounts.to_pylist()}
    return [{**fields[f["account_id"]], **f} for f in feats]


def score_segments(
    batch: Batch, attitudes: dict[int, str], s: IntelligenceSettings
) -> list[tuple[int, segments.Segment]]:
    """The segment of every account (pure scoring over the batch's features)."""
    techs = Counter(
        u["territory"] for u in batch.records.users.to_pylist() if u["role"] == "technician"
    )
    return [
        (
            r["account_id"],
            segments.score(
                r, s.segments, attitudes.get(r["account_id"]), techs.get(r["territory"], 0)
            ),
        )
        for r in account_rows(batch)
    ]


def _settings(settings: Settings | None) -> Settings:
    """The edge's settings; the environment's only for callers outside intelligence that do not
    hand theirs down yet (see ``compat``)."""
    return settings if settings is not None else configured()


def run_segments(
    session: Session,
    as_of: date,
    s: IntelligenceSettings | None = None,
    batch: Batch | None = None,
    *,
    settings: Settings | None = None,
) -> Counter[str]:
    """Score and store every account's segment; counts by label. ``s``: the intelligence
    section (default: that of ``settings``)."""
    if s is None or batch is None:
        settings = _settings(settings)
        s = s or settings.intelligence
        batch = batch or load_batch(
            session,
            as_of,
            s,
            settings.company_currency,
            TelemetryStore(settings.telemetry_dir),
        )
    attitudes = repository.stated_attitudes(session)
    existing = repository.segments_by_account(session)
    counts: Counter[str] = Counter()
    for account_id, seg in score_segments(batch, attitudes, s):
        row = existing.get(account_id) or SegmentAssignment(account_id=account_id)
        row.as_of, row.label, row.readiness = as_of, seg.label, seg.readiness
        row.digital_infrastructure, row.own_share = seg.digital_infrastructure, seg.own_share
        row.age_class, row.priority, row.go_to_market = (
            seg.age_class,
            seg.priority,
            seg.go_to_market,
        )
        row.reasons, row.scores = seg.reasons, seg.scores
        session.add(row)
        counts[seg.label] += 1
    session.flush()
    return counts


def rule_candidates(batch: Batch, s: IntelligenceSettings, currency: str) -> list[Candidate]:
    """Leads from the rules over account and asset features."""
    accounts = compute(batch.sources, batch.as_of, "account")
    assets = lead_assets(batch.sources, batch.as_of, s.leads.repeat_window_days)
    hits = rules.hits(accounts, "account", s.leads) + rules.hits(assets, "asset", s.leads)
    return assemble(hits, batch.records.offerings.to_pylist(), s, currency)


def generate_leads(
    session: Session,
    as_of: date,
    s: IntelligenceSettings | None = None,
    actor: Actor = SYSTEM,
    use_model: bool = True,
    *,
    settings: Settings | None = None,
) -> LeadRun:
    """Regenerate leads as of a day: update open ones, respect quiet periods, expire old ones.
    ``s``: the intelligence section (default: that of ``settings``)."""
    settings = _settings(settings)
    s = s or settings.intelligence
    currency = settings.company_currency
    batch = load_batch(session, as_of, s, currency, TelemetryStore(settings.telemetry_dir))
    cands = rule_candidates(batch, s, currency)
    model = scoring.latest_model(session) if use_model else None
    if model is not None:
        taken = {(c.account_id, c.offering_key) for c in cands}
        cands += [
            c
            for c in scoring.model_candidates(batch.records, batch.sources, as_of, model, s)
            if (c.account_id, c.offering_key) not in taken
        ]
    expired = expire(session, as_of, actor)
    leads = {(x.account_id, x.offering_key, x.status): x for x in repository.live_leads(session)}
    created = updated = quiet = 0
    by_source: Counter[str] = Counter()
    by_offering: Counter[str] = Counter()
    for c in cands:
        dismissed = leads.get((c.account_id, c.offering_key, LeadStatus.dismissed))
        lead = leads.get((c.account_id, c.offering_key, LeadStatus.open))
        if lead is None and dismissed and dismissed.quiet_until and dismissed.quiet_until >= as_of:
            quiet += 1
            continue
        values = {
            "offering_id": c.offering_id,
            "asset_ids": c.asset_ids,
            "source": c.source,
            "rule": c.rule,
            "score": c.score,
            "estimated_value_cents": c.value_cents,
            "story": c.story,
            "evidence": _plain(c.evidence),
            "as_of": as_of,
            "expires_on": as_of + timedelta(days=s.leads.lead_ttl_days),
        }
        if lead is None:
            lead = Lead(
                account_id=c.account_id,
                offering_key=c.offering_key,
                currency=currency,
                status=LeadStatus.open,
                **values,
            )
            session.add(lead)
            session.flush()
            record(session, actor, "create", "lead", lead.id, after=values)
            created += 1
        else:
            before = {k: getattr(lead, k) for k in LEAD_FIELDS}
            for k, v in values.items():
                setattr(lead, k, v)
            record(
                session,
                actor,
                "update",
                "lead",
                lead.id,
                before={"score": before["score"]},
                after={"score": c.score, "as_of": as_of},
            )
            updated += 1
        by_source[c.source] += 1
        by_offering[c.offering_key] += 1
    session.flush()
    return LeadRun(
        as_of=as_of,
        created=created,
        updated=updated,
        expired=expired,
        quiet=quiet,
        by_source=dict(by_source),
        by_offering=dict(by_offering),
    )


def expire(session: Session, as_of: date, actor: Actor = SYSTEM) -> int:
    """Close open leads past their expiry."""
    stale = repository.open_leads_expiring_before(session, as_of)
    for lead in stale:
        lead.status = LeadStatus.expired
        record(session, actor, "expire", "lead", lead.id, after={"status": "expired"})
    return len(stale)


def dismiss(
    session: Session,
    lead: Lead,
    reason: str,
    as_of: date,
    actor: Actor,
    s: IntelligenceSettings | None = None,
) -> Lead:
    """Dismiss an open lead; it is not raised again for the quiet period (``s``: the
    intelligence section; field's dismissal does not hand it down yet, see ``compat``)."""
    s = s or configured().intelligence
    lead.status = LeadStatus.dismissed
    lead.dismissed_reason = reason
    lead.quiet_until = as_of + timedelta(days=s.leads.quiet_days)
    record(
        session,
        actor,
        "dismiss",
        "lead",
        lead.id,
        after={"reason": reason, "quiet_until": lead.quiet_until},
    )
    session.flush()
    return lead


def record_attitude(
    session: Session, actor: Actor, account: str, attitude: Attitude, note: str = ""
) -> ReadinessAttitude | None:
    """Record the stated attitude of the account with this external id toward Industrial
    Internet and services (audited); None when there is no such account."""
    acc = installed_base.account_by_external_id(session, account)
    if acc is None:
        return None
    row = repository.attitude_of(session, acc.id) or ReadinessAttitude(account_id=acc.id)
    row.attitude, row.note = attitude, note or None
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "update",
        "readiness_attitude",
        row.id,
        after={"account_id": acc.id, "attitude": attitude.value},
    )
    return row


def _plain(value: Any) -> Any:
    """Evidence as JSON-safe data (dates as ISO text)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, pa.Scalar):
        return value.as_py()
    return value
