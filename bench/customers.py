"""The benchmarks' customers: an account with its machines, consenting to contract verification."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from servitize.installed_base.models import Account, Asset
from servitize.telemetry import consent
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
