"""The benchmarks' customers: an account with its machines, consenting to contract verification,
and the telemetry they send."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
from sqlalchemy.orm import Session

from servitize.installed_base.models import Account, Asset
from servitize.telemetry import consent
from servitize.telemetry.store import SCHEMAS
from servitize.trust import audit

ACTOR = audit.Actor("bench")


def consenting_customer(
    session: Session, external_id: str, name: str, machines: list[tuple[str, str]]
) -> tuple[Account, list[Asset]]:
    """An account in EUR with ``machines`` (external id, serial; model PX-400, our own), its
    status, usage and energy shared for contract verification since 2020."""
    account = Account(external_id=external_id, name=name, currency="EUR")
    session.add(account)
    session.flush()
    assets = [
        Asset(external_id=e, account_id=account.id, serial=s, model="PX-400", origin="own")
        for e, s in machines
    ]
    session.add_all(assets)
    session.flush()
    consent.record_agreement(
        session,
        ACTOR,
        account.id,
        ["status", "usage", "energy"],
        ["contract_verification"],
        datetime(2020, 1, 1, tzinfo=UTC),
    )
    return account, assets


def sequence_gaps(gaps: list[tuple[str, int, int, int]], received: int) -> pa.Table:
    """The listener's sequence gaps (serial, start and end in microseconds, messages missing)
    as the store's ``gaps`` rows, all received at ``received``."""
    ts_type = SCHEMAS["gaps"].field("ts").type
    return pa.table(
        {
            "serial": pa.array([g[0] for g in gaps], pa.string()),
            "ts": pa.array([g[1] for g in gaps], pa.int64()).cast(ts_type),
            "end_ts": pa.array([g[2] for g in gaps], pa.int64()).cast(ts_type),
            "kind": pa.array(["sequence"] * len(gaps), pa.string()),
            "missing": pa.array([g[3] for g in gaps], pa.int64()),
            "detail": pa.array([""] * len(gaps), pa.string()),
            "received_at": pa.array([received] * len(gaps), pa.int64()).cast(ts_type),
            "source": pa.array(["bench"] * len(gaps), pa.string()),
        }
    ).cast(SCHEMAS["gaps"])
