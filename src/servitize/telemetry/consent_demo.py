"""Consent in the demo: besides the demo contract's own agreement (active), three more accounts
with machines share data under an agreement that the customer narrowed to contract
verification, one that was revoked and one that expired; each with its history, so the 360's
panel, /consent and the portal show every state."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from servitize.installed_base import repository as installed_base
from servitize.telemetry import consent, consent_repository
from servitize.trust.audit import Actor

KINDS = ["status", "usage", "energy"]


def demo_consent(session: Session, actor: Actor, today: date) -> dict[str, int]:
    """Agreements in the narrowed, revoked and expired states (once); account ids by state."""
    machines = installed_base.machines_with_serial(session, own_only=True)
    accounts = sorted({m.account_id for m in machines})
    taken = {a.account_id for a in consent_repository.agreements_of_accounts(session, accounts)}
    free = [a for a in accounts if a not in taken][:3]
    if len(free) < 3:
        return {}
    start = datetime(today.year, today.month, today.day, tzinfo=UTC)
    narrowed, revoked, expired = free
    a = consent.record_agreement(
        session,
        actor,
        narrowed,
        KINDS,
        ["contract_verification", "service_offers"],
        start - timedelta(days=300),
        document="Demo data-sharing agreement (signed)",
    )
    consent.change(
        session,
        Actor("customer (demo)"),
        a.id,
        KINDS,
        ["contract_verification"],
        None,
        by_customer=True,
    )
    a = consent.record_agreement(
        session, actor, revoked, ["status"], ["service_offers"], start - timedelta(days=200)
    )
    consent.revoke(session, actor, a.id, at=start - timedelta(days=10))
    consent.record_agreement(
        session,
        actor,
        expired,
        ["status", "energy"],
        ["product_development"],
        start - timedelta(days=400),
        start - timedelta(days=35),
    )
    return {"narrowed": narrowed, "revoked": revoked, "expired": expired}


def in_words(result: dict[str, int]) -> str:
    """One line for the demo's console."""
    if not result:
        return "consent: nothing added (already there, or too few accounts with machines)"
    shown = ", ".join(f"{state} on account {i}" for state, i in result.items())
    return f"consent: agreements {shown} (see /consent)"
