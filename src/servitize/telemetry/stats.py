"""Counts of what the store holds: readings per serial, dead letters by reason."""

from __future__ import annotations

from servitize.telemetry import duck
from servitize.telemetry.frames import to_arrow
from servitize.telemetry.store import TelemetryStore


def stats(store: TelemetryStore) -> dict[str, object]:
    """Stored status events and measurements per serial (one per key) and dead letters by reason."""
    con = duck.backend()  # a cursor of the process's database, its own for this call
    try:
        per: dict[str, dict[str, int]] = {}
        for kind in ("status", "measure"):
            t = store.table(con, kind)
            for row in to_arrow(t.group_by("serial").aggregate(n=t.count())).to_pylist():
                per.setdefault(row["serial"], {"status": 0, "measure": 0})[kind] = row["n"]
        dead = store.arrow("dead_letters")
        reasons: dict[str, int] = {}
        for reason in dead.column("reason").to_pylist():
            reasons[reason] = reasons.get(reason, 0) + 1
        return {
            "per_serial": dict(sorted(per.items())),
            "totals": {k: sum(v[k] for v in per.values()) for k in ("status", "measure")},
            "dead_letters": dict(sorted(reasons.items())),
            "dead_letters_total": dead.num_rows,
        }
    finally:
        con.disconnect()
