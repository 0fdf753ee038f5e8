"""``GET /api/v1/telemetry/gaps``: the gaps of the machines a user may see, per machine."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from servitize.telemetry.store import Batch, TelemetryStore
from servitize.trust.service import issue_token
from tests import builders as b
from tests.telemetry.helpers import us


@pytest.fixture
def api(data_app_client):  # type: ignore[no-untyped-def]
    return data_app_client


def test_gaps_per_machine_within_the_users_scope(api, session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    north = b.account(session, territory="GapNorth")
    south = b.account(session, territory="GapSouth")
    b.asset(session, north, serial="GAP-N")
    b.asset(session, south, serial="GAP-S")
    sam = b.user(session, role="service_manager", territory="GapNorth")
    session.flush()
    batch = Batch()
    for serial in ("GAP-N", "GAP-S"):
        batch.add_gap(
            serial, us("2026-10-05T14:02"), us("2026-10-05T14:07"), "sequence", 5, "", 0, "mqtt"
        )
    TelemetryStore(tmp_path / "telemetry").write(batch)
    headers = {"Authorization": f"Bearer {issue_token(session, sam)}"}
    mine = api.get("/api/v1/telemetry/gaps?month=2026-10", headers=headers)
    assert mine.status_code == 200, mine.text
    assert mine.json()["gaps"] == [
        {
            "serial": "GAP-N",
            "start": "2026-10-05T14:02:00+00:00",
            "end": "2026-10-05T14:07:00+00:00",
            "kind": "sequence",
            "missing": 5,
            "minutes": 5.0,
        }
    ]
    one = api.get("/api/v1/telemetry/gaps?month=2026-10&serial=GAP-N", headers=headers)
    assert [g["serial"] for g in one.json()["gaps"]] == ["GAP-N"]
    other = api.get("/api/v1/telemetry/gaps?month=2026-10&serial=GAP-S", headers=headers)
    assert other.status_code == 404 and "GAP-S" in other.json()["detail"]
    assert api.get("/api/v1/telemetry/gaps?month=2026-09", headers=headers).json()["gaps"] == []
    assert api.get("/api/v1/telemetry/gaps?month=oops", headers=headers).status_code == 422
