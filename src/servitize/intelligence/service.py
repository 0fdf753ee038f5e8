"""Use cases: run segments, generate and list leads. Load -> rules -> persist; flush only."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypedDict

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from servitize.core.settings import IntelligenceSettings, Settings
from servitize.installed_base import repository as installed_base
from servitize.intelligence import leads_columns, repository, rules, scoring, segments
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


def rule_leads(batch: Batch, s: IntelligenceSettings, currency: str) -> pa.Table:
    """Leads from the rules over account and asset features, built as columns (the same leads
    as ``rule_candidates``, as ``leads_columns.LEADS``)."""
    accounts = compute(batch.sources, batch.as_of, "account")
    assets = lead_assets(batch.sources, batch.as_of, s.leads.repeat_window_days)
    tables = {"account": accounts, "asset": assets}
    return leads_columns.build(tables, batch.records.offerings.to_pylist(), s, currency)


def lead_table(cands: list[Candidate]) -> pa.Table:
    """Candidates (the model's) as ``leads_columns.LEADS`` rows, evidence as stored JSON."""
    return pa.Table.from_pylist(
        [
            {
                "account_id": c.account_id,
                "offering_id": c.offering_id,
                "offering_key": c.offering_key,
                "offering_name": c.offering_name,
                "rule": c.rule,
                "source": c.source,
                "score": c.score,
                "score_json": json.dumps(c.score),
                "value_cents": c.value_cents,
                "story": c.story,
                "evidence": json.dumps(_plain(c.evidence)),
                "asset_ids": c.asset_ids,
            }
            for c in cands
        ],
        leads_columns.LEADS,
    )


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
    leads = rule_leads(batch, s, currency)
    model = scoring.latest_model(session) if use_model else None
    if model is not None:
        taken = set(
            zip(leads["account_id"].to_pylist(), leads["offering_key"].to_pylist(), strict=True)
        )
        more = [
            c
            for c in scoring.model_candidates(batch.records, batch.sources, as_of, model, s)
            if (c.account_id, c.offering_key) not in taken
        ]
        leads = pa.concat_tables([leads, lead_table(more)])
    expired = expire(session, as_of, actor)
    return store_leads(session, leads, as_of, s, currency, actor, expired)


def _moment(session: Session, at: datetime) -> str:
    """A moment as the records DB stores it in text (SQLite's own format, ISO elsewhere)."""
    if session.get_bind().dialect.name == "sqlite":
        return at.strftime("%Y-%m-%d %H:%M:%S.%f")
    return at.isoformat()


def _column(n: int, value: Any, type_: pa.DataType | None = None) -> pa.Array:
    return pa.array([value] * n, type_ or pa.string())


def _audit(actor: Actor, action: str, ids: pa.Array, before: Any, after: Any, at: str) -> pa.Table:
    n = len(ids)
    return pa.table(
        {
            "at": _column(n, at),
            "actor_id": _column(n, actor.user_id, pa.int64()),
            "actor": _column(n, actor.name),
            "action": _column(n, action),
            "entity": _column(n, "lead"),
            "entity_id": pc.cast(ids, pa.string()),
            "before": before,
            "after": after,
        }
    )


def store_leads(
    session: Session,
    leads: pa.Table,
    as_of: date,
    s: IntelligenceSettings,
    currency: str,
    actor: Actor = SYSTEM,
    expired: int = 0,
) -> LeadRun:
    """Write a run's leads (``leads_columns.LEADS``) in bulk: a new lead for each account and
    offering without an open one, the open one updated otherwise, none while a dismissed one is
    quiet; each creation and update audited as ``record`` would."""
    session.flush()
    opened: dict[tuple[int, str], tuple[int, float]] = {}
    quiet_until: dict[tuple[int, str], date | None] = {}
    for lead_id, account_id, offering, status, quiet_day, score in repository.live_lead_rows(
        session
    ):
        if status == LeadStatus.open:
            opened[(account_id, offering)] = (lead_id, score)
        else:
            quiet_until[(account_id, offering)] = quiet_day
    keys: list[tuple[int, str]] = list(
        zip(leads["account_id"].to_pylist(), leads["offering_key"].to_pylist(), strict=True)
    )
    kind = []  # "create", "update" or "quiet", row by row
    for key in keys:
        if key in opened:
            kind.append("update")
        else:
            day = quiet_until.get(key)
            kind.append("quiet" if day is not None and day >= as_of else "create")
    what = pa.array(kind)
    live = leads.filter(pc.not_equal(what, "quiet"))
    expires_on = as_of + timedelta(days=s.leads.lead_ttl_days)
    now = _moment(session, datetime.now(UTC))
    asset_ids = leads_columns.json_lists(live["asset_ids"])
    values = {
        "offering_id": live["offering_id"],
        "asset_ids": asset_ids,
        "source": live["source"],
        "rule": live["rule"],
        "score": live["score"],
        "estimated_value_cents": live["value_cents"],
        "story": live["story"],
        "evidence": live["evidence"],
        "as_of": _column(live.num_rows, as_of.isoformat()),
        "expires_on": _column(live.num_rows, expires_on.isoformat()),
    }
    rows = pa.table(values)
    created = pc.equal(what.filter(pc.not_equal(what, "quiet")), "create")
    new, changed = rows.filter(created), rows.filter(pc.invert(created))
    first = repository.last_lead_id(session)
    repository.insert_rows(
        session,
        "lead",
        pa.table(
            {
                "account_id": live["account_id"].filter(created),
                "offering_key": live["offering_key"].filter(created),
                "currency": _column(new.num_rows, currency),
                "status": _column(new.num_rows, LeadStatus.open.value),
                **{k: new[k] for k in new.column_names},
                "created_at": _column(new.num_rows, now),
                "updated_at": _column(new.num_rows, now),
            }
        ),
    )
    made = {(a, k): i for i, a, k in repository.lead_ids_after(session, first)}
    new_keys = [k for k, w in zip(keys, kind, strict=True) if w == "create"]
    new_ids = pa.array([made[k] for k in new_keys], pa.int64())
    old = [opened[k] for k, w in zip(keys, kind, strict=True) if w == "update"]
    old_ids = pa.array([i for i, _ in old], pa.int64())
    repository.update_leads(
        session,
        changed.append_column("updated_at", _column(changed.num_rows, now)).append_column(
            "id", old_ids
        ),
    )
    # The audit entries ``record`` writes: a creation with every value, an update its score.
    as_json = leads_columns.json_values
    after = {k: new[k] if k in ("asset_ids", "evidence") else as_json(new[k]) for k in values}
    after["score"] = live["score_json"].filter(created)
    olds = pa.array([score for _, score in old], pa.float64())
    updated = {
        "score": live["score_json"].filter(pc.invert(created)),
        "as_of": _column(len(old_ids), json.dumps(as_of.isoformat())),
    }
    entries = [
        _audit(
            actor,
            "create",
            new_ids,
            _column(len(new_ids), "null"),
            leads_columns.json_object(after),
            now,
        ),
        _audit(
            actor,
            "update",
            old_ids,
            leads_columns.json_object({"score": as_json(olds)}),
            leads_columns.json_object(updated),
            now,
        ),
    ]
    repository.insert_rows(session, "audit_entry", pa.concat_tables(entries))
    session.expire_all()  # leads loaded before see the rows written here
    sources, offerings = live["source"].to_pylist(), live["offering_key"].to_pylist()
    return LeadRun(
        as_of=as_of,
        created=len(new_ids),
        updated=len(old_ids),
        expired=expired,
        quiet=kind.count("quiet"),
        by_source=dict(Counter(sources)),
        by_offering=dict(Counter(offerings)),
    )


def expire(session: Session, as_of: date, actor: Actor = SYSTEM) -> int:
    """Close open leads past their expiry."""
    session.flush()
    stale = pa.array(repository.open_lead_ids_expiring_before(session, as_of), pa.int64())
    now = _moment(session, datetime.now(UTC))
    repository.update_leads(
        session,
        pa.table(
            {
                "status": _column(len(stale), LeadStatus.expired.value),
                "updated_at": _column(len(stale), now),
                "id": stale,
            }
        ),
    )
    after = _column(len(stale), json.dumps({"status": "expired"}))
    entry = _audit(actor, "expire", stale, _column(len(stale), "null"), after, now)
    repository.insert_rows(session, "audit_entry", entry)
    session.expire_all()  # leads loaded before see their new state
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
