"""A value case for the demo: the account of the demo availability contract (its machines report
telemetry), opened by its owner from an open opportunity in phase 2–3 when there is one, with a
few assumptions entered and one edit kept, so the case page, its PDF and the quote show it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from servitize.contracts import repository as contracts_repo
from servitize.core.settings import Settings
from servitize.installed_base import repository as installed_base
from servitize.trust.context import Context
from servitize.value import repository as value_repo
from servitize.value import service


def demo_value(session: Session, settings: Settings, today: date) -> dict[str, object]:
    """Open the demo's value case (once); its id, machines and quantified savings a year."""
    if value_repo.any_case(session):
        return {}
    demo = contracts_repo.contract_by_external_id(session, "AV-DEMO-1")
    account_id = (
        demo.account_id if demo else installed_base.first_customer_with_own_machines(session, 3)
    )
    if account_id is None:
        return {}
    account = installed_base.accounts_by_id(session, {account_id})[account_id]
    owner = installed_base.user_by_id(session, account.owner_id) if account.owner_id else None
    if owner is None:
        return {}
    ctx = Context(
        session, owner, settings, datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
    )
    opportunity = value_repo.open_opportunity_of(session, account_id)
    case = service.create_case(
        ctx,
        account_id,
        None,
        title=f"Full service for {account.name}",
        opportunity_id=opportunity,
        assumptions={
            "energy_kwh_per_year": 420_000,
            "energy_price_cents_per_kwh": 21,
            "setup_cents": 18_000_00,
        },
    )
    # The customer's controller names their own cost of an hour of downtime: kept as an edit.
    service.edit_assumptions(ctx, case.id, {"downtime_cost_per_hour_cents": 1_200_00})
    found = service.report(ctx, case)
    return {
        "case": case.id,
        "machines": found.machines,
        "saving_cents": found.saving_cents,
        "opportunity": opportunity,
    }


def in_words(result: dict[str, object]) -> str:
    """One line for the demo builder's console."""
    if not result:
        return "value: no new value case (one exists, or no account to open it for)"
    saving = result["saving_cents"]
    euros = saving / 100 if isinstance(saving, int) else 0.0
    return (
        f"value: case {result['case']} for {result['machines']} machines, "
        f"{euros:,.2f} EUR of savings a year"
        + (f", from opportunity {result['opportunity']}" if result.get("opportunity") else "")
    )
