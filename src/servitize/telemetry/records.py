"""The records telemetry needs from the installed base: which serials exist, whose they are."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy.orm import Session

from servitize.core.errors import NotFound
from servitize.installed_base import repository as installed_base
from servitize.trust.models import User


@dataclass(frozen=True)
class AssetKey:
    """What telemetry knows of an asset: its ids and its account."""

    asset_id: int
    account_id: int
    serial: str


def assets_by_serial(session: Session) -> dict[str, AssetKey]:
    """Every asset with a serial; a serial used twice maps to the lower asset id."""
    return {
        m.serial: AssetKey(m.asset_id, m.account_id, m.serial)
        for m in installed_base.machines_with_serial(session)
    }


def known_serials(session: Session) -> set[str]:
    """The serials of all assets."""
    return {m.serial for m in installed_base.machines_with_serial(session)}


def visible_machines(
    session: Session, user: User, asset_id: int | None = None
) -> dict[str, tuple[int, str | None]]:
    """serial → (asset id, model) of the machines with a serial that the user may see
    (installed_base.access, as ``GET /api/v1/telemetry/gaps``); one machine with ``asset_id``."""
    machines = installed_base.machines_with_serial(
        session, visible_to=user, asset_ids=None if asset_id is None else [asset_id]
    )
    return {m.serial: (m.asset_id, m.model) for m in machines}


def account_id_of(session: Session, external_id: str) -> int:
    """The id of the account with this external id (or this numeric id); NotFound otherwise."""
    account = installed_base.account_by_ref(session, external_id)
    if account is None:
        raise NotFound(f"account {external_id!r} not found")
    return account.id


def only_machine_with_serial(session: Session, serial: str) -> int:
    """The asset id of the one machine with this serial; NotFound when none or several."""
    found = installed_base.machines_with_serial(session, serials=[serial])
    if len(found) != 1:
        raise NotFound(f"no single machine with serial {serial!r}")
    return found[0].asset_id


def is_tenant(session: Session, key: str) -> bool:
    """Whether an account or a site has this external id (a gateway's tenant)."""
    return (
        installed_base.account_by_external_id(session, key) is not None
        or installed_base.site_by_external_id(session, key) is not None
    )


def visible_account_ids_with_machines(session: Session, user: User) -> set[int]:
    """The accounts the user may see that have machines with a serial (what availability and
    the agreement hint read)."""
    return {m.account_id for m in installed_base.machines_with_serial(session, visible_to=user)}


def visible_serials(session: Session, user: User, serial: str | None = None) -> list[str]:
    """The serials of the machines the user may see (only ``serial`` when given), sorted."""
    machines = installed_base.machines_with_serial(
        session, visible_to=user, serials=None if serial is None else [serial]
    )
    return sorted({m.serial for m in machines})


def serial_table(serials: list[str]) -> pa.Table:
    """A one-column Arrow table of serials, for semi-joins in Ibis."""
    return pa.table({"serial": pa.array(sorted(set(serials)), pa.string())})
