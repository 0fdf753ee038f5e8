"""The records telemetry needs from the installed base: which serials exist, whose they are."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.installed_base.access import visible_account_ids
from servitize.installed_base.models import Account, Asset
from servitize.trust.models import User


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


def visible_machines(
    session: Session, user: User, asset_id: int | None = None
) -> dict[str, tuple[int, str | None]]:
    """serial → (asset id, model) of the machines with a serial that the user may see
    (installed_base.access, as ``GET /api/v1/telemetry/gaps``); one machine with ``asset_id``."""
    query = select(Asset.serial, Asset.id, Asset.model).where(
        Asset.account_id.in_(visible_account_ids(user)), Asset.serial.is_not(None)
    )
    if asset_id is not None:
        query = query.where(Asset.id == asset_id)
    return {
        serial: (aid, model) for serial, aid, model in session.execute(query) if serial is not None
    }
