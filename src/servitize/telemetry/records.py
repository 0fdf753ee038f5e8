"""The records telemetry needs from the installed base: which serials exist, whose they are."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.installed_base.models import Account, Asset


@dataclass(frozen=True)
class AssetKey:
    """What telemetry knows of an asset: its ids and its account."""

    asset_id: int
    account_id: int
    serial: str


def assets_by_serial(session: Session) -> dict[str, AssetKey]:
    """Every asset with a serial; a serial used twice maps to the lower asset id."""
    rows = session.execute(
        select(Asset.id, Asset.account_id, Asset.serial)
        .where(Asset.serial.is_not(None))
        .order_by(Asset.id.desc())
    )
    return {
        serial: AssetKey(asset_id, account_id, serial)
        for asset_id, account_id, serial in rows
        if serial is not None
    }


def known_serials(session: Session) -> set[str]:
    """The serials of all assets."""
    return set(session.scalars(select(Asset.serial).where(Asset.serial.is_not(None))))


def account_names(session: Session, account_ids: set[int]) -> dict[int, str]:
    """Account names by id."""
    if not account_ids:
        return {}
    rows = session.execute(select(Account.id, Account.name).where(Account.id.in_(account_ids)))
    return dict(rows.all())


def serial_table(serials: list[str]) -> pa.Table:
    """A one-column Arrow table of serials, for semi-joins in Ibis."""
    return pa.table({"serial": pa.array(sorted(set(serials)), pa.string())})
