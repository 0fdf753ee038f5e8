"""An import that changes a machine moves its version: a form opened before the import answers
409 instead of silently reverting what the import brought."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from servitize.core.errors import Conflict
from servitize.installed_base import fixes
from servitize.installed_base.models import Asset
from servitize.trust.models import User
from tests.installed_base.importing.helpers import base, prefix, run, write

HEADER = "external_id,account,site,parent,serial,origin,competitor,install_date,connectivity\n"


def test_an_imported_change_moves_the_version(engine: Engine, tmp_path: Path) -> None:
    p = prefix()
    base(engine, tmp_path, p)
    path = write(
        tmp_path / "assets.csv", HEADER + f"{p}-V1,{p}-A1,{p}-S1,,s1,own,,2018-01-01,none\n"
    )
    assert run(engine, "assets", path).inserted == 1
    with Session(engine) as session:
        asset = session.scalar(select(Asset).where(Asset.external_id == f"{p}-V1"))
        assert asset is not None and asset.version == 1
        opened_at = asset.version  # someone opens the machine's form now
    assert run(engine, "assets", path).unchanged == 1  # nothing changes: the version stays
    with Session(engine) as session:
        assert session.scalar(select(Asset.version).where(Asset.external_id == f"{p}-V1")) == 1
    changed = run(
        engine,
        "assets",
        write(path, HEADER + f"{p}-V1,{p}-A1,{p}-S1,,s1-new,own,,2018-01-01,legacy\n"),
    )
    assert changed.updated == 1
    with Session(engine) as session:
        asset = session.scalar(select(Asset).where(Asset.external_id == f"{p}-V1"))
        assert asset is not None and (asset.serial, asset.version) == ("s1-new", 2)
        admin = User(username=f"{p}-admin", role="admin", full_name="Admin")
        session.add(admin)
        session.flush()
        with pytest.raises(Conflict) as err:  # the form still shows serial s1 and connectivity none
            fixes.fix_asset(
                session,
                admin,
                asset.id,
                fixes.parse_fix(
                    {"serial": "s1", "connectivity": "none", "version": str(opened_at)}
                ),
            )
        assert "version 1" in err.value.message and "version 2" in err.value.message
        session.rollback()
    with Session(engine) as session:
        assert (
            session.scalar(select(Asset.serial).where(Asset.external_id == f"{p}-V1")) == "s1-new"
        )
