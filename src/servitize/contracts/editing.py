"""Creating an availability contract from the web (the form and POST /api/v1/contracts).

The same use case as ``servitize contracts create`` (contracts.service.create_for_account):
an account's promise of availability with its calendar (24/7 here; shifts through the CLI or
API), period fee, penalty and bonus bands, and the machines it covers (all of the account's
when no serial is named). Every value is checked before anything is written and each reason
names its field (422); the contract is audited with all its fields. Who: ``contract.create``
(admins, sales and service managers, as for changing a contract).
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from servitize.contracts import repository
from servitize.contracts import service as contracts
from servitize.contracts.models import AvailabilityContract
from servitize.core.errors import Conflict, InvalidInput
from servitize.installed_base.access import get_account, require
from servitize.installed_base.columns import Column
from servitize.installed_base.editing_rules import check_value
from servitize.kit.money import to_cents
from servitize.trust.audit import actor_of
from servitize.trust.models import User

FIELDS = (
    "account_id",
    "external_id",
    "name",
    "target_pct",
    "fee",
    "currency",
    "penalty_pct",
    "penalty_step",
    "penalty_cap",
    "bonus_pct",
    "bonus_step",
    "bonus_cap",
    "valid_from",
    "valid_to",
    "serials",
)
PERCENT = {"type": "float", "min": 0, "max": 100}
COLUMNS = {
    "name": Column("name", required=True),
    "external_id": Column("external_id"),
    "target_pct": Column("target_pct", "float", required=True, min=0.01, max=100),
    "fee": Column("fee", "money", required=True, min=0, max=1e13),
    "currency": Column("currency", "currency"),
    "penalty_pct": Column("penalty_pct", **PERCENT),  # type: ignore[arg-type]
    "penalty_step": Column("penalty_step", "float", min=0.01, max=100),
    "penalty_cap": Column("penalty_cap", **PERCENT),  # type: ignore[arg-type]
    "bonus_pct": Column("bonus_pct", **PERCENT),  # type: ignore[arg-type]
    "bonus_step": Column("bonus_step", "float", min=0.01, max=100),
    "bonus_cap": Column("bonus_cap", **PERCENT),  # type: ignore[arg-type]
}
LENGTHS = {"name": 200, "external_id": 80}


def _day(name: str, raw: object, required: bool) -> tuple[date | None, str | None]:
    text = str(raw or "").strip()
    if not text:
        return None, (f"{name} is required" if required else None)
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, f"{name} '{text[:60]}' is not a date (YYYY-MM-DD)"


def _serials(raw: object) -> list[str] | None:
    if isinstance(raw, list):
        found = [str(s).strip() for s in raw if str(s).strip()]
    else:
        found = [s.strip() for s in str(raw or "").replace("\n", ",").split(",") if s.strip()]
    return sorted(set(found)) or None


def create(session: Session, user: User, values: dict[str, Any]) -> AvailabilityContract:
    """Check every field and add the contract for an account the user may see; audited."""
    raw_account = str(values.get("account_id") or "").strip()
    if not raw_account.isdigit() or len(raw_account) > 18:
        require(user, "contract.create")
        raise InvalidInput("account_id is required (the id of an account you may see)")
    account = get_account(session, user, int(raw_account))
    require(user, "contract.create")
    unknown = sorted(set(values) - set(FIELDS))
    reasons: dict[str, str] = {n: f"{n}: not a field of a contract" for n in unknown}
    typed: dict[str, Any] = {}
    for name, column in COLUMNS.items():
        value, reason = check_value(column, values.get(name), LENGTHS.get(name))
        if reason:
            reasons[name] = reason
        typed[name] = value
    start, reason = _day("valid_from", values.get("valid_from"), required=True)
    if reason:
        reasons["valid_from"] = reason
    end, reason = _day("valid_to", values.get("valid_to"), required=False)
    if reason:
        reasons["valid_to"] = reason
    elif start and end and end <= start:
        reasons["valid_to"] = f"valid_to {end} is not after valid_from {start}"
    if reasons:
        raise InvalidInput("; ".join(reasons.values()))
    external_id = typed["external_id"] or f"AV-{account.external_id}-{secrets.token_hex(3)}"
    if repository.contract_by_external_id(session, external_id) is not None:
        raise Conflict(f"external_id {external_id} is taken by another contract; nothing was added")

    def pct(name: str, default: float = 0.0) -> float:
        value = typed[name]
        return float(value) if value is not None else default

    contract, _covered = contracts.create_for_account(
        session,
        actor_of(user),
        account.external_id,
        _serials(values.get("serials")),
        external_id=external_id,
        name=typed["name"],
        target_pct=float(typed["target_pct"]),
        calendar={"kind": "24/7"},
        fee_cents=to_cents(Decimal(typed["fee"])),
        currency=typed["currency"] or account.currency,
        penalty_pct_per_step=pct("penalty_pct"),
        penalty_step_points=pct("penalty_step", 0.5),
        penalty_cap_pct=pct("penalty_cap"),
        bonus_pct_per_step=pct("bonus_pct"),
        bonus_step_points=pct("bonus_step", 0.5),
        bonus_cap_pct=pct("bonus_cap"),
        valid_from=datetime.combine(start, time(), tzinfo=UTC) if start else None,
        valid_to=datetime.combine(end, time(), tzinfo=UTC) if end else None,
    )
    return contract
