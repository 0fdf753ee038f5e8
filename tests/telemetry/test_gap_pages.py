"""Telemetry gaps on the pages: the machine page lists its recent gaps, the contracts page
alerts about the machines with a gap in the last 7 days; both within the user's scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from servitize.telemetry.store import Batch, TelemetryStore
from servitize.trust.service import issue_token
from tests import builders as b


@pytest.fixture
def web(data_app_client):  # type: ignore[no-untyped-def]
    return data_app_client


def _us(value: datetime) -> int:
    return int(value.timestamp()) * 1_000_000


def test_gaps_show_on_the_machine_page_and_as_an_alert_within_scope(
    web, session: Session, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    north = b.account(session, territory="GapPageNorth")
    south = b.account(session, territory="GapPageSouth")
    n1 = b.asset(session, north, serial="GPN-1", model="PX-200")
    n2 = b.asset(session, north, serial="GPN-2", model="PX-200")
    s1 = b.asset(session, south, serial="GPS-1", model="PX-900")
    sam = b.user(session, role="service_manager", territory="GapPageNorth")
    session.flush()
    # two days ago 10:00–10:30 on GPN-1 and GPS-1; GPN-2 only 20 days ago (outside the alert's 7 days)
    day = (datetime.now(UTC) - timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    old = day - timedelta(days=18)
    batch = Batch()
    for serial, start in (("GPN-1", day), ("GPS-1", day), ("GPN-2", old)):
        batch.add_gap(
            serial, _us(start), _us(start + timedelta(minutes=30)), "sequence", 30, "", 0, "mqtt"
        )
    TelemetryStore(tmp_path / "telemetry").write(batch)
    headers = {"Authorization": f"Bearer {issue_token(session, sam)}"}

    page = web.get(f"/assets/{n1.id}", headers=headers)
    assert page.status_code == 200
    assert f'hx-get="/assets/{n1.id}/telemetry-gaps"' in page.text
    mine = web.get(f"/assets/{n1.id}/telemetry-gaps", headers=headers)
    assert mine.status_code == 200
    line = f"telemetry gap {day:%Y-%m-%d} 10:00–10:30"
    assert line in mine.text and "30 readings missing" in mine.text
    older = web.get(f"/assets/{n2.id}/telemetry-gaps", headers=headers)
    assert f"telemetry gap {old:%Y-%m-%d} 10:00–10:30" in older.text  # within the page's 30 days
    # the other territory's machine: not found, its gap nowhere
    assert web.get(f"/assets/{s1.id}/telemetry-gaps", headers=headers).status_code == 404

    contracts = web.get("/contracts", headers=headers)
    assert contracts.status_code == 200
    assert "1 machine with telemetry gaps in the last 7 days" in contracts.text
    assert f'href="/assets/{n1.id}"' in contracts.text and "GPN-1" in contracts.text
    assert "GPS-1" not in contracts.text and "GPN-2" not in contracts.text

    # an admin sees both machines with a recent gap
    admin = b.user(session, role="admin")
    session.flush()
    everything = web.get(
        "/contracts", headers={"Authorization": f"Bearer {issue_token(session, admin)}"}
    )
    assert "2 machines with telemetry gaps in the last 7 days" in everything.text
    assert f'href="/assets/{s1.id}"' in everything.text


def test_no_alert_without_gaps(web, session: Session) -> None:  # type: ignore[no-untyped-def]
    sam = b.user(session, role="service_manager", territory="GapPageQuiet")
    session.flush()
    page = web.get("/contracts", headers={"Authorization": f"Bearer {issue_token(session, sam)}"})
    assert page.status_code == 200 and 'data-testid="gap-alert"' not in page.text
