"""Fixing a machine's record by hand: what the data health score asks for, audited.

The ERP stays the system of record: its next import overwrites the columns its file carries,
so a fix made here belongs in the ERP too. Technicians on site, account owners, service and
sales managers and admins may fix the machines of the accounts they see; analysts only read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from servitize.core.dates import SaneDate
from servitize.core.errors import InvalidInput, NotFound, parse_input
from servitize.core.inputs import Id, Input
from servitize.installed_base import repository as repo
from servitize.installed_base.access import require
from servitize.installed_base.models import Asset, Connectivity, Origin, ServiceCoverage
from servitize.trust.audit import actor_of, diff, record
from servitize.trust.editing import check_version, lock_for_edit
from servitize.trust.models import User

Text = Field(default=None, max_length=80)


class AssetFix(Input):
    """The columns of a machine a person may set; only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    serial: str | None = Text
    model: str | None = Text
    product_line: str | None = Text
    manufacturer: str | None = Text
    origin: Origin | None = None
    competitor: str | None = Text
    install_date: SaneDate | None = None
    connectivity: Connectivity | None = None
    warranty_end: SaneDate | None = None
    coverage: ServiceCoverage | None = None
    contract_end: SaneDate | None = None
    site_id: Id | None = None
    # The version of the record the change was made on (GET gives it; the form sends it back):
    # a change made on an older copy answers 409 instead of reverting someone else's.
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


def parse_fix(data: dict[str, Any]) -> AssetFix:
    """A fix from form or JSON values; empty text means "clear"; errors name the field."""
    return parse_input(AssetFix, data)


def fix_asset(
    session: Session, user: User, asset_id: int, fix: AssetFix, today: date | None = None
) -> Asset:
    """Apply the given fields to a machine the user may see; one audit entry with before/after."""
    today = today or date.today()
    asset = lock_for_edit(
        session,
        repo.asset_to_edit(user, asset_id),
        f"machine {asset_id}",
    )
    if asset is None:
        raise NotFound(f"asset {asset_id} not found")
    require(user, "asset.edit")
    check_version(fix.version, asset.version, f"machine {asset_id}")
    changes = fix.model_dump(exclude_unset=True, exclude={"version"})
    changes = {k: getattr(v, "value", v) for k, v in changes.items()}
    reasons = _check(session, asset, changes, today)
    if reasons:
        raise InvalidInput("; ".join(reasons))
    before = {k: getattr(asset, k) for k in changes}
    for name, value in changes.items():
        setattr(asset, name, value)
    session.flush()
    old, new = diff(before, {k: getattr(asset, k) for k in changes})
    if new:
        record(session, actor_of(user), "update", "asset", asset.id, old, new, note="fixed by hand")
    return asset


def _check(session: Session, asset: Asset, changes: dict[str, Any], today: date) -> list[str]:
    """Every reason the changed machine would be wrong, the import's rules for the same columns."""
    reasons = []
    after = {
        name: changes.get(name, getattr(asset, name))
        for name in ("origin", "competitor", "install_date", "site_id")
    }
    if after["install_date"] and after["install_date"] > today:
        reasons.append(f"install_date {after['install_date']} is in the future")
    if after["origin"] == Origin.competitor and not after["competitor"]:
        reasons.append("competitor is required when origin is competitor")
    if "site_id" in changes and changes["site_id"] is not None:
        site = repo.site_by_id(session, changes["site_id"])
        if site is None or site.account_id != asset.account_id:
            reasons.append(f"site {changes['site_id']} is not a site of this machine's account")
    for name in ("origin", "connectivity", "coverage"):
        if name in changes and changes[name] is None:
            reasons.append(f"{name} cannot be empty")
    return reasons
