"""Machine alerts that open service cases: repeated ``down`` states, or a measurement beyond a
threshold, as the settings' rules say (``SERVITIZE_WORK_ALERT_RULES``).

Telemetry is read only through the consent gate (``telemetry.consent.consented``) for the work
purpose (``SERVITIZE_WORK_ALERT_PURPOSE``): a machine whose account has no agreement covering
that purpose and data kind opens no case. A machine has at most one open case per rule; the
scan opens the case as a work order (source ``alert``), audited like every work order, with
the evidence in words in its description.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import ibis

from servitize.core.settings import AlertRule
from servitize.installed_base import repository as installed_base
from servitize.installed_base.access import require
from servitize.service_work import repository as repo
from servitize.service_work import rules, service
from servitize.service_work.models import WorkOrder, WorkSource
from servitize.telemetry import availability as av
from servitize.telemetry import duck
from servitize.telemetry.consent import consented
from servitize.telemetry.frames import to_arrow
from servitize.telemetry.store import TelemetryStore
from servitize.trust import audit
from servitize.trust.context import Context


@dataclass
class ScanResult:
    """What an alert scan found: cases opened, machines whose case was open already."""

    opened: list[WorkOrder] = field(default_factory=list)
    deduplicated: int = 0
    rules: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "opened": [
                {"id": w.id, "number": w.number, "asset_id": w.asset_id, "rule": w.alert_rule}
                for w in self.opened
            ],
            "deduplicated": self.deduplicated,
            "rules": self.rules,
        }


def _window(rule: AlertRule, at: datetime) -> tuple[datetime, datetime]:
    return at - timedelta(hours=rule.hours), at


def _downs(
    ctx: Context, store: TelemetryStore, con: ibis.BaseBackend, rule: AlertRule, at: datetime
) -> dict[str, str]:
    start, end = _window(rule, at)
    t = store.table(con, "status", av.months_between(start, end))
    t = consented(ctx.session, t, ctx.settings.work.alert_purpose, "status", at)
    t = t.filter(t.state == "down", t.ts > start, t.ts <= end).select("serial", "ts")
    seen: dict[str, list[datetime]] = defaultdict(list)
    for row in to_arrow(t).to_pylist():
        seen[str(row["serial"])].append(row["ts"])
    return {
        serial: f"{len(times)} down states within {rule.hours:g} hours "
        f"(the rule: {rule.downs} or more)"
        for serial, times in seen.items()
        if rules.repeated_downs(times, at, rule.hours, rule.downs)
    }


def _beyond(
    ctx: Context, store: TelemetryStore, con: ibis.BaseBackend, rule: AlertRule, at: datetime
) -> dict[str, str]:
    if rule.metric is None or rule.value is None:
        return {}
    start, end = _window(rule, at)
    t = store.table(con, "measure", av.months_between(start, end))
    t = consented(ctx.session, t, ctx.settings.work.alert_purpose, rule.data_kind, at)
    t = t.filter(t.metric == rule.metric, t.ts > start, t.ts <= end).select("serial", "ts", "value")
    newest: dict[str, tuple[datetime, float]] = {}
    for row in to_arrow(t).to_pylist():
        serial, ts, value = str(row["serial"]), row["ts"], row["value"]
        if value is not None and (serial not in newest or ts > newest[serial][0]):
            newest[serial] = (ts, float(value))
    word = "above" if rule.kind == "above" else "below"
    return {
        serial: f"{rule.metric} read {value:g} at {ts:%Y-%m-%d %H:%M} UTC, {word} {rule.value:g}"
        for serial, (ts, value) in newest.items()
        if rules.beyond(value, rule.kind, rule.value)
    }


def scan(
    ctx: Context, store: TelemetryStore | None = None, at: datetime | None = None
) -> ScanResult:
    """Run every alert rule over the consented telemetry up to ``at`` (now); open the cases."""
    require(ctx.user, "work.create")
    store = store or TelemetryStore(ctx.settings.telemetry_dir)
    at = at or ctx.now
    result = ScanResult(rules=len(ctx.settings.work.alert_rules))
    con = duck.backend()  # a cursor of the process's database, its own for this call
    try:
        for rule in ctx.settings.work.alert_rules:
            if rule.kind == "downs":
                hits = _downs(ctx, store, con, rule, at)
            else:
                hits = _beyond(ctx, store, con, rule, at)
            if not hits:
                continue
            for m in installed_base.machines_with_serial(ctx.session, serials=sorted(hits)):
                if repo.open_case(ctx.session, m.asset_id, rule.name) is not None:
                    result.deduplicated += 1
                    continue
                asset = repo.asset(ctx.session, m.asset_id)
                machine = " ".join(p for p in (m.model, m.serial) if p)
                w = service.open_planned(
                    ctx,
                    service.Opening(
                        account_id=m.account_id,
                        title=f"Alert {rule.name.replace('_', ' ')}: {machine}",
                        description=hits[m.serial],
                        asset_id=m.asset_id,
                        kind="repair",
                        required_skill=rule.skill,
                        due_on=at.date(),
                        source=WorkSource.alert.value,
                        alert_rule=rule.name,
                    ),
                    asset,
                )
                audit.record(
                    ctx.session,
                    ctx.actor,
                    "alert",
                    "work_order",
                    w.id,
                    after={"rule": rule.name, "serial": m.serial, "evidence": hits[m.serial]},
                )
                result.opened.append(w)
    finally:
        con.disconnect()
    return result
