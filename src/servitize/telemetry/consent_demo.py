"""Consent in the demo: besides the demo contract's own agreement (active), three more accounts
with machines share data under an agreement that the customer narrowed to contract
verification, one that was revoked and one that expired; each with its history, so the 360's
panel, /consent and the portal show every state. The accounts that already shared data get
last month's record of use (the weekly evaluations a real month would have noted)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from servitize.installed_base import repository as installed_base
from servitize.telemetry import consent, consent_repository, consent_usage
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
    _last_month_uses(session, sorted(taken), start)
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


USES = {"contract_verification": "availability_evaluation", "service_offers": "lead_features"}


def _last_month_uses(session: Session, account_ids: list[int], today: datetime) -> None:
    """Four weekly runs last month for each purpose the accounts' agreements covered then."""
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for a in consent_repository.agreements_of_accounts(session, account_ids):
        for purpose in a.purposes:
            if purpose in USES and consent.state(a, first) in ("active", "narrowed"):
                for day in (3, 10, 17, 24):
                    consent_usage.record_use(
                        session, purpose, USES[purpose], [a.account_id], first.replace(day=day)
                    )


def in_words(result: dict[str, int]) -> str:
    """One line for the demo's console."""
    if not result:
        return "consent: nothing added (already there, or too few accounts with machines)"
    shown = ", ".join(f"{state} on account {i}" for state, i in result.items())
    return f"consent: agreements {shown} (see /consent)"
