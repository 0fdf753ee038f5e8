"""What ingest must know of each machine: the tenants that may report for it, its install date.

The topic ``servitize/<tenant>/<serial>/...`` names a tenant: the external id of the machine's
account or of its site. A message whose tenant is neither is a dead letter (``wrong_tenant``),
so a gateway allowed by the broker to publish under one tenant cannot report for another
customer's machine. Readings dated before the machine's install date are dead letters too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy.orm import Session

from servitize.installed_base import repository as installed_base


@dataclass(frozen=True)
class Machine:
    """The tenant keys a machine's telemetry may arrive under, and its earliest valid time."""

    tenants: frozenset[str]
    not_before_us: int | None = None


def machines(session: Session) -> dict[str, Machine]:
    """Every asset with a serial; a serial used twice maps to the lower asset id (as
    ``records.assets_by_serial`` attributes its readings)."""
    out: dict[str, Machine] = {}
    for serial, account_key, site_key, installed in installed_base.machine_tenant_keys(session):
        tenants = frozenset(k for k in (account_key, site_key) if k)
        since = None
        if installed is not None:
            since = int(datetime.combine(installed, time(0), tzinfo=UTC).timestamp()) * 1_000_000
        out[serial] = Machine(tenants, since)
    return out
